"""Benchmark of the everyday unit of work: one cluster's file of about 1 000 rows submitted from the command line,
and the whole demo (12 files and the review), both with a Prefect server running, as an officer works.

Each command runs as the officer types it (`vigie submit FILE`, `vigie demo`), in a fresh process, timed wall to
wall; `vigie submit` finds the intake service that `vigie serve` runs (started here for each home) when the
checkout has one. The same commands run on a second checkout (`--before DIR`: another clone or worktree of
Vigie with its own .venv, e.g. `git worktree add /tmp/before <commit> && make -C /tmp/before install`),
alternated, against the same server, so the figures compare like for like.

    .venv/bin/python benchmarks/small_bench.py [--before DIR] [--repeat 3]

Targets (issue 15): a 1 000-row file in at most 2 s wall, the demo in at most 30 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_FILE_S, TARGET_DEMO_S = 2.0, 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds from start to end of `command` (which must succeed)."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def one_file(checkout: Path, sample: Path, work: Path, env: dict[str, str], run: int) -> float:
    """Seconds for `vigie submit` of a 1 000-row deliveries file (new bytes each run) into a home that already
    holds the cluster and its actors; with the intake service `vigie serve` runs, when the checkout has one."""
    import pandas as pd

    vigie = str(checkout / ".venv" / "bin" / "vigie")
    home = work / f"home-{checkout.name}-{run}"
    env = {**env, "VIGIE_HOME": str(home)}
    service = start_service(checkout, env, home)
    try:
        subprocess.run([vigie, "submit", str(sample / "clusters.csv"), str(sample / "actors.csv")], env=env,
                       capture_output=True, check=True)  # fmt: skip
        rows = pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)
        rows["delivery_id"] = rows["delivery_id"] + f"-{run}"
        path = work / f"livraisons_{checkout.name}_{run}.csv"
        rows.to_csv(path, index=False)
        return timed([vigie, "submit", str(path)], env)
    finally:
        if service is not None:
            service.terminate()
            service.wait(30)


def start_service(checkout: Path, env: dict[str, str], home: Path) -> subprocess.Popen | None:
    """The intake service of `vigie serve` for `home` (None for a checkout that has none), once it listens."""
    if not (checkout / "flows" / "intake_service.py").exists():
        return None
    python = str(checkout / ".venv" / "bin" / "python")
    service = subprocess.Popen([python, "-m", "flows.intake_service"], env=env, cwd=checkout,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not (home / "run" / "intake-service.json").exists():
        if service.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the intake service did not start")
        time.sleep(0.2)
    return service


def demo(checkout: Path, work: Path, env: dict[str, str], run: int) -> float:
    vigie = str(checkout / ".venv" / "bin" / "vigie")
    return timed([vigie, "demo"], {**env, "VIGIE_HOME": str(work / f"demo-{checkout.name}-{run}")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout of Vigie (with its .venv) to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from flows.serve import start_server, stop, wait_healthy
    from synthetic import generate

    checkouts = {"now": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    with tempfile.TemporaryDirectory(prefix="vigie-small-bench-") as folder:
        work = Path(folder)
        generate(work / "sample", clusters=1, campaigns=1, seed=3, deliveries_per_cluster_campaign=1000)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIE_"))}
        env |= {"PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_UI_ENABLED": "false", "VIGIE_OFFICER_EMAILS": "suivi@atda.example.bj",
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work / 'prefect.db'}"}  # fmt: skip
        server = start_server("127.0.0.1", port, env)
        try:
            env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
            wait_healthy(env["PREFECT_API_URL"], timeout=180, process=server)
            files = {name: [] for name in checkouts}
            demos = {name: [] for name in checkouts}
            for run in range(args.repeat):  # alternated, so a drift of the machine touches both alike
                for name, checkout in checkouts.items():
                    files[name].append(one_file(checkout, work / "sample", work, env, run))
            for run in range(max(1, args.repeat // 2)):
                for name, checkout in checkouts.items():
                    demos[name].append(demo(checkout, work, env, run))
        finally:
            stop(server)
    for name in checkouts:
        print(f"{name:>6}: 1 000-row file {_figures(files[name])} (target <= {TARGET_FILE_S} s); "
              f"demo {_figures(demos[name])} (target <= {TARGET_DEMO_S} s)")  # fmt: skip
    verdict = min(files["now"]) <= TARGET_FILE_S and min(demos["now"]) <= TARGET_DEMO_S
    print("OK" if verdict else "ABOVE TARGET")


def _figures(seconds: list[float]) -> str:
    each = ", ".join(f"{s:.1f}" for s in seconds)
    return f"best {min(seconds):.1f} s, median {statistics.median(seconds):.1f} s ({each})"


if __name__ == "__main__":
    main()
