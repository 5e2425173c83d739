"""The intake ledger: every submission with its counts and status, and the rows it quarantined."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from warehouse.leftovers import INTERRUPTED, process_gone, this_process
from warehouse.models import utcnow
from warehouse.models_intake import QuarantinedRow, Submission

FINAL = ("validated",)  # a refused file may be sent again unchanged (after a form mapping is added)
BATCH = 5000
WAITING = ("unknown_cluster", "unknown_actor", "outside_campaign")
"""Problems a row has for want of another file's rows (its cluster, its actor, its cluster's calendar)."""
Bind = Engine | Connection
"""The ledger's writes take an engine (each its own transaction) or a connection (all in the caller's one)."""


@contextmanager
def _begin(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.begin() as connection:
            yield connection


def find_processed(bind: Bind, file_hash: str, table_hint: str) -> dict[str, Any] | None:
    """The earlier submission of the same bytes (with the same --table) that was validated, unless rows of it still
    wait in quarantine for what another file brings (a cluster or an actor not known then, a campaign calendar):
    such a file is taken in again when it is sent again, and its rows pass if what they lacked has arrived."""
    q = QuarantinedRow.__table__
    waiting = exists().where(
        q.c.submission_id == Submission.submission_id,
        q.c.status == "open",
        or_(*(q.c.problems.contains(f'"{code}"', autoescape=True) for code in WAITING)),
    )
    statement = (
        select(Submission.__table__)
        .where(Submission.file_hash == file_hash, Submission.table_hint == table_hint, Submission.status.in_(FINAL))
        .where(~waiting)
        .order_by(Submission.received_at)
        .limit(1)
    )
    with _begin(bind) as connection:
        row = connection.execute(statement).mappings().first()
    return dict(row) if row else None


class Taken(Exception):
    """The same bytes (with the same --table) need not, or cannot, be taken in now: `row` is the submission in the
    way, done already (`in_flight` False: `find_processed`) or being processed at this moment (`in_flight`)."""

    def __init__(self, row: dict[str, Any], in_flight: bool) -> None:
        super().__init__(row["submission_id"])
        self.row, self.in_flight = row, in_flight


def claim(engine: Engine, stale_after_s: float, **values: Any) -> None:
    """Record a file as received, unless the same bytes were already taken in or are being taken in now (Taken).

    Race-free, by the database: the row inserted `received` is the claim, and a unique index allows one such row
    per (file_hash, table_hint) (models_intake.py), so of two workers handed the same file at once the second is
    refused by the database itself, on SQLite as on PostgreSQL. The earlier submissions are looked for after the
    claim is inserted, in its transaction: one that ends while we claim is seen (its last record commits before our
    insert passes the index), and a file already processed leaves no claim behind. A claim left by a crash is taken
    over in the same transaction (marked `interrupted`) once it is stale (received over `stale_after_s` ago) or
    its process is no longer running on this machine (warehouse/leftovers.py)."""
    row = {"status": "received", "received_at": utcnow(), "table_hint": "", "claimed_by": this_process(), **values}
    file_hash, table_hint = row["file_hash"], row["table_hint"]
    for _ in range(3):
        try:
            with engine.begin() as connection:
                _take_over(connection, file_hash, table_hint, row["received_at"] - timedelta(seconds=stale_after_s),
                           row["submission_id"])  # fmt: skip
                connection.execute(insert(Submission).values(**row))
                previous = find_processed(connection, file_hash, table_hint)
                if previous is not None:
                    raise Taken(previous, in_flight=False)  # rolled back: no claim left
            return
        except IntegrityError as error:  # another submission holds the claim
            refused = error
            holder = in_flight(engine, file_hash, table_hint)
            if holder is not None:
                raise Taken(holder, in_flight=True) from None
            # it ended between our insert and this look: claim again (its end is seen now)
    raise refused


def in_flight(bind: Bind, file_hash: str, table_hint: str) -> dict[str, Any] | None:
    """The submission of these bytes being processed now (holding the claim), if any."""
    s = Submission.__table__
    statement = select(s).where(s.c.file_hash == file_hash, s.c.table_hint == table_hint, s.c.status == "received")
    with _begin(bind) as connection:
        row = connection.execute(statement).mappings().first()
    return dict(row) if row else None


def _take_over(connection: Connection, file_hash: str, table_hint: str, before: datetime, submission_id: str) -> None:
    """Mark `interrupted` the claim on these bytes a crash left: stale (received before `before`) or held by a
    process that no longer runs. A live claim is left alone (the insert that follows is then refused)."""
    holder = in_flight(connection, file_hash, table_hint)
    if holder is None:
        return
    received = holder["received_at"]
    stale = (received if received.tzinfo else received.replace(tzinfo=before.tzinfo)) < before
    if stale or process_gone(holder["claimed_by"]):
        s = Submission.__table__
        connection.execute(
            update(s)
            .where(s.c.submission_id == holder["submission_id"], s.c.status == "received")
            .values(status=INTERRUPTED, finished_at=utcnow(),
                    reason=f"interrompue avant la fin ; reprise par {submission_id[:8]}")
        )  # fmt: skip


def start_submission(engine: Engine, **values: Any) -> None:
    """Record a file as received."""
    row = {"status": "received", "received_at": utcnow(), "table_hint": "", **values}
    with engine.begin() as connection:
        connection.execute(insert(Submission).values(**row))


def finish_submission(bind: Bind, submission_id: str, **values: Any) -> None:
    """Record how a submission ended (lists are stored `;`-separated, dicts as JSON)."""
    for name, value in list(values.items()):
        if isinstance(value, list | tuple | set):
            values[name] = ";".join(sorted(map(str, value)))
        elif isinstance(value, dict):
            values[name] = json.dumps(value, ensure_ascii=False, default=str)
    with _begin(bind) as connection:
        connection.execute(
            update(Submission).where(Submission.submission_id == submission_id).values(finished_at=utcnow(), **values)
        )


def supersede(connection: Connection, submission_id: str, file_hash: str, table_hint: str, stored: bool) -> None:
    """A submission of the same bytes as earlier ones takes their place: once it is `stored`, their rows still in
    quarantine give way to its own (status `superseded`); an earlier one left `received` (its process was killed
    or crashed before the ledger was finished) is marked `interrupted`, as the next run marks any stale one
    (warehouse/leftovers.py)."""
    q, s = QuarantinedRow.__table__, Submission.__table__
    earlier = select(s.c.submission_id).where(
        s.c.file_hash == file_hash, s.c.table_hint == table_hint, s.c.submission_id != submission_id
    )
    if stored:
        connection.execute(
            update(q)
            .where(q.c.submission_id.in_(earlier), q.c.status == "open")
            .values(status="superseded", resolved_by=submission_id)
        )
    connection.execute(
        update(s)
        .where(s.c.submission_id.in_(earlier.where(s.c.status == "received")))
        .values(
            status=INTERRUPTED,
            reason=f"interrompue avant la fin ; reprise par {submission_id[:8]}",
            finished_at=utcnow(),
        )
    )


def get_submission(engine: Engine, submission_id: str) -> dict[str, Any] | None:
    """One submission's ledger row."""
    with engine.connect() as connection:
        row = (
            connection.execute(select(Submission.__table__).where(Submission.submission_id == submission_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def submissions(engine: Engine) -> pd.DataFrame:
    """Every submission, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(Submission.__table__).order_by(Submission.received_at.desc())).mappings()
        return pd.DataFrame([dict(row) for row in rows])


def save_quarantine(bind: Bind, submission_id: str, table: str, source: str, rows: Iterable[dict]) -> int:
    """Store refused rows (row_number, line_number, reasons, problems, cells, row_key); return how many."""
    stored = 0
    batch: list[dict] = []
    now = utcnow()
    with _begin(bind) as connection:
        for row in rows:
            batch.append(
                {
                    "submission_id": submission_id,
                    "table_name": table,
                    "source": source[:400],
                    "row_number": row["row_number"],
                    "line_number": row["line_number"],
                    "row_key": (row.get("row_key") or None) and str(row["row_key"])[:400],
                    "reasons": row["reasons"],
                    "problems": json.dumps(row["problems"], ensure_ascii=False, default=str),
                    "cells": json.dumps(row["cells"], ensure_ascii=False, default=str),
                    "status": "open",
                    "created_at": now,
                }
            )
            if len(batch) >= BATCH:
                connection.execute(insert(QuarantinedRow), batch)
                stored, batch = stored + len(batch), []
        if batch:
            connection.execute(insert(QuarantinedRow), batch)
            stored += len(batch)
    return stored


def resolve_quarantine(bind: Bind, table: str, accepted_keys: Callable[[], pd.Series], submission_id: str) -> int:
    """Mark open quarantined rows of `table` whose key a later submission accepted; return how many. The accepted
    keys are asked for only when rows of `table` wait in quarantine (building them costs seconds on a big file)."""
    q = QuarantinedRow.__table__
    with _begin(bind) as connection:
        open_rows = connection.execute(
            select(q.c.id, q.c.row_key).where(q.c.table_name == table, q.c.status == "open", q.c.row_key.is_not(None))
        ).all()
        if not open_rows:
            return 0
        keys = pd.Series([key for _, key in open_rows], dtype="str")
        hit = keys.isin(accepted_keys()).to_numpy()
        ids = [row_id for (row_id, _), ok in zip(open_rows, hit, strict=True) if ok]
        for start in range(0, len(ids), BATCH):
            connection.execute(
                update(q)
                .where(q.c.id.in_(ids[start : start + BATCH]))
                .values(status="resolved", resolved_by=submission_id)
            )
    return len(ids)


def quarantined(
    engine: Engine, submission_id: str | None = None, table: str | None = None, include_resolved: bool = False
) -> pd.DataFrame:
    """Quarantined rows (open ones unless asked), oldest first, with their submission's file name.

    `submission_id` may be the id's first characters (reports and `quarantine list` show 8).
    """
    q, s = QuarantinedRow.__table__, Submission.__table__
    statement = select(q, s.c.file_name).join(s, s.c.submission_id == q.c.submission_id).order_by(q.c.id)
    if submission_id:
        statement = statement.where(q.c.submission_id.startswith(submission_id, autoescape=True))
    if table:
        statement = statement.where(q.c.table_name == table)
    if not include_resolved:
        statement = statement.where(q.c.status == "open")
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(statement).mappings()]
    frame = pd.DataFrame(rows, columns=[*q.columns.keys(), "file_name"])
    return frame
