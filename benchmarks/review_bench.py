"""Benchmark of the end-of-season review against its floor, at 1, 2, 5 and 10 million deliveries.

The floor is what any review must at least do: read the same Parquet data (every table of the store; of the
deliveries, only the columns the review uses: `indicators.REVIEW_COLUMNS`) and run one groupby with five
aggregates. The review reads the same data and scores the 24 indicators for every cluster. Each measurement runs in a
fresh process, so its peak memory (max RSS) is its own.

    .venv/bin/python benchmarks/review_bench.py                # 1, 2, 5, 10 M deliveries (generates once)
    .venv/bin/python benchmarks/review_bench.py --sizes 1 2    # quicker
Targets: review time <= 3x the floor, peak memory <= 4 GB, growth close to linear.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DELIVERIES_PER_CLUSTER_CAMPAIGN = 6700  # 50 clusters x 3 campaigns x 6700 ~= 1 M deliveries
TARGET_RATIO, TARGET_PEAK_GB = 3.0, 4.0


def prepare(size_m: int, work: Path) -> Path:
    """Generate the sample of `size_m` million deliveries once, and store every table as typed Parquet."""
    store = work / f"{size_m}M" / "parquet"
    if (store / "deliveries.parquet").exists():
        return store
    csv_dir = work / f"{size_m}M" / "csv"
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
    import pyarrow.csv as pv

    from schemas.tables import CONTRACTS

    store.mkdir(parents=True, exist_ok=True)
    for table, contract in CONTRACTS.items():
        frame = pv.read_csv(csv_dir / f"{table}.csv").to_pandas()
        contract.to_schema().coerce_dtype(frame).to_parquet(store / f"{table}.parquet", index=False)
    return store


def read_store(store: Path) -> dict:
    """Every table of the store, as the review reads it (of the deliveries, only the columns it uses)."""
    import pandas as pd

    from indicators import REVIEW_COLUMNS
    from schemas.tables import CONTRACTS

    return {
        t: pd.read_parquet(store / f"{t}.parquet", columns=list(REVIEW_COLUMNS.get(t, ())) or None)
        for t in CONTRACTS
        if (store / f"{t}.parquet").exists()
    }


def floor(store: Path) -> None:
    """Read the same Parquet data as the review, and run one groupby with five aggregates on the deliveries."""
    deliveries = read_store(store)["deliveries"]
    deliveries.groupby(["cluster_id", "campaign"], observed=True).agg(
        n=("supplier_actor_id", "size"), kg=("quantity_kg", "sum"), accepted=("accepted_kg", "sum"),
        price=("unit_price_xof", "mean"), last=("delivery_date", "max"))  # fmt: skip


def review(store: Path) -> None:
    """Read every table of the store and review the latest season for every cluster."""
    from indicators.season import latest_season, review_season

    tables = read_store(store)
    result = review_season(tables, latest_season(tables))
    assert result.indicators["score"].notna().any()


def measure(kind: str, store: Path) -> dict:
    """Run `kind` in a fresh interpreter; return its wall time (s) and peak memory (GB)."""
    command = [sys.executable, __file__, "--measure", kind, str(store)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure_here(kind: str, store: Path) -> None:
    import resource

    import indicators.season  # noqa: F401  imports (pandas, pandera, yaml) are not what is measured
    import schemas.tables  # noqa: F401

    started = time.perf_counter()
    {"floor": floor, "review": review}[kind](store)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 2, 5, 10], help="millions of deliveries")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best is kept")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return _measure_here(args.measure[0], Path(args.measure[1]))
    print(f"{'deliveries':>10} {'floor s':>8} {'review s':>9} {'ratio':>6} {'peak GB':>8} {'s per M':>8}")
    for size in args.sizes:
        store = prepare(size, args.work)
        started = time.perf_counter()
        base = min((measure("floor", store) for _ in range(args.repeat)), key=lambda m: m["seconds"])
        runs = [measure("review", store) for _ in range(args.repeat)]
        best = min(runs, key=lambda m: m["seconds"])
        ratio = best["seconds"] / base["seconds"]
        verdict = "ok" if ratio <= TARGET_RATIO and best["peak_gb"] <= TARGET_PEAK_GB else "OVER TARGET"
        print(
            f"{size:>9}M {base['seconds']:>8.2f} {best['seconds']:>9.2f} {ratio:>6.2f} "
            f"{max(r['peak_gb'] for r in runs):>8.2f} {best['seconds'] / size:>8.2f}  {verdict}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
