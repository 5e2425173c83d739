"""Benchmark of the end-of-season review against its floor, at 1, 2, 5 and 10 million deliveries.

The sample of each size is generated once and submitted through intake (`ingest_file`, as `vigie submit` does,
without the Great Expectations step), so the review reads the real store: Parquet partitioned by table,
campaign and cluster (about 1,500 files of deliveries at 10 M). Both measurements read the same files and the
same columns (of the deliveries, only those the review uses: `indicators.REVIEW_COLUMNS`):

- floor: what any review must at least do: read the stored tables with pyarrow, as plain frames, and run one
  groupby with five aggregates on the deliveries;
- review: read the store as the season flow does (`flows.intake_store.review_tables`: typed with the contracts)
  and score the 24 indicators for every cluster (`indicators.season.review_season`).

Each measurement runs in a fresh process, so its peak memory (max RSS) is its own.

    .venv/bin/python benchmarks/review_bench.py                # 1, 2, 5, 10 M deliveries (builds each store once)
    .venv/bin/python benchmarks/review_bench.py --sizes 1 2    # quicker
Targets: review time <= 3x the floor, peak memory <= 4 GB, growth close to linear.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DELIVERIES_PER_CLUSTER_CAMPAIGN = 6700  # 50 clusters x 3 campaigns x 6700 ~= 1 M deliveries
TARGET_RATIO, TARGET_PEAK_GB = 3.0, 4.0
FIRST = ("clusters", "actors")  # the references every other table is checked against


def prepare(size_m: int, work: Path) -> Path:
    """Generate the sample of `size_m` million deliveries once and submit every table through intake; return the
    store's folder."""
    home = work / f"{size_m}M" / "home"
    store = home / "store"
    if (home / "complete").exists():
        return store
    csv_dir = work / f"{size_m}M" / "csv"
    if not (csv_dir / "deliveries.csv").exists():
        from synthetic import generate

        print(f"  generating {size_m} M deliveries ...", flush=True)
        generate(
            csv_dir,
            clusters=50 * size_m,
            campaigns=3,
            seed=2026,
            deliveries_per_cluster_campaign=DELIVERIES_PER_CLUSTER_CAMPAIGN,
            progress=True,
        )
    print(f"  submitting {size_m} M deliveries to a fresh store ...", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    command = [sys.executable, __file__, "--submit", str(csv_dir), str(home)]
    subprocess.run(command, check=True, cwd=ROOT)
    (home / "complete").touch()
    return store


def _submit_here(csv_dir: Path, home: Path) -> None:
    os.environ["VIGIE_HOME"] = str(home)
    for name in ("VIGIE_DATABASE_URL", "VIGIE_STORE_DIR"):
        os.environ.pop(name, None)
    # 30 M deliveries make a 4.2 GB CSV of 30 M rows, above the default limits on one file (an officer splits it)
    os.environ.setdefault("VIGIE_MAX_FILE_MB", "20000")
    os.environ.setdefault("VIGIE_MAX_ROWS", "100000000")
    from flows.adapters import engine_for
    from flows.intake_run import ingest_file
    from flows.settings import load_settings

    settings = load_settings()
    engine = engine_for(settings)
    files = sorted(
        csv_dir.glob("*.csv"), key=lambda p: (p.stem not in FIRST, FIRST.index(p.stem) if p.stem in FIRST else 0)
    )
    for path in files:
        summary = ingest_file(path, None, settings, engine, expectations=False)
        print(f"    {path.stem:<18} {summary.status:<10} {summary.rows_accepted:>10,} accepted", flush=True)
        if summary.status not in ("validated",):
            raise SystemExit(f"{path}: {summary.status} ({summary.reason})")


def floor(store: Path) -> float:
    """Read the same stored files and columns with pyarrow, and run one groupby with five aggregates; return the
    time spent reading."""
    from indicators import REVIEW_COLUMNS
    from schemas.tables import CONTRACTS, columns_of
    from warehouse.parquet_store import read_rows

    tables, started = {}, time.perf_counter()
    for table in CONTRACTS:
        rows = read_rows(store, table, list(REVIEW_COLUMNS.get(table) or columns_of(table)))
        if rows is not None:
            tables[table] = rows.to_pandas()
    read = time.perf_counter() - started
    tables["deliveries"].groupby(["cluster_id", "campaign"], observed=True).agg(
        n=("supplier_actor_id", "size"), kg=("quantity_kg", "sum"), accepted=("accepted_kg", "sum"),
        price=("unit_price_xof", "mean"), last=("delivery_date", "max"))  # fmt: skip
    return read


def review(store: Path) -> float:
    """Read the store as the season flow does and review the latest season for every cluster; return the time
    spent reading."""
    from flows.intake_store import review_tables
    from indicators.season import latest_season, review_season

    started = time.perf_counter()
    tables = review_tables(store)
    read = time.perf_counter() - started
    result = review_season(tables, latest_season(tables))
    assert result.indicators["score"].notna().any()
    return read


def measure(kind: str, store: Path) -> dict:
    """Run `kind` in a fresh interpreter; return its wall time (s) and peak memory (GB)."""
    command = [sys.executable, __file__, "--measure", kind, str(store)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_here(kind: str, store: Path) -> None:
    import resource

    import flows.intake_store  # noqa: F401  imports (pandas, pandera, prefect) are not what is measured
    import indicators.season  # noqa: F401
    import warehouse.parquet_store  # noqa: F401

    started = time.perf_counter()
    read = {"floor": floor, "review": review}[kind](store)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(json.dumps({"seconds": seconds, "read": read, "peak_gb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 5, 10], help="millions of deliveries")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "STORE"), help=argparse.SUPPRESS)
    parser.add_argument("--submit", nargs=2, type=Path, metavar=("CSV_DIR", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.submit:
        return _submit_here(*args.submit)
    if args.measure:
        return _measure_here(args.measure[0], Path(args.measure[1]))
    print("times in seconds, best of each; (read) is the part spent reading the store")
    print(f"{'deliveries':>10} {'floor (read)':>14} {'review (read)':>15} {'ratio':>6} {'peak GB':>8} {'s per M':>8}")
    for size in args.sizes:
        store = prepare(size, args.work)
        started = time.perf_counter()
        floors, runs = [], []
        for _ in range(args.repeat):  # alternated, so a slow spell of the machine hits both alike
            floors.append(measure("floor", store))
            runs.append(measure("review", store))
        base = min(floors, key=lambda m: m["seconds"])
        best = min(runs, key=lambda m: m["seconds"])
        ratio = best["seconds"] / base["seconds"]
        verdict = "ok" if ratio <= TARGET_RATIO and best["peak_gb"] <= TARGET_PEAK_GB else "OVER TARGET"
        print(
            f"{size:>9}M {base['seconds']:>6.2f} ({base['read']:>5.2f}) {best['seconds']:>7.2f} ({best['read']:>5.2f}) "
            f"{ratio:>6.2f} {max(r['peak_gb'] for r in runs):>8.2f} {best['seconds'] / size:>8.2f}  {verdict}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
