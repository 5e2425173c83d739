"""Each submission is all or nothing: a process killed (`kill -9`) at each step of the store, a full disk, a failed
correction that moves a row: the store is seen as it was before the submission or after it, never between, the
retry gives the same counts and no quarantined row is recorded twice. And the order of arrival: rows that waited
for their cluster pass when their file is sent again after it."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.support.intake import ingest, open_home
from warehouse import ledger, store_log
from warehouse.parquet_store import read_tables

KILL_AT = {
    # a partition file of the submission is on disk, others are not
    "staging": "store_write._write_parquet = after_calls(store_write._write_parquet, 2)",
    # the table's Delta commit is made, the store version that names it is not yet recorded
    "before_commit": "store_log.record = before_call(store_log.record)",
    # the store holds the submission, the ledger does not know it ended
    "after_commit": "store_log.commit = after_calls(store_log.commit, 1)",
    # in the ledger's last transaction, quarantined rows half written
    "ledger": "ledger.save_quarantine = after_calls(ledger.save_quarantine, 1)",
}
CHILD = """
import os, signal, sys
from datetime import date
from flows.intake_run import ingest_file
from flows.settings import load_settings
from warehouse import ledger, store_log, store_write
from warehouse.db import get_engine

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after_calls(function, count):
    calls = []
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        calls.append(1)
        if len(calls) >= count:
            die()
        return result
    return wrapped

def before_call(function):
    def wrapped(*args, **kwargs):
        die()
    return wrapped

{patch}
settings = load_settings()
ingest_file(sys.argv[1], None, settings, get_engine(settings.database_url), today=date(2026, 11, 22),
            expectations=False)
"""


@pytest.fixture(scope="module")
def sample(two_cluster_sample):
    return two_cluster_sample


@pytest.fixture
def home(vigie_home):
    return open_home()


def deliveries_file(sample: Path, folder: Path) -> Path:
    """The sample's deliveries with one row of an unknown supplier (it waits in quarantine)."""
    rows = pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)
    rows.loc[3, "supplier_actor_id"] = "ACTEUR-INCONNU"
    path = folder / "livraisons.csv"
    rows.to_csv(path, index=False)
    return path


def stored_counts(settings) -> dict[str, int]:
    return {table: len(frame) for table, frame in read_tables(settings.store_dir).items()}


def stored_rows(settings, sample: Path) -> pd.DataFrame:
    """The sample's delivery rows as sent, of those the store holds (the sample has rows meant to be refused)."""
    rows = pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)
    return rows[rows["delivery_id"].isin(read_tables(settings.store_dir)["deliveries"]["delivery_id"])]


def loose_files(root: Path) -> set[str]:
    """Partition files under the store's tables that no recorded version of the store names (staged by a writer
    that never recorded its commit)."""
    named = set()
    for commit in store_log.load(root).commits:
        named |= {path for paths in store_log.load(root, commit["version"]).tables.values() for path in paths}
    on_disk = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.parquet")
        if not path.relative_to(root).parts[0].startswith(("_", ".")) and "_delta_log" not in path.parts
    }
    return on_disk - named


def run_killed(step: str, path: Path) -> subprocess.CompletedProcess:
    child = CHILD.replace("{patch}", KILL_AT[step])
    done = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, f"the child was meant to be killed at {step}: {done.stderr[-2000:]}"
    return done


@pytest.mark.parametrize("step", list(KILL_AT))
def test_a_submission_killed_at_each_store_step_is_all_or_nothing_and_its_retry_counts_once(
    home, sample, tmp_path, step
):
    settings, engine = home
    for table in ("clusters", "actors"):
        assert ingest(home, sample / f"{table}.csv").status == "validated"
    before = stored_counts(settings)
    path = deliveries_file(sample, tmp_path)
    expected_rows = len(pd.read_csv(path)) - 1

    run_killed(step, path)
    after_kill = stored_counts(settings)
    if step in ("after_commit", "ledger"):  # committed: the whole file is there
        assert after_kill == {**before, "deliveries": expected_rows}
    else:  # not committed: nothing of it is seen
        assert after_kill == before, "a reader never sees part of a submission"
    killed = ledger.submissions(engine).iloc[0]
    assert killed["status"] == "received"
    assert ledger.quarantined(engine, killed["submission_id"]).empty, "no quarantined row outlives its transaction"

    retry = ingest(home, path)
    assert (retry.status, retry.duplicate, retry.rows_accepted, retry.rows_quarantined) == (
        "validated", False, expected_rows, 1
    )  # fmt: skip
    assert stored_counts(settings) == {**before, "deliveries": expected_rows}
    assert len(ledger.quarantined(engine)) == 1, "the refused row is recorded once"
    interrupted = ledger.get_submission(engine, killed["submission_id"])
    assert interrupted["status"] == "interrupted" and "interrompue" in interrupted["reason"]
    assert loose_files(settings.store_dir) == set(), "what the killed writer staged was removed by the next"
    assert not list(settings.store_dir.rglob("*.tmp")), "and its temporary files"


