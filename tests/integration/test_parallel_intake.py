"""Intake in parallel: several processes take in different files for the same table at the same time, on a local
store (the writers wait for each other's lock) and on the S3 server (no lock: the writer that records second runs
its transaction again, warehouse/store_retry.py). The store then holds every row once, the ledger every file once.
The same file handed to two processes at once is taken in by one; the other is refused (the ledger's claim)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest

from tests.support.processes import run_at_once

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4
CHILD = """
import json, sys
from datetime import date
from flows.intake_run import ingest_file
from flows.settings import load_settings
from warehouse.db import get_engine

settings = load_settings()
done = ingest_file(sys.argv[1], None, settings, get_engine(settings.database_url), today=date(2026, 11, 22),
                   expectations=False)
print(json.dumps({"status": done.status, "accepted": done.rows_accepted, "duplicate": done.duplicate}))
"""
SAME_FILE_CHILD = """
import json, os, sys, time
from datetime import date
from pathlib import Path
from flows.intake_run import ingest_file
from flows.settings import load_settings
from warehouse import ledger
from warehouse.db import get_engine

def meet(folder):  # a barrier between the processes: wait until each has come here
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while len(list(Path(folder).iterdir())) < int(sys.argv[3]) and time.monotonic() < deadline:
        time.sleep(0.02)

claim = ledger.claim
def claim_at_once(*args, **kwargs):
    meet(sys.argv[2] + "/before")  # every process claims at the same moment
    try:
        return claim(*args, **kwargs)
    finally:
        meet(sys.argv[2] + "/after")  # and none goes on (and ends its submission) before all have claimed
ledger.claim = claim_at_once

settings = load_settings()
done = ingest_file(sys.argv[1], None, settings, get_engine(settings.database_url), today=date(2026, 11, 22),
                   expectations=False)
print(json.dumps(done.as_dict(), default=str))
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Four clusters' deliveries of one campaign, cut into WRITERS files of different rows."""
    from synthetic import generate

    out = tmp_path_factory.mktemp("parallel-sample")
    generate(out, clusters=4, campaigns=1, seed=11, deliveries_per_cluster_campaign=60)
    deliveries = pd.read_csv(out / "deliveries.csv", dtype=str)
    for writer in range(WRITERS):
        deliveries.iloc[writer::WRITERS].to_csv(out / f"deliveries-{writer}.csv", index=False)
    return out


def child_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "PREFECT_"))}
    return {**env, "VIGIE_HOME": str(tmp_path / "home"), **extra}


def take_in(paths: list[Path], env: dict[str, str]) -> list[dict]:
    """Each file taken in by its own process, all started at once; what each said."""
    said = []
    for code, out, err in run_at_once([[sys.executable, "-c", CHILD, str(path)] for path in paths], env, ROOT):
        assert code == 0, err[-3000:]
        said.append(json.loads(out.strip().splitlines()[-1]))
    return said


