"""A scheduler preload for the tests (`dask scheduler --preload tests.support.dask_sizes`): for every task that
enters the scheduler, how many bytes its specification (function and arguments, as the client sent them to be
run on a worker) weighs once pickled, and whether its data came straight from the client (scattered). Written as
one JSON line per task to the file named by VIGIE_TEST_DASK_SIZES."""

from __future__ import annotations

import json
import os

import cloudpickle
from distributed.diagnostics.plugin import SchedulerPlugin


class TaskSizes(SchedulerPlugin):
    """Records each new task's pickled size (run_spec) and any data a client put on the cluster directly."""

    name = "vigie-task-sizes"

    def __init__(self, path: str) -> None:
        self.path = path
        self._scheduler = None

    def update_graph(self, scheduler, *, client: str, tasks: list, **kwargs) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            for key in tasks:
                state = scheduler.tasks.get(key)
                if state is None:
                    continue
                spec = state.run_spec
                size = len(cloudpickle.dumps(spec)) if spec is not None else 0
                out.write(json.dumps({"key": str(key), "bytes": size, "client": client}) + "\n")

    def transition(self, key, start: str, finish: str, *args, **kwargs) -> None:
        """A task in memory that was never run (no specification) holds data a client scattered."""
        state = self._scheduler.tasks.get(key) if self._scheduler else None
        if finish == "memory" and state is not None and state.run_spec is None:
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"key": str(key), "scattered": True, "bytes": state.nbytes}) + "\n")

    async def start(self, scheduler) -> None:
        self._scheduler = scheduler


def dask_setup(scheduler) -> None:
    """Called by `dask scheduler --preload`: the plugin, writing where VIGIE_TEST_DASK_SIZES says."""
    scheduler.add_plugin(TaskSizes(os.environ["VIGIE_TEST_DASK_SIZES"]))


def read_sizes(path) -> list[dict]:
    """The records written so far."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]
