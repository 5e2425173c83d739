"""A quiet event flow against a real server (issue 15): with `vigie serve` running, `vigie demo` and a file
dropped in the inbox while the demo's deliveries run start at most 3 deliver-outbox runs (one asked by each intake
batch and by the review; one asked while another runs is cancelled), no run crashes or fails, every message goes
out, and the dropped file's intake run starts within 15 s of its event (its own queue, a slot kept in the pool: the
worker takes it and starts its process; on a loaded machine the process itself then needs a few seconds more to load
Prefect before the run shows as running); then `vigie submit` is taken in by the intake service of `vigie serve`."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml

from flows.serve import POOL, stop
from tests.support.prefect_server import drop, events_named, flow_runs, free_port, server_env
from warehouse import outbox
from warehouse.db import get_engine

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # a bound for a busy 2-core machine; the test takes about 2 minutes
DEPLOYMENTS = len(yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"])
MAX_DELIVERY_RUNS = 3
MAX_LATENCY_S = 15.0
TERMINAL = {"COMPLETED", "CANCELLED", "FAILED", "CRASHED"}


def api_post(api_url: str, path: str, body: dict) -> object:
    response = httpx.post(f"{api_url}/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def serving(api_url: str) -> bool:
    """Whether `vigie serve` has applied every deployment and its worker polls the pool."""
    try:
        workers = api_post(api_url, f"work_pools/{POOL}/workers/filter", {})
        return api_post(api_url, "deployments/count", {}) == DEPLOYMENTS and bool(workers)
    except httpx.HTTPError:
        return False


def wait_for(condition, deadline: float, processes: list[subprocess.Popen], log: Path, what: str) -> None:
    """Poll `condition` every second until true; fail with the processes' log if one died or time ran out."""
    while not condition():
        assert all(p.poll() is None for p in processes), log.read_text(errors="replace")[-4000:]
        assert time.monotonic() < deadline, f"{what} not reached in time:\n" + log.read_text(errors="replace")[-4000:]
        time.sleep(1)


def corrected_registry(demo_dir: Path) -> bytes:
    """The demo's clusters table with one cluster renamed: a real correction, new to the ledger."""
    text = (demo_dir / "clusters.csv").read_text(encoding="utf-8")
    corrected = text.replace("Cluster soja de Kétou", "Cluster soja de Kétou (corrigé)", 1)
    assert corrected != text
    return corrected.encode("utf-8")


def states_of(api_url: str, flow_run_id: str) -> dict[str, str]:
    """When a flow run first entered each state type (PENDING, RUNNING, ...)."""
    response = httpx.get(f"{api_url}/flow_run_states/", params={"flow_run_id": flow_run_id}, timeout=10)
    response.raise_for_status()
    first: dict[str, str] = {}
    for state in sorted(response.json(), key=lambda s: s["timestamp"]):
        first.setdefault(state["type"], state["timestamp"])
    return first


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


@pytest.mark.integration
def test_the_demo_and_a_dropped_file_start_few_deliveries_and_intake_does_not_wait(tmp_path):
    env = server_env(tmp_path, ROOT)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    home, inbox, log_path = Path(env["VIGIE_HOME"]), Path(env["VIGIE_INBOX_DIR"]), tmp_path / "processes.log"
    engine = get_engine(f"sqlite:///{home / 'vigie.db'}")
    deadline = time.monotonic() + TIMEOUT
    log = open(log_path, "wb")  # noqa: SIM115  (closed in finally)
    serve = demo = None
    try:
        command = [sys.executable, "-m", "flows.cli"]
        serve = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: serving(api_url), deadline, [serve], log_path, "vigie serve up")
        demo = subprocess.Popen(
            [*command, "demo"],
            env={**env, "PREFECT_API_URL": api_url},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: flow_runs(api_url, "deliver-outbox") or demo.poll() is not None, deadline, [serve], log_path,
                 "a first delivery run")  # fmt: skip
        drop(corrected_registry(home / "data" / "demo"), inbox, "clusters.csv")

        def settled() -> bool:  # the demo (in-process intake and review) is done, and every run it started
            deployed_intake = [r for r in flow_runs(api_url, "intake") if r["deployment_id"]]
            runs = deployed_intake + flow_runs(api_url, "deliver-outbox")
            return (
                demo.poll() is not None
                and any(r["state_type"] == "COMPLETED" for r in deployed_intake)
                and all(r["state_type"] in TERMINAL for r in runs)
                and {m["status"] for m in outbox.list_messages(engine)} == {"sent"}
            )

        wait_for(settled, deadline, [serve], log_path, "every run finished and every message sent")
        assert demo.returncode == 0, log_path.read_text(errors="replace")[-4000:]

        deliveries = flow_runs(api_url, "deliver-outbox")
        everything = api_post(api_url, "flow_runs/filter", {"limit": 200})
        (dropped,) = [r for r in flow_runs(api_url, "intake") if r["deployment_id"]]
        (received,) = events_named(api_url, "vigie.submission.received")
        launched = states_of(api_url, dropped["id"])["PENDING"]  # the worker took it from its queue, started it
        latency = seconds_between(received["occurred"], launched)
        running = seconds_between(received["occurred"], dropped["start_time"])  # after its process loaded Prefect
        counts = api_post(api_url, "events/count-by/event", {"filter": {"event": {"prefix": ["vigie."]}}})
        print(f"\ndelivery runs: {sorted(r['state_type'] for r in deliveries)}; intake started {latency:.1f} s after "
              f"its event (running after {running:.1f} s); "
              f"events: { {c['value']: c['count'] for c in counts} }")  # fmt: skip
        assert 1 <= len(deliveries) <= MAX_DELIVERY_RUNS, [r["state_type"] for r in deliveries]
        assert not [r["name"] for r in everything if r["state_type"] in ("CRASHED", "FAILED")]
        assert latency <= MAX_LATENCY_S, f"the dropped file's intake started {latency:.1f} s after its event"
        assert (inbox / "archive" / "clusters.csv").exists()

        # `vigie submit` hands a file to the intake service of `vigie serve`: from a shell that does not even know
        # the server's address, the run is still the server's (without the service it would run on a temporary one)
        registry = tmp_path / "registre-juin.csv"
        registry.write_bytes(corrected_registry(home / "data" / "demo").replace(b"(corrig", b"(revu et corrig"))
        shell = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
        submitted = subprocess.run([*command, "submit", str(registry), "--table", "clusters"], env=shell, cwd=ROOT,
                                   capture_output=True, text=True, timeout=TIMEOUT)  # fmt: skip
        assert submitted.returncode == 0 and "6 rows read, 6 accepted" in submitted.stdout, submitted
        assert [r["state_type"] for r in flow_runs(api_url, "intake") if r["name"] == "intake-registre-juin.csv"] == [
            "COMPLETED"
        ]
    finally:
        stop(demo)
        stop(serve, grace=60)  # vigie serve stops its watcher, intake service, worker and server on SIGTERM
        log.close()
    assert not (home / "run" / "intake-service.json").exists(), "the stopped service leaves no address behind"
