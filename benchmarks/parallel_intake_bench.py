"""Intake in parallel: N delivery files for the same table taken in one after another (the floor), then by N
processes at once, on a local store and on a local S3 server (moto); prints the times, the retries the S3 writers
made (warehouse/store_retry.py) and whether the store holds every row once. Target: every file validated and every
row stored once; the time at once is printed beside the floor (on one 2-core machine nothing is won: the gain is
several machines' cores; what the S3 retries cost shows in the ratio).

    .venv/bin/python benchmarks/parallel_intake_bench.py [--files 4] [--deliveries 2000] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
from datetime import date
from flows.intake_run import ingest_file
from flows.settings import load_settings
from warehouse.db import get_engine
try:
    from warehouse import store_retry
    retries, sleep = [], store_retry.time.sleep
    store_retry.time.sleep = lambda s: (retries.append(s), sleep(s))[1]
except ImportError:  # a checkout without the retry
    retries = []
settings = load_settings()
engine = get_engine(settings.database_url)
for path in sys.argv[1:]:
    done = ingest_file(path, None, settings, engine, today=date(2026, 11, 22), expectations=False)
    print(json.dumps({"status": done.status, "retries": len(retries)}))
"""
COUNT = (
    "import json; from flows.settings import load_settings; from warehouse.parquet_store import read_tables; "
    "d = read_tables(load_settings().store_dir, ['deliveries'])['deliveries']; "
    "print(json.dumps([len(d), int(d['delivery_id'].nunique())]))"
)


EXPECTED: list[int] = []
"""How many deliveries the sample holds (set by `sample`)."""


def sample(folder: Path, files: int, deliveries: int) -> list[Path]:
    """A generated sample (4 clusters, one campaign), its deliveries cut into `files` files of different rows."""
    import pandas as pd

    from synthetic import generate

    generate(folder, clusters=4, campaigns=1, seed=11, deliveries_per_cluster_campaign=deliveries // 4)
    rows = pd.read_csv(folder / "deliveries.csv", dtype=str)
    for n in range(files):
        rows.iloc[n::files].to_csv(folder / f"deliveries-{n}.csv", index=False)
    EXPECTED[:] = [len(rows)]
    return [folder / f"deliveries-{n}.csv" for n in range(files)]


def run(code: Path, env: dict[str, str], groups: list[list[Path]]) -> tuple[float, list[dict]]:
    """Each group of files taken in by a process of its own, all started at once; seconds and what they said."""
    from tests.support.processes import run_at_once

    python = code / ".venv" / "bin" / "python"
    started = time.perf_counter()
    said = []
    for code_, out, err in run_at_once([[str(python), "-c", CHILD, *map(str, group)] for group in groups], env, code):
        said += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if code_:
            said.append({"status": f"crashed: {err.strip().splitlines()[-1][:120]}", "retries": 0})
    return time.perf_counter() - started, said


def one_case(code: Path, label: str, files: list[Path], folder: Path, extra: dict[str, str]) -> None:
    """The floor (a process per file, one after another) and the parallel run (a process per file, all at once),
    each on a fresh store and warehouse."""
    figures, whole = {}, True
    for mode in ("one after another", "at once"):
        home = folder / f"home-{uuid.uuid4().hex[:6]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "PREFECT_"))}
        env.update(extra, VIGIE_HOME=str(home))
        if "VIGIE_STORE_URL" in extra:
            env["VIGIE_STORE_URL"] = extra["VIGIE_STORE_URL"] + uuid.uuid4().hex[:6]
        run(code, env, [[folder / "clusters.csv", folder / "actors.csv"]])
        if mode == "at once":
            seconds, said = run(code, env, [[f] for f in files])
        else:  # a process per file as well, each started when the one before has finished
            timed = [run(code, env, [[f]]) for f in files]
            seconds, said = sum(t for t, _ in timed), [s for _, part in timed for s in part]
        count = subprocess.run([str(code / ".venv/bin/python"), "-c", COUNT], env=env, cwd=code, capture_output=True,
                               text=True)  # fmt: skip
        stored = json.loads(count.stdout) if count.returncode == 0 else ["?", "?"]
        figures[mode] = seconds
        whole = whole and {x["status"] for x in said} == {"validated"} and stored[0] == stored[1] == EXPECTED[0]
        statuses = sorted({s["status"] for s in said})
        print(f"  {label:<6} {mode:<18} {seconds:6.1f} s  files {statuses}  retries {sum(s['retries'] for s in said)}"
              f"  rows stored {stored[0]} (distinct {stored[1]})")  # fmt: skip
    verdict = "OK" if whole else "ROWS OR FILES LOST"
    print(
        f"  {label:<6} at once / one after another: {figures['at once'] / figures['one after another']:.2f}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--before", type=Path, default=None, help="another checkout, run after this one")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.s3 import BUCKET, start_s3

    print(f"load average {os.getloadavg()[0]:.1f}; {args.files} files of {args.deliveries // args.files} deliveries")
    s3 = start_s3()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            files = sample(folder, args.files, args.deliveries)
            for code in [ROOT, *([args.before.resolve()] if args.before else [])]:
                print(code)
                one_case(code, "local", files, folder, {})
                one_case(code, "s3", files, folder, {**s3.env, "VIGIE_STORE_URL": f"s3://{BUCKET}/bench/store-"})
    finally:
        s3.stop()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
