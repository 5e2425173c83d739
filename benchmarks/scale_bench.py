"""Benchmark of the season review on a local Dask cluster of worker processes, against the single-process review,
at several sizes (issue 18): how cost grows when rows double.

Each size is generated and submitted through intake once (benchmarks/review_bench.py's `prepare`: 50 clusters,
3 campaigns and about 1 M deliveries per million asked). Then, each in a fresh process:

- single: the review as one process does it (the store read whole, typed, every cluster scored);
- dask: what the season flow does with VIGIE_TASK_RUNNER=dask, inside a Prefect flow: the lean read of the store
  (small tables, one row per partition of the others: flows/scale_store.py), then one task per group of clusters
  on a `LocalCluster` of worker processes with a memory limit each, every task reading its own partitions.

It prints the time, the peak memory of each process (the flow process and each worker) and the bytes the client
sent to the scheduler (the tasks' pickled specifications) and got back (their results), from a scheduler plugin.

    .venv/bin/python benchmarks/scale_bench.py --sizes 1 2 4        # millions of deliveries
    .venv/bin/python benchmarks/scale_bench.py --sizes 1 --workers 2 --memory-limit 2GiB --groups 4
Target: doubling the rows costs at most 2.2x the time (and the flow process holds no table: its peak stays flat).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

from distributed.diagnostics.plugin import SchedulerPlugin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
TARGET_GROWTH = 2.2


def peak_gb() -> float:
    """This process's peak resident memory."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def single(store: Path) -> dict:
    """The review in this one process: the store read whole, every cluster scored."""
    from flows.intake_store import review_tables
    from indicators.season import latest_season, review_season

    started = time.perf_counter()
    tables = review_tables(store)
    review = review_season(tables, latest_season(tables))
    return {"seconds": time.perf_counter() - started, "clusters": len(review.overall), "peak_gb": peak_gb()}


def on_dask(store: Path, workers: int, memory_limit: str) -> dict:
    """The review as the season flow runs it on Dask, on a fresh LocalCluster of worker processes."""
    import cloudpickle
    from distributed import Client, LocalCluster
    from prefect import flow

    from flows.grids import grid_in_force
    from flows.scale import review_on_dask
    from flows.scale_store import read_store_lean
    from flows.settings import load_settings
    from indicators.season import latest_season, season_clusters

    sent = Sent()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        cluster.scheduler.add_plugin(sent)
        client.run(_warm)  # a cluster's workers have loaded Vigie before a review comes: not what is measured
        os.environ["VIGIE_DASK_ADDRESS"] = cluster.scheduler_address

        @flow(name="scale-bench")
        def review() -> tuple[float, int, int]:
            settings = load_settings()
            started = time.perf_counter()
            tables, _, _, read = read_store_lean(settings)
            season = latest_season(tables)
            clusters, _ = season_clusters(tables, season)
            result = review_on_dask(tables, season, clusters, grid_in_force(settings), settings, read)
            seconds = time.perf_counter() - started
            return seconds, len(result.overall), len(cloudpickle.dumps(result))

        seconds, clusters, received = review()
        workers_peak = sorted(client.run(peak_gb).values())
    return {"seconds": seconds, "clusters": clusters, "peak_gb": peak_gb(), "workers_gb": workers_peak,
            "sent": sent.sent, "received": received, "tasks": sent.tasks}  # fmt: skip


def _warm() -> None:
    import flows.scale  # noqa: F401
    import indicators.season  # noqa: F401


class Sent(SchedulerPlugin):
    """A scheduler plugin: the pickled size of each task the client submits (its function and arguments)."""

    name = "scale-bench-sent"

    def __init__(self) -> None:
        self.sent = self.tasks = 0

    def update_graph(self, scheduler, *, tasks: list, **kwargs) -> None:
        import cloudpickle

        for key in tasks:
            state = scheduler.tasks.get(key)
            if state is not None and state.run_spec is not None:
                self.sent += len(cloudpickle.dumps(state.run_spec))
                self.tasks += 1


