"""`vigie serve`: start or reuse a Prefect server, create the work pool, apply the deployments, run a worker and
the intake service that `vigie submit` uses.

The temporary in-process server of a plain flow run does not run schedules; this brings up the real one
(`prefect server start`), so schedules, triggers and automations all run. Stopping (Ctrl-C or SIGTERM) stops
the worker, then the server if this command started it; a server that was already running is left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

POOL = "vigie-process"
POOL_CONCURRENCY = 3
"""Flow runs the pool runs at once; the reviews and delivery queues hold one slot each at most, so one is left for
intake whatever else runs."""
QUEUES = {"intake": (1, None), "reviews": (2, 1), "delivery": (3, 1)}
"""Work queue of the pool -> (priority, concurrency limit); prefect.yaml puts each deployment on one. The worker
takes intake first: a dropped file never waits behind a review or a delivery."""
WORKER_QUERY_SECONDS = "2"
"""How often the worker asks for runs (Prefect's default is 10 s, a third of an intake's latency budget)."""
SERVER_STARTUP_TIMEOUT = 240  # seconds for `prefect server start` to answer, on two busy cores
PACKAGED_PREFECT_FILE = Path(__file__).resolve().with_name("prefect.yaml")  # in a checkout, a link to ../prefect.yaml


def prefect_command(*args: str) -> list[str]:
    """The Prefect CLI of this interpreter (the one Vigie is installed in), with `args`."""
    return [sys.executable, "-m", "prefect", *args]


def api_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at `api_url` (e.g. http://127.0.0.1:4200/api)."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(api_url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until the API answers; fail early if the server process has died."""
    deadline = time.monotonic() + timeout
    while not api_healthy(api_url):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server stopped (exit code {process.returncode}) before answering")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no Prefect API at {api_url} after {timeout:.0f} s")
        time.sleep(0.5)


