"""Crash leftovers: a submission still `received`, a run still `running`, a message still `sending` long after it
began was stopped by a crash or a kill. The next run marks them `interrupted` (status columns are free text, no
migration), so `vigie outbox list` and the officers' digest can say so.

A submission also holds the claim on its file's bytes while it is `received` (warehouse/ledger.py `claim`): the
claim names its process (`this_process`), and the same bytes sent again take it over at once when that process is
no longer running on this machine (`process_gone`), otherwise only once it is stale (past VIGIE_STALE_AFTER_S)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Engine, select, update

from warehouse.models import OutboxMessage, Run, utcnow
from warehouse.models_intake import Submission

INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Leftovers:
    """How many of each were marked interrupted."""

    submissions: int = 0
    runs: int = 0
    messages: int = 0

    def __bool__(self) -> bool:
        return bool(self.submissions or self.runs or self.messages)

    def __str__(self) -> str:
        return (
            f"crash leftovers marked interrupted: {self.submissions} submission(s), {self.runs} run(s), "
            f"{self.messages} message(s) left `sending` (they may have gone out: `vigie outbox list`)"
        )


def mark_interrupted(engine: Engine, stale_after_s: float, now: datetime | None = None) -> Leftovers:
    """Mark as interrupted what began more than `stale_after_s` ago and never finished."""
    now = now or utcnow()
    before = now - timedelta(seconds=stale_after_s)
    s, r, o = Submission.__table__, Run.__table__, OutboxMessage.__table__
    with engine.begin() as connection:
        submissions = connection.execute(
            update(s).where(s.c.status == "received", s.c.received_at < before)
            .values(status=INTERRUPTED, finished_at=now, reason="interrompue avant la fin (processus arrêté)")
        ).rowcount  # fmt: skip
        runs = connection.execute(
            update(r).where(r.c.status == "running", r.c.started_at < before)
            .values(status=INTERRUPTED, finished_at=now, error="interrupted: its process stopped before the end")
        ).rowcount  # fmt: skip
        messages = connection.execute(
            update(o)
            .where(o.c.status == "sending", o.c.sent_at < before)
            .values(
                status=INTERRUPTED,
                last_error="interrupted while sending: it may have gone out; check, then `vigie outbox retry --id`",
            )
        ).rowcount
    return Leftovers(submissions, runs, messages)


@cache
def this_process() -> str:
    """This process as a claim names it: `host:pid:start time` (the start time tells a reused pid apart)."""
    import psutil

    return f"{socket.gethostname()}:{os.getpid()}:{psutil.Process().create_time():.2f}"


def process_gone(claimed_by: str | None) -> bool:
    """Whether the process a claim names is known to be no longer running: on this machine only (another
    machine's processes cannot be seen: its claim waits for the timeout), and never for a claim that names none."""
    host, _, rest = (claimed_by or "").partition(":")
    pid, _, started = rest.partition(":")
    if not claimed_by or host != socket.gethostname() or not pid.isdigit():
        return False
    import psutil

    try:
        process = psutil.Process(int(pid))
        return process.status() == psutil.STATUS_ZOMBIE or abs(process.create_time() - float(started)) > 0.05
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, ValueError):  # not ours to look at, or a start time unreadable: assume it runs
        return False


def recent(engine: Engine, days: int = 30, now: datetime | None = None) -> list[dict]:
    """What was interrupted in the last `days` (every message still interrupted): kind, id, label, when."""
    since = (now or utcnow()) - timedelta(days=days)
    s, r, o = Submission.__table__, Run.__table__, OutboxMessage.__table__
    queries = {
        "submission": select(s.c.submission_id, s.c.file_name, s.c.received_at).where(
            s.c.status == INTERRUPTED, s.c.finished_at >= since
        ),
        "run": select(r.c.run_id, r.c.kind + " " + r.c.season, r.c.started_at).where(
            r.c.status == INTERRUPTED, r.c.finished_at >= since
        ),
        "message": select(o.c.id, o.c.recipient, o.c.created_at).where(o.c.status == INTERRUPTED),
    }
    with engine.connect() as connection:
        return [
            {"kind": kind, "id": str(key), "label": str(label or ""), "when": when}
            for kind, query in queries.items()
            for key, label, when in connection.execute(query)
        ]
