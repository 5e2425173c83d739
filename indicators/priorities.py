"""What to fix first: at most three indicators per cluster, the lowest scores and sharpest declines, weighted by
their axis's coverage; an indicator without enough data may be one (rules in priorities.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

RULES_FILE = Path(__file__).with_name("priorities.yaml")
RULE_KEYS = ("max_priorities", "decline_weight", "coverage_weight", "insufficient_gap", "min_urgency")
PRIORITY_COLUMNS = [
    "cluster_id", "campaign", "rank", "indicator_id", "axis", "kind", "score", "previous_score", "urgency",
]  # fmt: skip
KINDS = ("critical", "decline", "low", "unscored")
"""Why an indicator is a priority, the first that applies: it scores 1, it lost levels, it scores low, or it
could not be scored."""


@cache
def load_priority_rules(path: str = str(RULES_FILE)) -> dict[str, float]:
    """The priority rules, every key a non-negative number (a malformed file is refused, naming the key)."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) != set(RULE_KEYS):
        raise ValueError(f"{path}: the priority rules need exactly {', '.join(RULE_KEYS)}")
    for key, value in doc.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{path}: {key} must be a non-negative number, got {value!r}")
    if not 0 <= doc["coverage_weight"] <= 1 or int(doc["max_priorities"]) != doc["max_priorities"]:
        raise ValueError(f"{path}: coverage_weight must lie in 0..1 and max_priorities be a whole number")
    return {key: float(doc[key]) for key in RULE_KEYS}


def urgency(indicators: pd.DataFrame, axes: pd.DataFrame, rules: dict[str, float]) -> pd.DataFrame:
    """`indicators` (cluster_id, campaign, indicator_id, axis, score, previous_score) with `coverage` (of its
    axis, from `axes`), `kind` and `urgency`; a new frame."""
    coverage = axes[["cluster_id", "axis", "coverage"]].astype({"cluster_id": "str", "axis": "int64"})
    rows = indicators.astype({"cluster_id": "str", "axis": "int64"}).merge(
        coverage, how="left", on=["cluster_id", "axis"]
    )
    score = pd.to_numeric(rows["score"], errors="coerce").astype("float64")
    previous = pd.to_numeric(rows["previous_score"], errors="coerce").astype("float64")
    cover = pd.to_numeric(rows["coverage"], errors="coerce").astype("float64").fillna(0.0)
    lost = (previous - score).clip(lower=0).fillna(0.0)
    weight = rules["coverage_weight"]
    scored = (4 - score + rules["decline_weight"] * lost) * (1 - weight * (1 - cover))
    unscored = rules["insufficient_gap"] * (1 - weight * cover)
    kind = np.select([score.isna(), score <= 1, lost > 0], ["unscored", "critical", "decline"], "low")
    return rows.assign(kind=pd.array(kind, dtype="str"), urgency=scored.where(score.notna(), unscored).round(4))


def choose_priorities(
    indicators: pd.DataFrame, axes: pd.DataFrame, rules: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per cluster, its priorities ranked 1.. (PRIORITY_COLUMNS): the most urgent indicators at or above
    `min_urgency`, at most `max_priorities`; a cluster with none has no row."""
    rules = rules or load_priority_rules()
    if indicators.empty:
        return pd.DataFrame(columns=PRIORITY_COLUMNS)
    rated = urgency(indicators, axes, rules)
    rated = rated[rated["urgency"] >= rules["min_urgency"]]
    rated = rated.assign(order_score=pd.to_numeric(rated["score"], errors="coerce").fillna(5))
    rated = rated.sort_values(
        ["cluster_id", "urgency", "order_score", "indicator_id"], ascending=[True, False, True, True]
    )
    rated = rated.assign(rank=rated.groupby("cluster_id").cumcount() + 1)
    chosen = rated[rated["rank"] <= int(rules["max_priorities"])]
    return chosen[PRIORITY_COLUMNS].reset_index(drop=True)