def start_server(host: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """`prefect server start` on host:port, in its own process group (stopped as a whole)."""
    return subprocess.Popen(
        prefect_command("server", "start", "--host", host, "--port", str(port)), env=env, start_new_session=True
    )


def stop(process: subprocess.Popen | None, grace: float = 20.0) -> None:
    """Stop a child and its process group: SIGTERM, then SIGKILL after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def run_prefect(env: dict[str, str], *args: str, cwd: Path | None = None, check: bool = True) -> int:
    """Run one Prefect CLI command against the server of `env`; return its exit code."""
    return subprocess.run(prefect_command(*args), env=env, cwd=cwd, check=check).returncode


def deploy_all(project_dir: Path, env: dict[str, str]) -> None:
    """Create the process work pool and its queues if needed and apply every deployment of the project's
    prefect.yaml."""
    if run_prefect(env, "work-pool", "inspect", POOL, check=False) != 0:
        run_prefect(env, "work-pool", "create", POOL, "--type", "process")
    prepare_pool(env["PREFECT_API_URL"], env.get("VIGIE_INTAKE_QUEUE") or None)
    prefect_yaml = str(prefect_file(project_dir))
    run_prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", prefect_yaml, cwd=project_dir)


def prepare_pool(api_url: str, own_queue: str | None = None) -> None:
    """Set the pool's concurrency (POOL_CONCURRENCY) and create or update its work queues (QUEUES, and this
    worker's own intake queue, VIGIE_INTAKE_QUEUE, as urgent as `intake`)."""
    queues = {**QUEUES, **({own_queue: QUEUES["intake"]} if own_queue else {})}
    with httpx.Client(base_url=f"{api_url.rstrip('/')}/work_pools/", timeout=30) as api:
        api.patch(POOL, json={"concurrency_limit": POOL_CONCURRENCY}).raise_for_status()
        for name, (priority, limit) in queues.items():
            settings = {"priority": priority, "concurrency_limit": limit}
            created = api.post(f"{POOL}/queues", json={"name": name, **settings})
            if created.status_code == 409:  # already there: bring it to the declared settings
                api.patch(f"{POOL}/queues/{name}", json=settings).raise_for_status()
            else:
                created.raise_for_status()


def serve_env(api_url: str, project_dir: Path) -> dict[str, str]:
    """The environment of the server, the deploy step and the worker (flows run in the project folder)."""
    return {
        **os.environ,
        **worker_env(os.environ, declared_worker_env(prefect_file(project_dir))),
        "PREFECT_API_URL": api_url,
        "VIGIE_PROJECT_DIR": str(project_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": os.environ.get("PREFECT_WORKER_QUERY_SECONDS", WORKER_QUERY_SECONDS),
    }


def serve(
    project_dir: Path,
    host: str,
    port: int,
    echo: Callable[[str], None] = print,
    watch: bool = True,
    api_url: str | None = None,
) -> None:
    """Bring everything up (with `vigie watch` on the inbox unless `watch` is off, and the intake service that
    `vigie submit` uses, flows/intake_service.py), then wait for the worker; a clean stop on Ctrl-C or SIGTERM.
    `api_url`: an existing Prefect server (the settings' PREFECT_API_URL); else one started at `host:port`."""
    project_dir = project_dir.resolve()
    api_url = api_url or f"http://{host}:{port}/api"
    env = serve_env(api_url, project_dir)
    server = worker = watcher = service = None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if api_healthy(api_url):
            echo(f"Reusing the Prefect server at {api_url}")
        else:
            echo(f"Starting the Prefect server at {api_url} ...")
            server = start_server(host, port, env)
            wait_healthy(api_url, timeout=SERVER_STARTUP_TIMEOUT, process=server)
        deploy_all(project_dir, env)
        worker = subprocess.Popen(worker_command(env.get("VIGIE_INTAKE_QUEUE")), env=env, start_new_session=True)
        service = subprocess.Popen(  # `vigie submit` hands it small files: intake already loaded
            [sys.executable, "-m", "flows.intake_service"], env=env, cwd=project_dir, start_new_session=True
        )
        if watch:  # a file dropped in the inbox becomes a vigie.submission.received event, then an intake run
            watcher = subprocess.Popen(
                [sys.executable, "-m", "flows.cli", "watch"], env=env, cwd=project_dir, start_new_session=True
            )
            echo("Watching the inbox (VIGIE_INBOX_DIR, default var/inbox) for submitted files")
        echo(f"Prefect UI: {api_url.removesuffix('/api')}  (work pool {POOL}; Ctrl-C stops)")
        worker.wait()
    except KeyboardInterrupt:
        echo("Stopping ...")
    finally:
        stop(watcher)
        stop(service)
        stop(worker)
        stop(server)
        signal.signal(signal.SIGTERM, previous)


def worker_command(own_queue: str | None = None) -> list[str]:
    """The process worker of the pool: every queue, or with an intake queue of its own (VIGIE_INTAKE_QUEUE) that
    one, the reviews and the deliveries, never `intake` nor another worker's own queue (their files are in
    another worker's inbox)."""
    queues = [own_queue, *(name for name in QUEUES if name != "intake")] if own_queue else []
    return prefect_command("worker", "start", "--pool", POOL, *(f"--work-queue={name}" for name in queues))


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def prefect_file(project_dir: Path) -> Path:
    """The project's prefect.yaml: the checkout's own, else the copy the installed package ships."""
    own = project_dir / "prefect.yaml"
    return own if own.is_file() else PACKAGED_PREFECT_FILE


def declared_worker_env(prefect_yaml: Path) -> set[str]:
    """The variables the deployments of `prefect_yaml` declare in their job_variables env, and each worker's own
    (`definitions.worker_own`: its home, inbox and file outbox, set for the worker, never in a deployment)."""
    import yaml

    data = yaml.safe_load(prefect_yaml.read_text("utf-8"))
    return set((data.get("definitions") or {}).get("worker_own") or []) | {
        name
        for deployment in data.get("deployments") or []
        for name in ((deployment.get("work_pool") or {}).get("job_variables") or {}).get("env") or {}
    }


def worker_env(env: Mapping[str, str], declared: set[str]) -> dict[str, str]:
    """Every declared variable, for the deploy step to write into the deployments: the value of `env`, "" when
    unset (Vigie's default); VIGIE_HOME and the *_DIR folders made absolute, as flows run in the project folder."""
    values = {name: env.get(name, "") for name in declared}
    values["VIGIE_HOME"] = str(Path(env.get("VIGIE_HOME") or "var").expanduser().resolve())
    for name, value in values.items():
        if (name.endswith("_DIR") or name == "VIGIE_STORE_URL") and value and "://" not in value:
            values[name] = str(Path(value).expanduser().resolve())
    return values
