"""All season metrics of a grid at once: one long frame, one row per recent season and indicator."""

from __future__ import annotations

import pandas as pd

from indicators.catalog import METRICS, params_of
from indicators.common import SEASON
from indicators.grid import GridEntry
from indicators.inputs import Inputs


def compute_metrics(inp: Inputs, entries: tuple[GridEntry, ...]) -> pd.DataFrame:
    """Values of every entry's metric for every recent season of every reviewed cluster.

    Columns: cluster_id, campaign, indicator_id, metric, value, unit, n_rows, reason. A season the metric's
    source table says nothing about gets value NaN and reason `no_<source table>`.
    """
    frames = [
        METRICS[entry.metric].function(inp, params_of(entry.metric, entry.params)).assign(indicator_id=entry.id)
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
    levels = [(entry.id, METRICS[entry.metric].level) for entry in entries if METRICS[entry.metric].level]
    frames = [
        follows(inp, {}).rename(columns={"value": "level"}).assign(indicator_id=indicator_id, level_unit=unit)
        for indicator_id, (follows, unit) in levels
    ]
    columns = [*SEASON, "indicator_id", "level", "level_unit"]
    frames = [frame[columns] for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
