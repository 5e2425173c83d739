"""The ledger's claim on a file's bytes, on SQLite and on PostgreSQL: one submission of the same bytes in flight at
a time, enforced by the database (workers claiming at once behind a barrier: exactly one wins); a file already
processed leaves no claim behind; a claim left by a crash is taken over once stale or once its process is gone."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.engine import make_url

from warehouse import ledger
from warehouse.db import get_engine
from warehouse.leftovers import INTERRUPTED, process_gone, this_process
from warehouse.models import utcnow
from warehouse.models_intake import Submission

HASH = "ab" * 32
WORKERS = 4


def claim(engine, submission_id: str | None = None, table_hint: str = "", stale_after_s: float = 3600) -> str:
    submission_id = submission_id or str(uuid.uuid4())
    ledger.claim(engine, stale_after_s, submission_id=submission_id, file_name="livraisons.csv", file_path="x",
                 file_hash=HASH, file_size=10, table_hint=table_hint)  # fmt: skip
    return submission_id


def statuses(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Submission.submission_id, Submission.status)).all())


def set_claim(engine, submission_id: str, **values) -> None:
    with engine.begin() as connection:
        connection.execute(update(Submission).where(Submission.submission_id == submission_id).values(**values))


def test_the_same_bytes_are_claimed_once_until_the_claim_ends(database_url):
    engine = get_engine(database_url)
    first = claim(engine)
    with pytest.raises(ledger.Taken) as refused:
        claim(engine)
    assert refused.value.in_flight and refused.value.row["submission_id"] == first
    assert refused.value.row["claimed_by"] == this_process()
    other_table = claim(engine, table_hint="deliveries")  # the same bytes read as another table: another claim
    assert len(statuses(engine)) == 2, "the refused claim left no row"

    ledger.finish_submission(engine, first, status="validated")
    with pytest.raises(ledger.Taken) as done:
        claim(engine)
    assert not done.value.in_flight and done.value.row["submission_id"] == first
    assert statuses(engine) == {first: "validated", other_table: "received"}, "a file already processed: no claim"

    ledger.finish_submission(engine, other_table, status="failed")
    again = claim(engine, table_hint="deliveries")  # a failed submission may be sent again at once
    assert statuses(engine)[again] == "received"


def test_a_stale_claim_is_taken_over_in_the_claiming_transaction(database_url):
    engine = get_engine(database_url)
    old = claim(engine)
    set_claim(engine, old, received_at=utcnow() - timedelta(hours=2))
    with pytest.raises(ledger.Taken):
        claim(engine, stale_after_s=3 * 3600)  # two hours old is not stale past three
    new = claim(engine, stale_after_s=3600)
    assert statuses(engine) == {old: INTERRUPTED, new: "received"}
    assert f"reprise par {new[:8]}" in ledger.get_submission(engine, old)["reason"]


def test_a_claim_whose_process_is_gone_is_taken_over_at_once_and_a_live_one_is_not(database_url):
    engine = get_engine(database_url)
    child = subprocess.run([sys.executable, "-c", "from warehouse.leftovers import this_process as t; print(t())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = child.stdout.strip()  # a process of this machine that has ended
    elsewhere = "another-host:1:1.00"  # another machine's process cannot be seen: its claim waits for the timeout
    assert process_gone(dead) and not process_gone(this_process()) and not process_gone(elsewhere)
    assert not process_gone(None), "a claim made before claims named their process waits for the timeout"

    held = claim(engine)
    set_claim(engine, held, claimed_by=elsewhere)
    with pytest.raises(ledger.Taken):
        claim(engine)
    set_claim(engine, held, claimed_by=dead)
    taker = claim(engine)
    assert statuses(engine) == {held: INTERRUPTED, taker: "received"}


def test_workers_claiming_the_same_bytes_at_once_give_one_claim(database_url):
    """Each worker its own engine (its own connections), all released at once by a barrier."""
    get_engine(database_url)  # migrated
    sqlite = make_url(database_url).get_backend_name() == "sqlite"
    engines = [create_engine(database_url, connect_args={"timeout": 30} if sqlite else {}) for _ in range(WORKERS)]
    barrier, said = threading.Barrier(WORKERS), []

    def worker(engine) -> None:
        barrier.wait()
        try:
            said.append(("claimed", claim(engine)))
        except ledger.Taken as taken:
            said.append(("in_flight" if taken.in_flight else "done", taken.row["submission_id"]))

    threads = [threading.Thread(target=worker, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    claimed = [sid for kind, sid in said if kind == "claimed"]
    assert len(said) == WORKERS and len(claimed) == 1, said
    assert sorted(said) == sorted([("claimed", claimed[0]), *[("in_flight", claimed[0])] * (WORKERS - 1)])
    with get_engine(database_url).connect() as connection:
        assert connection.execute(select(func.count()).select_from(Submission)).scalar() == 1
