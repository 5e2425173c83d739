"""Metrics of axis 2 (availability of resources): needs of the campaign met, per kind of resource."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import SEASON, empty, floats, per_season, result, why
from indicators.inputs import Inputs
from indicators.metrics_governance import held_over_planned
from indicators.registry import metric


@metric("share", "resources", defaults={"resource_kind": "material"})
def resource_coverage(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Mean over the kind's needs of min(obtained / needed, 1) (n_rows: needs counted)."""
    if inp.get("resources") is None:
        return empty()
    return _coverage(inp, params["resource_kind"])


@metric(
    "share", "resources", "governance_events", defaults={"resource_kind": "advisory", "visit_kinds": ["advisory_visit"]}
)
def advisory_coverage(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Advisory needs met as in resource_coverage; without advisory needs, advisory visits held / planned."""
    parts = []
    if inp.get("resources") is not None:
        parts.append(_coverage(inp, params["resource_kind"]).assign(rank=0))
    if inp.get("governance_events") is not None:
        parts.append(held_over_planned(inp, params["visit_kinds"], "no_planned_visits").assign(rank=1))
    if not parts:
        return empty()
    combined = pd.concat(parts, ignore_index=True)
    combined["rank"] += np.where(combined["value"].isna(), 2, 0)  # a value from either source beats none
    best = combined.sort_values([*SEASON, "rank"]).drop_duplicates(SEASON)
    reason = np.where(best["value"].isna(), "no_advisory_needs_or_visits", None)
    return result(best, best["value"], best["n_rows"], reason)


def _coverage(inp: Inputs, kind: str) -> pd.DataFrame:
    """Per season with resource rows: mean capped coverage of the needs of `kind`."""
    resources = inp.get("resources")
    needed, obtained = floats(resources["needed_qty"]), floats(resources["obtained_qty"])
    counted = (resources["resource_kind"] == kind).to_numpy() & (needed > 0) & ~np.isnan(obtained)
    with np.errstate(invalid="ignore", divide="ignore"):
        cover = np.where(counted, np.minimum(obtained / needed, 1.0), 0.0)
    seasons = per_season(inp, "resources", cover=cover, n=counted)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(seasons["n"] > 0, seasons["cover"] / seasons["n"], np.nan)
    return result(seasons, value, seasons["n"], why(value, (True, f"no_{kind}_needs")))
