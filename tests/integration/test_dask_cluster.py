"""The season review on a real Dask cluster (issue 18): `dask scheduler` and two `dask worker` processes started
here, a real `prefect server start`, and `vigie season` run once locally and once with VIGIE_TASK_RUNNER=dask on
that scheduler. The scores stored are the same; and the scheduler itself (a preload plugin,
tests/support/dask_sizes.py) says no task came from the client with more than LIMIT bytes and no data was
scattered: each task read its own rows from the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest

from flows.serve import start_server, stop, wait_healthy
from tests.support.dask_sizes import read_sizes
from tests.support.prefect_server import free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # server, scheduler and two workers starting on two busy cores
LIMIT = 128 * 1024
"""The most bytes a task may receive from the client: its function, Prefect's context, the store's URL and
versions, the grid (about 55 KB in all when measured). One cluster's rows of the sample weigh more than twice as
much (checked below), so rows sent by the client would fail the test."""


def vigie(env: dict[str, str], *args: str) -> None:
    """One `vigie` command in its own process; its output in the failure message."""
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=TIMEOUT)  # fmt: skip
    assert done.returncode == 0, f"vigie {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def stored_scores(home: Path) -> list[pd.DataFrame]:
    """The warehouse's indicator values and overall scores in a stable order, without run ids."""
    from warehouse import store
    from warehouse.db import get_engine
    from warehouse.models import IndicatorValue, OverallScore

    engine = get_engine(f"sqlite:///{home / 'vigie.db'}")
    scores = [
        store.read_table(engine, model).drop(columns=["id", "run_id"]).sort_values(key).reset_index(drop=True)
        for model, key in ((IndicatorValue, ["cluster_id", "indicator_id"]), (OverallScore, ["cluster_id"]))
    ]
    engine.dispose()
    return scores


def one_cluster_bytes(sample: Path) -> int:
    """What the rows of the sample's first cluster weigh pickled (what the client used to send a task)."""
    frames = {path.stem: pd.read_csv(path, dtype=str) for path in sample.glob("*.csv")}
    first = sorted(frames["clusters"]["cluster_id"])[0]
    return len(cloudpickle.dumps({n: f[f["cluster_id"] == first] for n, f in frames.items() if "cluster_id" in f}))


@pytest.mark.integration
def test_season_review_on_a_dask_cluster_reads_in_the_tasks_and_scores_as_locally(tmp_path):
    from distributed import Client

    from synthetic import generate

    sample = tmp_path / "sample"
    generate(sample, clusters=3, campaigns=2, seed=7, deliveries_per_cluster_campaign=500)
    assert one_cluster_bytes(sample) > 2 * LIMIT, "the sample must be large enough for sent rows to fail the test"
    port, scheduler_port = free_port(), free_port()
    env = server_env(tmp_path, ROOT)
    sizes = tmp_path / "task-sizes.jsonl"
    env.update(PREFECT_API_URL=f"http://127.0.0.1:{port}/api", PYTHONPATH=str(ROOT),
               VIGIE_TEST_DASK_SIZES=str(sizes), DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="60s")  # fmt: skip
    address = f"tcp://127.0.0.1:{scheduler_port}"
    home, log_path = Path(env["VIGIE_HOME"]), tmp_path / "processes.log"
    started: list[subprocess.Popen] = []
    log = open(log_path, "wb")  # noqa: SIM115  (closed in finally)

    def spawn(*command: str) -> None:
        started.append(subprocess.Popen(list(command), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True))  # fmt: skip

    try:
        server = start_server("127.0.0.1", port, env)
        started.append(server)
        dask = str(Path(sys.executable).with_name("dask"))
        spawn(dask, "scheduler", "--host", "127.0.0.1", "--port", str(scheduler_port), "--no-dashboard",
              "--preload", "tests.support.dask_sizes")  # fmt: skip
        for name in ("w1", "w2"):
            spawn(dask, "worker", address, "--name", name, "--nthreads", "1", "--memory-limit", "1GiB",
                  "--no-dashboard", "--death-timeout", str(TIMEOUT))  # fmt: skip
        wait_healthy(env["PREFECT_API_URL"], timeout=TIMEOUT, process=server)
        vigie(env, "db", "upgrade")
        vigie(env, "submit", str(sample), "--no-expectations", "--here")
        vigie({**env, "VIGIE_TASK_RUNNER": "local"}, "season", "--no-deliver")
        local = stored_scores(home)
        assert len(local[1]) == 3 and local[1]["score"].notna().any()

        with Client(address, timeout=TIMEOUT) as client:
            client.wait_for_workers(2, timeout=TIMEOUT)
            assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        dask_env = {**env, "VIGIE_TASK_RUNNER": "dask", "VIGIE_DASK_ADDRESS": address, "VIGIE_DASK_GROUPS": "2"}
        vigie(dask_env, "season", "--no-deliver")
        for before, after in zip(local, stored_scores(home), strict=True):
            pd.testing.assert_frame_equal(before, after)

        records = read_sizes(sizes)
        reviews = [r for r in records if "review_stored_group" in r["key"]]
        assert len(reviews) == 2, records  # one task per group, each reading its own rows
        assert not [r for r in records if r.get("scattered")], "no data was scattered by the client"
        assert max(r["bytes"] for r in records) < LIMIT, records
        assert min(r["bytes"] for r in reviews) > 1024, "the sizes are measured (a task's function alone weighs more)"
    finally:
        for process in reversed(started):
            stop(process)
        log.close()