def stored_deliveries(env: dict[str, str]) -> list[str]:
    """The delivery ids the store holds, read by a process of its own."""
    code = (
        "import json; from flows.settings import load_settings; from warehouse.parquet_store import read_tables; "
        "print(json.dumps(read_tables(load_settings().store_dir, ['deliveries'])['deliveries']"
        "['delivery_id'].astype(str).tolist()))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def unnamed_files(env: dict[str, str]) -> list[str]:
    """The files under the deliveries' folder no recorded store version names, listed by a process of its own."""
    code = (
        "import json; from flows.settings import load_settings; from tests.unit.test_store_orphans import "
        "unnamed_files; print(json.dumps(sorted(unnamed_files(load_settings().store_dir))))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def check_parallel_intake(sample: Path, tmp_path: Path, extra: dict[str, str]) -> None:
    from sqlalchemy import create_engine, text

    env = child_env(tmp_path, extra)
    for table in ("clusters", "actors"):  # the references first: deliveries are checked against them
        assert [s["status"] for s in take_in([sample / f"{table}.csv"], env)] == ["validated"]
    files = [sample / f"deliveries-{writer}.csv" for writer in range(WRITERS)]
    said = take_in(files, env)
    expected = pd.read_csv(sample / "deliveries.csv", dtype=str)["delivery_id"]
    assert [s["status"] for s in said] == ["validated"] * WRITERS, said
    assert sum(s["accepted"] for s in said) == len(expected), said

    stored = stored_deliveries(env)
    assert len(stored) == len(set(stored)), "no row stored twice"
    assert sorted(stored) == sorted(expected), "every row of every file stored"
    assert unnamed_files(env) == [], "the attempts refused by a concurrent commit left no file behind"
    ledger = create_engine(f"sqlite:///{tmp_path / 'home' / 'vigie.db'}")
    with ledger.connect() as connection:
        rows = connection.execute(text("select file_name, status, file_hash from submissions")).all()
    assert {status for _, status, _ in rows} == {"validated"}, rows
    assert sorted(name for name, _, _ in rows) == sorted(["clusters.csv", "actors.csv", *(f.name for f in files)])
    assert len({hash_ for _, _, hash_ in rows}) == len(rows), "each file recorded once"


@pytest.mark.integration
def test_files_taken_in_at_once_on_a_local_store_are_all_stored_once(sample, tmp_path):
    check_parallel_intake(sample, tmp_path, {"VIGIE_STORE_URL": str(tmp_path / "shared-store")})


@pytest.mark.integration
@pytest.mark.s3
def test_files_taken_in_at_once_on_s3_are_all_stored_once(sample, tmp_path, s3_server):
    from tests.support.s3 import BUCKET

    url = f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}/store"
    check_parallel_intake(sample, tmp_path, {**s3_server.env, "VIGIE_STORE_URL": url})


@pytest.mark.integration
def test_the_same_file_handed_to_two_processes_at_once_is_taken_in_once(sample, tmp_path):
    from sqlalchemy import create_engine, text

    from tests.unit.test_intake_atomic import deliveries_file

    env = child_env(tmp_path, {"VIGIE_STORE_URL": str(tmp_path / "shared-store")})
    for table in ("clusters", "actors"):
        assert [s["status"] for s in take_in([sample / f"{table}.csv"], env)] == ["validated"]
    path = deliveries_file(sample, tmp_path)  # with one row that waits in quarantine
    command = [sys.executable, "-c", SAME_FILE_CHILD, str(path), str(tmp_path / "barrier"), "2"]
    said = []
    for code, out, err in run_at_once([command, command], env, ROOT):
        said.append((code, json.loads(out.strip().splitlines()[-1]) if code == 0 else err[-3000:]))
    assert [code for code, _ in said] == [0, 0], said
    done = sorted((summary for _, summary in said), key=lambda summary: summary["status"])
    refused, taken = done
    assert (taken["status"], refused["status"]) == ("validated", "in_progress"), done
    assert (refused["duplicate"], refused["reason_code"], refused["submission_id"]) == (
        True, "in_progress", taken["submission_id"]
    )  # fmt: skip
    assert f"déjà en cours de réception par la soumission {taken['submission_id'][:8]}" in refused["reason"]

    stored = stored_deliveries(env)
    assert len(stored) == len(set(stored)) == taken["rows_accepted"] == len(pd.read_csv(path)) - 1
    ledger = create_engine(f"sqlite:///{tmp_path / 'home' / 'vigie.db'}")
    with ledger.connect() as connection:
        rows = connection.execute(text("select submission_id, status from submissions where file_name = :n"),
                                  {"n": path.name}).all()  # fmt: skip
        quarantined = connection.execute(text("select submission_id from quarantined_rows")).all()
    assert rows == [(taken["submission_id"], "validated")], "the refused attempt recorded nothing"
    assert quarantined == [(taken["submission_id"],)], "the waiting row is quarantined once"
