"""All season metrics of a grid at once: one long frame, one row per recent season and indicator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from indicators import metrics_contracts as contracts
from indicators import metrics_governance as governance
from indicators import metrics_resources as resources
from indicators import metrics_value as value
from indicators import metrics_volume as volume
from indicators.catalog import METRICS, params_of
from indicators.common import SEASON, empty
from indicators.grid import GridEntry
from indicators.inputs import Inputs

Metric = Callable[[Inputs, dict[str, Any]], pd.DataFrame]

FUNCTIONS: dict[str, Metric] = {
    "committee_meeting_rate": governance.committee_meeting_rate,
    "plan_delay_days": governance.plan_delay_days,
    "service_reach": governance.service_reach,
    "accountability_events": governance.accountability_events,
    "events_held": governance.events_held,
    "member_retention": governance.member_retention,
    "resource_coverage": resources.resource_coverage,
    "advisory_coverage": resources.advisory_coverage,
    "contracted_volume_share": contracts.contracted_volume_share,
    "supply_contract_compliance": contracts.supply_contract_compliance,
    "service_contract_coverage": contracts.service_contract_coverage,
    "service_contract_compliance": contracts.service_contract_compliance,
    "accepted_volume_growth": volume.accepted_volume_growth,
    "sold_standard_share": volume.sold_standard_share,
    "sold_standard_trend": volume.sold_standard_trend,
    "traceable_share": volume.traceable_share,
    "rejection_rate": volume.rejection_rate,
    "value_added_determined": value.value_added_determined,
    "value_added_growth": value.value_added_growth,
    "producer_value_added_share": value.producer_value_added_share,
    "jobs_growth": value.jobs_growth,
    "assessment": lambda inp, params: empty(),  # scored from the assessments table only
}
assert set(FUNCTIONS) == set(METRICS), "every catalogued metric needs a function"

LEVELS: dict[str, tuple[Metric, str]] = {
    "accepted_volume_growth": (volume.accepted_volume, "kg"),
    "sold_standard_trend": (volume.sold_standard_share, "share"),
}
"""Trend metric -> the level it follows and its unit, shown campaign by campaign beside the trend's score."""


def compute_metrics(inp: Inputs, entries: tuple[GridEntry, ...]) -> pd.DataFrame:
    """Values of every entry's metric for every recent season of every reviewed cluster.

    Columns: cluster_id, campaign, indicator_id, metric, value, unit, n_rows, reason. A season the metric's
    source table says nothing about gets value NaN and reason `no_<source table>`.
    """
    frames = [
        FUNCTIONS[entry.metric](inp, params_of(entry.metric, entry.params)).assign(indicator_id=entry.id)
        for entry in entries
    ]
    computed = pd.concat(frames, ignore_index=True)
    catalogue = pd.DataFrame(
        {
            "indicator_id": [entry.id for entry in entries],
            "metric": [entry.metric for entry in entries],
            "unit": [entry.unit for entry in entries],
            "default_reason": [f"no_{METRICS[entry.metric].source}" for entry in entries],
        }
    )
    seasons = inp.seasons.loc[inp.seasons["recent"], SEASON]
    table = seasons.merge(catalogue, how="cross").merge(computed, how="left", on=[*SEASON, "indicator_id"])
    missing = table["n_rows"].isna().to_numpy()
    table["n_rows"] = table["n_rows"].fillna(0).astype("int64")
    table["reason"] = table["reason"].astype("object").where(~missing, table["default_reason"])
    no_value = table["value"].isna() & table["reason"].isna()
    table.loc[no_value, "reason"] = "not_computed"
    table["value"] = table["value"].astype("float64")
    return table.drop(columns="default_reason").astype({"cluster_id": "str", "campaign": "str", "reason": "str"})


def compute_levels(inp: Inputs, entries: tuple[GridEntry, ...]) -> pd.DataFrame:
    """The level behind each trend entry, per season: cluster_id, campaign, indicator_id, level, level_unit."""
    frames = [
        LEVELS[entry.metric][0](inp, {})
        .rename(columns={"value": "level"})
        .assign(indicator_id=entry.id, level_unit=LEVELS[entry.metric][1])
        for entry in entries
        if entry.metric in LEVELS
    ]
    columns = [*SEASON, "indicator_id", "level", "level_unit"]
    frames = [frame[columns] for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
