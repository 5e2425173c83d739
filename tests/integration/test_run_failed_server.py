"""The run-failed-alert automation against a real `prefect server start` (issue 15): an intake run that fails on
a process worker starts the deployment through its prefect.yaml trigger; one `run_failed` alert is stored, one
officers' message queued and sent by deliver-outbox (its .eml: which run, how it ended, its page, no secret); a
second Failed event for the same run starts the alert flow again and adds nothing; no alert run alerts on itself."""

from __future__ import annotations

import email
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import httpx
import pytest

from flows.serve import (
    POOL,
    declared_worker_env,
    prefect_command,
    prepare_pool,
    run_prefect,
    start_server,
    stop,
    wait_healthy,
    worker_env,
)
from tests.support.prefect_server import flow_runs, free_port, server_env
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # server start-up, three deploys and five flow runs on two busy cores
SG_KEY = "SG.abcdefghijklmnop.qrstuvwxyz0123456789"
TERMINAL = {"COMPLETED", "CANCELLED", "FAILED", "CRASHED"}


def api(api_url: str, path: str, body: dict | None = None) -> object:
    response = httpx.post(f"{api_url}/{path}", json=body or {}, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else None


def wait_for(condition, deadline: float, processes: list[subprocess.Popen], log: Path, what: str):
    """Poll `condition` every second until it returns something true; fail with the log if a process died."""
    while not (found := condition()):
        assert all(p.poll() is None for p in processes), log.read_text(errors="replace")[-4000:]
        assert time.monotonic() < deadline, f"{what} not reached in time:\n" + log.read_text(errors="replace")[-4000:]
        time.sleep(1)
    return found


def finished(api_url: str, flow: str, count: int) -> list[dict] | None:
    runs = flow_runs(api_url, flow)
    return runs if len(runs) >= count and all(r["state_type"] in TERMINAL for r in runs) else None


def text_of(mime: bytes) -> str:
    return email.message_from_bytes(mime, policy=policy.default).get_body(("plain",)).get_content()


@pytest.mark.integration
def test_a_failed_intake_run_alerts_the_officers_once_through_the_deployment_trigger(tmp_path):
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = server_env(tmp_path, ROOT)
    home, log_path = Path(env["VIGIE_HOME"]), tmp_path / "processes.log"
    (tmp_path / "inbox").mkdir()
    started: list[subprocess.Popen] = []
    log = open(log_path, "wb")  # noqa: SIM115  (closed in finally)
    try:
        server = start_server("127.0.0.1", port, env)
        started.append(server)
        wait_healthy(api_url, timeout=TIMEOUT, process=server)
        deadline = time.monotonic() + TIMEOUT
        env.update(worker_env(env, declared_worker_env(ROOT / "prefect.yaml")), PREFECT_API_URL=api_url)
        subprocess.run([sys.executable, "-m", "flows.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True)
        run_prefect(env, "work-pool", "create", POOL, "--type", "process")
        prepare_pool(api_url)
        names = [arg for name in ("intake", "run-failed-alert", "deliver-outbox") for arg in ("--name", name)]
        run_prefect(env, "--no-prompt", "deploy", *names, cwd=ROOT)
        started.append(
            subprocess.Popen(
                prefect_command("worker", "start", "--pool", POOL),
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
        # a path outside the inbox: intake refuses it and the run fails (the path carries a SendGrid-looking key)
        (intake,) = api(api_url, "deployments/filter", {"deployments": {"name": {"any_": ["intake"]}}})
        failing = api(api_url, f"deployments/{intake['id']}/create_flow_run",
                      {"parameters": {"path": f"/elsewhere/{SG_KEY}/livraisons_zou.csv", "archive": True}})  # fmt: skip

        (failed,) = wait_for(lambda: finished(api_url, "intake", 1), deadline, started, log_path, "the intake failing")
        assert failed["id"] == failing["id"] and failed["state_type"] == "FAILED", failed["state"]
        (alert_run,) = wait_for(lambda: finished(api_url, "run-failed-alert", 1), deadline, started, log_path,
                                "the alert flow run")  # fmt: skip
        assert alert_run["state_type"] == "COMPLETED", alert_run["state"]
        assert alert_run["deployment_id"], "started by the deployment's trigger"
        assert alert_run["parameters"]["flow_name"] == "intake" and alert_run["parameters"]["state_name"] == "Failed"
        engine = get_engine(f"sqlite:///{home / 'vigie.db'}")

        def sent() -> list[dict]:
            rows = store.read_table(engine, OutboxMessage).to_dict("records")
            return rows if rows and all(r["status"] == "sent" for r in rows) else []

        (message,) = wait_for(sent, deadline, started, log_path, "the officers' message sent by deliver-outbox")
        assert message["kind"].startswith("alert:run_failed:") and message["recipient"] == "suivi@atda.example.bj"
        text = text_of(message["mime"])
        assert "« intake-livraisons_zou.csv » a échoué" in text
        assert f"http://127.0.0.1:{port}/runs/flow-run/{failed['id']}" in text, "its page in the Prefect UI"
        assert SG_KEY not in text and "InboxRefusal" in text

        # the same run's Failed event once more (as the server sent it): the alert flow runs again, adds nothing
        (event,) = api(api_url, "events/filter", {"filter": {"event": {"name": ["prefect.flow-run.Failed"]},
                       "resource": {"id": [f"prefect.flow-run.{failed['id']}"]}}})["events"]  # fmt: skip
        again = {k: event[k] for k in ("event", "resource", "related", "payload")}
        api(api_url, "events", [{**again, "occurred": datetime.now(UTC).isoformat(), "id": str(uuid.uuid4())}])
        runs = wait_for(lambda: finished(api_url, "run-failed-alert", 2), deadline, started, log_path,
                        "the alert flow's second run")  # fmt: skip
        assert {r["state_type"] for r in runs} == {"COMPLETED"}
        time.sleep(5)  # what a loop would start meanwhile
        alerts = store.read_table(engine, Alert)
        assert alerts[["rule", "cluster_id", "run_id"]].values.tolist() == [["run_failed", "*", failed["id"]]]
        assert len(store.read_table(engine, OutboxMessage)) == 1, "one officers' message, still"
        assert len(flow_runs(api_url, "run-failed-alert")) == 2, "one alert run per failure event, none on itself"
    finally:
        for process in reversed(started):
            stop(process)
        log.close()
