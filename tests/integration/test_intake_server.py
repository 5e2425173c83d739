"""Event-driven intake against a real `prefect server start`: `vigie watch` turns a dropped file into a
vigie.submission.received event, the intake deployment's trigger (prefect.yaml) starts a flow run on a process
worker, and the file ends in archive/ (or rejected/, with its reason). Every process is stopped afterwards."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from flows.serve import POOL, prefect_command, run_prefect, start_server, stop, wait_healthy
from tests.support.prefect_server import drop, events_named, flow_runs, free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # server start-up on two busy cores


@pytest.mark.integration
def test_a_dropped_file_is_taken_in_by_the_deployment_trigger_end_to_end(tmp_path):
    from synthetic import generate

    sample = tmp_path / "sample"
    generate(sample, clusters=2, campaigns=1, seed=5, deliveries_per_cluster_campaign=30)
    inbox = tmp_path / "inbox"  # VIGIE_INBOX_DIR of server_env
    inbox.mkdir()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = server_env(tmp_path, ROOT)
    started: list[subprocess.Popen] = []
    log = open(tmp_path / "processes.log", "wb")  # noqa: SIM115  (closed in finally)
    try:
        server = start_server("127.0.0.1", port, env)
        started.append(server)
        wait_healthy(api_url, timeout=TIMEOUT, process=server)
        env["PREFECT_API_URL"] = api_url
        subprocess.run([sys.executable, "-m", "flows.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True)
        run_prefect(env, "work-pool", "create", POOL, "--type", "process")
        run_prefect(env, "--no-prompt", "deploy", "--name", "intake", cwd=ROOT)
        for command in (
            prefect_command("worker", "start", "--pool", POOL),
            [sys.executable, "-m", "flows.cli", "watch", str(inbox), "--interval", "0.5"],
        ):
            started.append(
                subprocess.Popen(
                    command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        drop((sample / "clusters.csv").read_bytes(), inbox, "clusters.csv")
        drop(b"", inbox, "livraisons.csv")  # an empty file: refused with its reason

        deadline = time.monotonic() + TIMEOUT
        archived, rejected = inbox / "archive" / "clusters.csv", inbox / "rejected" / "livraisons.csv"
        while not (archived.exists() and rejected.exists()):
            assert all(p.poll() is None for p in started), (tmp_path / "processes.log").read_text(errors="replace")[
                -4000:
            ]
            assert time.monotonic() < deadline, (
                "the dropped files were not processed in time:\n"
                + ((tmp_path / "processes.log").read_text(errors="replace")[-4000:])
            )
            time.sleep(1)

        runs = flow_runs(api_url, "intake")
        while any(run["state_type"] != "COMPLETED" for run in runs) and time.monotonic() < deadline:
            time.sleep(1)
            runs = flow_runs(api_url, "intake")
        assert len(runs) == 2 and {run["state_type"] for run in runs} == {"COMPLETED"}
        assert all(run["deployment_id"] for run in runs), "started by the deployment's trigger"
        reason = (inbox / "rejected" / "livraisons.csv.raison.txt").read_text(encoding="utf-8")
        assert "le fichier est vide" in reason

        ledger = create_engine(f"sqlite:///{tmp_path / 'vigie-home' / 'vigie.db'}")
        with ledger.connect() as connection:
            rows = connection.execute(text("select file_name, status, rows_read, rows_accepted from submissions")).all()
        assert sorted(rows) == [("clusters.csv", "validated", 2, 2), ("livraisons.csv", "rejected", 0, 0)]
        assert (tmp_path / "vigie-home" / "store" / "clusters").exists()
        names = ("vigie.submission.received", "vigie.submission.validated", "vigie.submission.rejected")
        clusters = [line.split(",")[0] for line in (sample / "clusters.csv").read_text().splitlines()[1:]]
        expected = {names[0]: 2, names[1]: len(clusters), names[2]: 1}
        found = {name: events_named(api_url, name) for name in names}
        while any(len(found[n]) < expected[n] for n in names) and time.monotonic() < deadline:  # stored in batches
            time.sleep(1)
            found = {name: events_named(api_url, name) for name in names}
        assert len(found[names[0]]) == 2 and found[names[1]] and found[names[2]], {k: len(v) for k, v in found.items()}
        assert {e["resource"]["prefect.resource.id"] for e in found[names[1]]} == {
            f"vigie.cluster.{c}" for c in clusters
        }
    finally:
        for process in reversed(started):
            stop(process)
        log.close()
