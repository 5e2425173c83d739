"""Scale check of run_review: 10 M deliveries (500 clusters x 3 campaigns), timed against parquet read + groupby.

Skipped unless VIGIE_PERF=1 (it takes about a minute and 3 GB); it prints figures and asserts no timing:
    VIGIE_PERF=1 .venv/bin/pytest tests/unit/test_indicators_perf.py -s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.support.frames import typed

N_DELIVERIES = int(os.environ.get("VIGIE_PERF_ROWS", 10_000_000))
N_CLUSTERS = 500
CAMPAIGNS = ("2022-2023", "2023-2024", "2024-2025")

pytestmark = pytest.mark.skipif(os.environ.get("VIGIE_PERF") != "1", reason="set VIGIE_PERF=1 to run")


def build_deliveries(n: int, seed: int = 0) -> pd.DataFrame:
    """A typed deliveries frame built with numpy: 500 clusters, 200 suppliers each, 3 campaigns."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, N_CLUSTERS, n)
    campaign = rng.integers(0, len(CAMPAIGNS), n)
    supplier = cluster * 200 + rng.integers(0, 200, n)
    quantity = rng.uniform(50, 2000, n).round(1)
    day = rng.integers(0, 273, n) + 365 * campaign
    text = lambda values: pd.array(values, dtype="str")  # noqa: E731
    return pd.DataFrame(
        {
            "delivery_id": text(np.char.add("D", np.arange(n).astype("U9"))),
            "campaign": text(np.asarray(CAMPAIGNS)[campaign]),
            "cluster_id": text(np.char.add("CL", cluster.astype("U3"))),
            "supplier_actor_id": text(np.char.add("A", supplier.astype("U6"))),
            "delivery_date": pd.Timestamp("2022-10-01") + pd.to_timedelta(day, unit="D"),
            "product": text(np.full(n, "paddy")),
            "quantity_kg": pd.array(quantity, dtype="Float64"),
            "accepted_kg": pd.array((quantity * rng.uniform(0.7, 1.0, n)).round(1), dtype="Float64"),
            "meets_standard": pd.array(rng.random(n) < 0.8, dtype="boolean"),
            "lot_id": text(np.where(rng.random(n) < 0.9, "L1", None)),
            "unit_price_xof": pd.array(rng.uniform(150, 300, n).round(0), dtype="Float64"),
            "contract_id": text(
                np.where(rng.random(n) < 0.5, np.char.add("K", (cluster * 10 + campaign).astype("U5")), None)
            ),
        }
    )


def small_tables() -> dict[str, pd.DataFrame]:
    """Clusters, actors, memberships, contracts and events for the 500 clusters."""
    ids = [f"CL{i}" for i in range(N_CLUSTERS)]
    actors = [{"actor_id": f"A{i * 200 + j}", "cluster_id": cid} for i, cid in enumerate(ids) for j in range(200)]
    memberships = [
        {"cluster_id": a["cluster_id"], "campaign": c, "actor_id": a["actor_id"]} for a in actors for c in CAMPAIGNS
    ]
    contracts = [
        {"contract_id": f"K{i * 10 + k}", "cluster_id": cid, "campaign": c, "contracted_quantity_kg": 1e6}
        for i, cid in enumerate(ids)
        for k, c in enumerate(CAMPAIGNS)
    ]
    events = [
        {"cluster_id": cid, "campaign": c, "event_id": f"E{k}", "kind": kind}
        for cid in ids
        for c in CAMPAIGNS
        for k, kind in enumerate(["committee_meeting", "fair", "internal_meeting", "technical_review"])
    ]
    return {
        "clusters": typed("clusters", [{"cluster_id": cid} for cid in ids]),
        "actors": typed("actors", actors),
        "memberships": typed("memberships", memberships),
        "contracts": typed("contracts", contracts),
        "governance_events": typed("governance_events", events),
    }


def measure(folder: Path) -> dict[str, float]:
    """In a fresh process: parquet read, one 5-aggregate groupby, run_review; seconds and peak memory."""
    import resource
    import time

    from indicators import run_review

    started = time.perf_counter()
    deliveries = pd.read_parquet(folder / "deliveries.parquet")
    read = time.perf_counter() - started
    started = time.perf_counter()
    deliveries.groupby(["cluster_id", "campaign"])["accepted_kg"].agg(["sum", "count", "mean", "min", "max"])
    groupby = time.perf_counter() - started
    tables = {path.stem: pd.read_pickle(path) for path in folder.glob("*.pkl")}
    tables["deliveries"] = deliveries
    started = time.perf_counter()
    review = run_review(tables, CAMPAIGNS[-1])
    review_s = time.perf_counter() - started
    return {
        "rows": len(deliveries),
        "read_parquet_s": round(read, 2),
        "groupby_s": round(groupby, 2),
        "run_review_s": round(review_s, 2),
        "ratio_to_floor": round(review_s / (read + groupby), 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "indicator_rows": len(review.indicators),
    }


def test_ten_million_deliveries(tmp_path: Path) -> None:
    build_deliveries(N_DELIVERIES).to_parquet(tmp_path / "deliveries.parquet")
    for name, frame in small_tables().items():
        frame.to_pickle(tmp_path / f"{name}.pkl")
    code = f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_indicators_perf as t; "
    code += f"from pathlib import Path; print(json.dumps(t.measure(Path({str(tmp_path)!r}))))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(figures)
    assert figures["indicator_rows"] == N_CLUSTERS * 24
