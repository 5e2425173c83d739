"""Benchmark of the review's action part (issue 17) at national size: 500 clusters x 24 indicators, 3 actions each.

It times, best of 5 in this process, the priorities, targets and follow-up of every cluster at once
(indicators.priorities, indicators.action_plan) against a floor measured in the same run: one pandas sort and
groupby of the same indicator frame (what any per-cluster ranking must at least do).
Target: under 1 s for the whole programme (it runs once per review, beside a national review of minutes); the
ratio to the floor is printed to compare versions (pandas costs a few ms a merge on frames this small).
Run: .venv/bin/python benchmarks/plan_bench.py
"""

from __future__ import annotations

import timeit
from datetime import date

import numpy as np
import pandas as pd

from indicators.action_plan import follow_up, indicator_targets, plan_counts, reached
from indicators.priorities import choose_priorities

CLUSTERS, INDICATORS = 500, [f"{axis}.{n}" for axis in range(1, 7) for n in range(1, 5)]


def frames(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Indicators, axes, bands and a 3-action plan per cluster, random but plausible."""
    rng = np.random.default_rng(seed)
    ids = [f"CL-{i:04d}" for i in range(CLUSTERS)]
    n = CLUSTERS * len(INDICATORS)
    score = pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(1, 5, n)), "Int64")
    indicators = pd.DataFrame({
        "cluster_id": np.repeat(ids, len(INDICATORS)), "campaign": "2025", "indicator_id": INDICATORS * CLUSTERS,
        "axis": [int(i[0]) for i in INDICATORS] * CLUSTERS, "score": score,
        "previous_score": pd.array(rng.integers(1, 5, n), "Int64"), "value": rng.random(n),
    })  # fmt: skip
    axes = pd.DataFrame({"cluster_id": np.repeat(ids, 6), "axis": list(range(1, 7)) * CLUSTERS,
                         "coverage": rng.choice([0.25, 0.5, 0.75, 1.0], CLUSTERS * 6)})  # fmt: skip
    bands = indicators[["cluster_id", "indicator_id"]].assign(direction="higher", target_score=None, target_value=None)
    plan = pd.DataFrame({
        "cluster_id": np.repeat(ids, 3), "campaign": "2025", "action_id": ["A1", "A2", "A3"] * CLUSTERS,
        "indicator_id": rng.choice(INDICATORS, CLUSTERS * 3), "action": "agir", "owner": "comité",
        "due_on": pd.Timestamp("2025-06-01"), "target_score": pd.array(rng.integers(2, 5, CLUSTERS * 3), "Int64"),
        "target_value": pd.array([None] * (CLUSTERS * 3), "Float64"),
        "action_status": rng.choice(["done", "in_progress", "planned"], CLUSTERS * 3),
        "done_on": pd.Timestamp("2025-05-20"), "note": None,
    })  # fmt: skip
    return indicators, axes, bands, plan


def best(run, times: int = 5) -> float:
    """The best wall time of `run` over `times` calls."""
    return min(timeit.repeat(run, number=1, repeat=times))


def main() -> None:
    indicators, axes, bands, plan = frames()
    as_of = dict.fromkeys(indicators["cluster_id"].unique(), date(2025, 12, 31))

    def floor() -> None:
        indicators.sort_values(["cluster_id", "score"]).groupby("cluster_id").head(3)

    def action_part() -> None:
        choose_priorities(indicators, axes)
        reached(indicator_targets(plan, bands), indicators, bands)
        plan_counts(follow_up(plan, indicators, bands, as_of), list(as_of))

    base, took = best(floor), best(action_part)
    verdict = "OK" if took < 1.0 else "ABOVE TARGET"
    print(f"{CLUSTERS} clusters, {len(indicators)} indicator rows, {len(plan)} actions")
    print(f"floor {base * 1000:.1f} ms · action part {took * 1000:.1f} ms · {took / base:.1f}x · {verdict}")


if __name__ == "__main__":
    main()