def test_a_full_disk_during_a_correction_that_moves_a_row_loses_nothing(home, sample, tmp_path, monkeypatch):
    """The correction moves one delivery to another campaign; the disk fills while its partitions are written:
    the submission fails, the row stays where it was (once), no file of the failed write is left."""
    from warehouse import store_write

    settings, engine = home
    for table in ("clusters", "actors", "deliveries"):
        assert ingest(home, sample / f"{table}.csv").status == "validated"
    before = read_tables(settings.store_dir)["deliveries"]
    rows = stored_rows(settings, sample)
    moved = rows.iloc[[0]].copy()
    there = rows[(rows["cluster_id"] == moved["cluster_id"].iloc[0]) & (rows["campaign"] != moved["campaign"].iloc[0])]
    other = there["campaign"].iloc[0]
    moved = moved.assign(campaign=other, delivery_date=there["delivery_date"].iloc[0])
    path = tmp_path / "livraisons_correction.csv"
    moved.to_csv(path, index=False)

    real, calls = store_write._write_parquet, []

    def full_disk(table, target, fs):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, target, fs)

    monkeypatch.setattr(store_write, "_write_parquet", full_disk)
    with pytest.raises(OSError, match="No space left"):
        ingest(home, path)
    assert len(calls) == 2, "the correction rewrote the row's old partition and its new one"
    after = read_tables(settings.store_dir)["deliveries"]
    pd.testing.assert_frame_equal(after.sort_values("delivery_id"), before.sort_values("delivery_id"))
    assert loose_files(settings.store_dir) == set() and not list(settings.store_dir.rglob("*.tmp"))
    failed = ledger.submissions(engine).iloc[0]
    assert failed["status"] == "failed" and "No space left" in failed["reason"]

    monkeypatch.setattr(store_write, "_write_parquet", real)
    assert ingest(home, path).rows_accepted == 1
    stored = read_tables(settings.store_dir)["deliveries"]
    row = stored[stored["delivery_id"] == moved["delivery_id"].iloc[0]]
    assert (len(stored), len(row), row["campaign"].iloc[0]) == (len(before), 1, other)


def test_actors_sent_before_their_clusters_pass_when_the_same_file_is_sent_again(home, sample):
    settings, engine = home
    first = ingest(home, sample / "actors.csv")
    assert first.status == "validated" and first.rows_quarantined == first.rows_read > 0
    assert first.problems.get("unknown_cluster") == first.rows_read
    assert ingest(home, sample / "clusters.csv").rows_quarantined == 0

    again = ingest(home, sample / "actors.csv")
    assert not again.duplicate, "the file is looked at again: what its rows lacked has arrived"
    assert (again.rows_accepted, again.rows_quarantined) == (first.rows_read, 0)
    assert stored_counts(settings)["actors"] == first.rows_read
    assert ledger.quarantined(engine).empty, "nothing waits any more"
    waiting = ledger.quarantined(engine, first.submission_id, include_resolved=True)
    assert set(waiting["status"]) == {"resolved"} and set(waiting["resolved_by"]) == {again.submission_id}
    assert ingest(home, sample / "actors.csv").duplicate, "a third time, nothing waits: it changes nothing"


def test_a_file_whose_rows_were_refused_for_their_values_is_still_a_duplicate_when_sent_again(home, sample, tmp_path):
    for table in ("clusters", "actors"):
        ingest(home, sample / f"{table}.csv")
    rows = pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)
    rows.loc[0, "quantity_kg"] = "-4"
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    first = ingest(home, path)
    assert first.rows_quarantined == 1
    again = ingest(home, path)
    assert again.duplicate and again.submission_id == first.submission_id, "sending it again cannot fix a value"


def test_a_store_written_before_delta_lake_is_read_and_adopted(home, sample, tmp_path):
    """A store of one `part.parquet` per partition (no log at all) keeps its rows: read as it is, then adopted by
    its first writer, whose files become the tables' first Delta versions, in place."""
    import shutil

    settings, _ = home
    for table in ("clusters", "actors", "deliveries"):
        ingest(home, sample / f"{table}.csv")
    root = settings.store_dir
    manifest = store_log.load(root)
    for table, paths in manifest.tables.items():  # the layout of the earlier store
        for relative in paths:
            (root / relative).rename((root / relative).with_name(store_log.LEGACY_PART))
        shutil.rmtree(root / table / "_delta_log")
    shutil.rmtree(root / store_log.COMMITS)
    shutil.rmtree(root / ".snapshots", ignore_errors=True)
    for leftover in root.rglob("part-*.parquet"):  # files of earlier versions, that the old store did not keep
        leftover.unlink()
    counts = stored_counts(settings)
    assert counts["deliveries"] == len(stored_rows(settings, sample)) > 0

    rows = stored_rows(settings, sample).head(1)
    rows.to_csv(tmp_path / "livraisons.csv", index=False)
    assert ingest(home, tmp_path / "livraisons.csv").rows_accepted == 1
    assert stored_counts(settings) == counts, "the correction replaced its row, nothing was lost"
    adopted = store_log.load(root)
    files = [path for paths in adopted.tables.values() for path in paths]
    assert adopted.version == 1 and set(adopted.versions) == set(counts)
    assert any(path.endswith(store_log.LEGACY_PART) for path in files), "the files are adopted where they are"
    assert sum(not path.endswith(store_log.LEGACY_PART) for path in files) == 1, "only the corrected one is new"
