"""A real `prefect server start` (loopback, temporary SQLite): the calendar-scheduled review gets scheduled runs."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from cronsim import CronSim

from flows.calendars import PULL_DEPLOYMENT, REVIEW_DEPLOYMENT, expected_schedules, load_calendars
from flows.serve import POOL, run_prefect, start_server, stop, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # server start-up and deploys on two busy cores


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def prefect_server(tmp_path: Path):
    """A Prefect server of its own (PREFECT_HOME and SQLite database in tmp_path), always stopped afterwards."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        VIGIE_PROJECT_DIR=str(ROOT),
    )
    server = start_server("127.0.0.1", port, env)
    try:
        wait_healthy(api_url, timeout=TIMEOUT, process=server)
        yield api_url, {**env, "PREFECT_API_URL": api_url}
    finally:
        stop(server)


def scheduled_runs(api_url: str, deployment: str = REVIEW_DEPLOYMENT) -> list[dict]:
    response = httpx.post(
        f"{api_url}/flow_runs/filter",
        json={
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "deployments": {"name": {"any_": [deployment]}},
            "limit": 200,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def test_the_calendar_schedules_create_scheduled_runs(prefect_server):
    api_url, env = prefect_server
    run_prefect(env, "work-pool", "create", POOL, "--type", "process")
    run_prefect(env, "--no-prompt", "deploy", "--name", REVIEW_DEPLOYMENT, cwd=ROOT)
    run_prefect(env, "--no-prompt", "deploy", "--name", PULL_DEPLOYMENT, cwd=ROOT)  # on the same server: one start

    deadline = time.monotonic() + TIMEOUT
    runs = scheduled_runs(api_url)
    while not runs and time.monotonic() < deadline:
        time.sleep(1)
        runs = scheduled_runs(api_url)

    assert runs, f"no scheduled run of {REVIEW_DEPLOYMENT} appeared within {TIMEOUT} s"
    schedules = {s["parameters"]["value_chain"]: s for s in expected_schedules(load_calendars())[REVIEW_DEPLOYMENT]}
    starts = set()
    for run in runs:
        schedule = schedules[run["parameters"]["value_chain"]]
        assert "data_dir" not in run["parameters"], "scheduled reviews read what intake has stored"
        start = datetime.fromisoformat(run["expected_start_time"]).astimezone(ZoneInfo(schedule["timezone"]))
        assert start == next(CronSim(schedule["cron"], start - timedelta(seconds=1))), (
            f"{start} is not an occurrence of {schedule['cron']} ({schedule['timezone']})"
        )
        starts.add((schedule["parameters"]["value_chain"], start))
    now = datetime.now(ZoneInfo("Africa/Porto-Novo"))
    soonest = min(
        (next(CronSim(s["cron"], now.astimezone(ZoneInfo(s["timezone"])))), chain) for chain, s in schedules.items()
    )
    assert (soonest[1], soonest[0]) in starts, "the next review due by the calendars must be scheduled"
    pulls = scheduled_runs(api_url, PULL_DEPLOYMENT)
    while not any(r["parameters"].get("full") for r in pulls) and time.monotonic() < deadline:
        time.sleep(1)
        pulls = scheduled_runs(api_url, PULL_DEPLOYMENT)
    nightly = [r for r in pulls if r["parameters"].get("full")]
    assert nightly and all(r["parameters"] == {"full": True, "platform": "kobo"} for r in nightly), (
        "the nightly run reads the KoboToolbox sources whole"
    )
    assert any(not r["parameters"] for r in pulls), "the hourly pulls take the defaults: every source, changes only"


def test_vigie_serve_brings_everything_up_and_stops_cleanly(tmp_path):
    """Up, deployed, a worker polling; a file dropped in the inbox ends as an email with nobody running a command;
    then a clean stop."""
    import signal
    import subprocess
    import sys

    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIE_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), VIGIE_HOME=str(tmp_path / "vigie-home"))
    env.update(VIGIE_OFFICER_EMAILS="suivi@atda.example.bj", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while "Prefect UI:" not in log.read_text(errors="replace"):
            assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "vigie serve did not come up in time"
            time.sleep(0.5)
        assert f"http://127.0.0.1:{port}" in log.read_text(errors="replace")
        deployments = httpx.post(f"{api_url}/deployments/filter", json={}, timeout=10).json()
        declared = {d["name"] for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
        assert {d["name"] for d in deployments} == declared
        assert httpx.get(f"{api_url}/work_pools/{POOL}", timeout=10).json()["type"] == "process"
        while not httpx.post(f"{api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=10).json():
            assert time.monotonic() < deadline, "no worker polled the work pool"
            time.sleep(0.5)
        _drop_a_file_and_see_the_email(tmp_path / "vigie-home", deadline + TIMEOUT, serve, log)
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=45) == 0, log.read_text(errors="replace")[-3000:]
        assert not _answers(api_url), "the server vigie serve started must stop with it"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        _kill_leftovers(port)


def _drop_a_file_and_see_the_email(home: Path, deadline: float, serve, log: Path) -> None:
    """The watcher turns a dropped file into an event, the trigger runs intake, the validation report is emailed."""
    from synthetic import generate

    sample = home.parent / "sample"
    generate(sample, clusters=1, campaigns=1, seed=5, deliveries_per_cluster_campaign=20)
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (sample / "clusters.csv").replace(inbox / "clusters.csv")
    outbox = home / "outbox"
    while not list(outbox.glob("validation_report*.eml")):
        assert serve.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "the dropped file did not end as an email: " + str(
            sorted(p.name for p in home.rglob("*") if p.is_file())[:40]
        )
        time.sleep(1)
    assert (inbox / "archive").exists() and any((inbox / "archive").iterdir()), "the processed file is archived"


def _answers(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _kill_leftovers(port: int) -> None:
    """Should a stop fail, kill only what this test started: processes whose command line names its port."""
    import signal

    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if f"--port {port}" in command and "prefect" in command:
                os.kill(int(proc.name), signal.SIGKILL)