def prefect_server(work: Path) -> tuple[object, str]:
    """A `prefect server start` of the benchmark's own on loopback (the workers report their task runs to it, as
    a cluster's workers do), and its API URL."""
    from flows.serve import start_server, wait_healthy
    from tests.support.prefect_server import free_port

    work.mkdir(parents=True, exist_ok=True)  # the server's home and database live under it
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(work / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{work / 'prefect-bench.db'}",
               PREFECT_SERVER_UI_ENABLED="false")  # fmt: skip
    server = start_server("127.0.0.1", port, env)
    api_url = f"http://127.0.0.1:{port}/api"
    wait_healthy(api_url, timeout=300, process=server)
    return server, api_url


def measure(kind: str, store: Path, args: argparse.Namespace) -> dict:
    """Run `kind` in a fresh interpreter (its peak memory its own); its figures."""
    command = [sys.executable, __file__, "--measure", kind, str(store), "--workers", str(args.workers),
               "--memory-limit", args.memory_limit, "--groups", str(args.groups)]  # fmt: skip
    env = {**os.environ, "VIGIE_HOME": str(store.parent), "VIGIE_TASK_RUNNER": "dask",
           "VIGIE_DASK_GROUPS": str(args.groups), "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_HOME": str(args.work / "prefect-home"), "PREFECT_API_URL": args.api_url}  # fmt: skip
    for name in ("VIGIE_DATABASE_URL", "VIGIE_STORE_DIR", "VIGIE_STORE_URL", "VIGIE_DASK_ADDRESS"):
        env.pop(name, None)
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_here(kind: str, store: Path, args: argparse.Namespace) -> None:
    import flows.intake_store  # noqa: F401  imports are not what is measured
    import indicators.season  # noqa: F401

    figures = single(store) if kind == "single" else on_dask(store, args.workers, args.memory_limit)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 4], help="millions of deliveries")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--memory-limit", default="2GiB", help="memory limit of each worker")
    parser.add_argument("--groups", type=int, default=4, help="groups of clusters (VIGIE_DASK_GROUPS)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest is kept")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return _measure_here(args.measure[0], Path(args.measure[1]), args)
    from review_bench import prepare

    from flows.serve import stop

    server, args.api_url = prefect_server(args.work)
    try:
        report(args, prepare)
    finally:
        stop(server)


def report(args: argparse.Namespace, prepare) -> None:
    """Each size prepared, then measured alternately; one line of figures each."""

    print(f"{args.workers} worker processes of {args.memory_limit}, {args.groups} groups; load {os.getloadavg()}")
    print(f"{'rows':>5} {'single s':>9} {'GB':>5} {'dask s':>7} {'flow GB':>8} {'workers GB':>12} "
          f"{'sent KB':>8} {'back KB':>8} {'growth':>7}")  # fmt: skip
    previous: tuple[int, float] | None = None
    for size in sorted(args.sizes):
        store = prepare(size, args.work)
        local, dask = [], []
        for _ in range(args.repeat):  # alternated, so a slow spell of the machine hits both alike
            local.append(measure("single", store, args))
            dask.append(measure("dask", store, args))
        one, many = min(local, key=lambda m: m["seconds"]), min(dask, key=lambda m: m["seconds"])
        assert one["clusters"] == many["clusters"], (one, many)
        growth = many["seconds"] / previous[1] if previous else None
        target = TARGET_GROWTH ** math.log2(size / previous[0]) if previous else None
        verdict = "" if growth is None else ("ok" if growth <= target else f"OVER {target:.2f}x")
        workers = "/".join(f"{gb:.2f}" for gb in many["workers_gb"])
        print(f"{size:>4}M {one['seconds']:>9.2f} {one['peak_gb']:>5.2f} {many['seconds']:>7.2f} "
              f"{many['peak_gb']:>8.2f} {workers:>12} {many['sent'] / 1e3:>8.1f} {many['received'] / 1e3:>8.1f} "
              f"{'' if growth is None else f'{growth:.2f}x':>7} {verdict}  load {os.getloadavg()[0]:.1f}",
              flush=True)  # fmt: skip
        previous = (size, many["seconds"])


if __name__ == "__main__":
    main()
