"""Axis and overall scores from indicator scores: means of what is scored, with coverage, levels and changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON
from indicators.grid import LEVELS, Grid


def round_half_up(values: np.ndarray | pd.Series, decimals: int) -> np.ndarray:
    """Round halves up (2.25 -> 2.3), as people do, instead of numpy's halves-to-even."""
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * factor + 0.5 + 1e-9) / factor


def axis_scores(scored: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """One row per (cluster_id, campaign, axis): score (mean of scored indicators, 1 decimal), coverage."""
    per_axis = pd.Series([entry.axis for entry in grid.entries]).value_counts()
    data = scored[[*SEASON, "axis"]].assign(
        points=scored["score"].astype("float64").fillna(0.0), n_scored=scored["score"].notna().astype("int64")
    )
    axes = data.groupby([*SEASON, "axis"], sort=True).sum().reset_index()
    axes["score"] = round_half_up(np.where(axes["n_scored"] > 0, axes["points"] / axes["n_scored"].clip(1), np.nan), 1)
    axes["coverage"] = axes["n_scored"] / axes["axis"].map(per_axis).to_numpy(dtype=float)
    labels = pd.DataFrame([{"axis": axis, **labels} for axis, labels in grid.axes.items()])
    axes = axes.merge(labels, how="left", on="axis")
    return axes[[*SEASON, "axis", "label_fr", "label_en", "score", "coverage", "n_scored"]]


def overall_scores(axes: pd.DataFrame, scored: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """One row per (cluster_id, campaign): mean of the scored axes (2 decimals), level, coverage (of all entries).

    The mean is taken over the axis scores as shown (1 decimal), so a reader can redo it from the report.
    """
    data = axes[SEASON].assign(points=axes["score"].fillna(0.0), n=axes["score"].notna().astype("int64"))
    overall = data.groupby(SEASON, sort=True).sum().reset_index()
    overall["score"] = round_half_up(np.where(overall["n"] > 0, overall["points"] / overall["n"].clip(1), np.nan), 2)
    n_scored = scored.groupby(SEASON, sort=True)["score"].count().rename("n_scored").reset_index()
    overall = overall.merge(n_scored, how="left", on=SEASON)
    overall["coverage"] = overall["n_scored"].fillna(0) / len(grid.entries)
    overall["level"] = level_of(overall["score"], grid)
    return overall[[*SEASON, "score", "level", "coverage"]]


def level_of(score: pd.Series, grid: Grid) -> pd.Series:
    """The level key of each overall score (<NA> without a score): below each bound of grid.levels, in order."""
    values = score.to_numpy(dtype=float)
    keys, bounds = [key for key, _ in grid.levels], [bound for _, bound in grid.levels]
    top = list(LEVELS)[-1]
    chosen = np.select([values < bound for bound in bounds], keys, default=top).astype(object)
    return pd.Series(np.where(np.isnan(values), None, chosen), index=score.index, dtype="str")


def with_previous(frame: pd.DataFrame, seasons: pd.DataFrame, keys: list[str], digits: int | None) -> pd.DataFrame:
    """`frame` with previous_score (the same keys in the cluster's previous campaign) and change."""
    previous = seasons[[*SEASON, "previous"]]
    earlier = frame[[*SEASON, *keys, "score"]].rename(columns={"campaign": "previous", "score": "previous_score"})
    out = frame.merge(previous, how="left", on=SEASON).merge(earlier, how="left", on=["cluster_id", "previous", *keys])
    change = out["score"].astype("float64") - out["previous_score"].astype("float64")
    if digits is None:
        out["previous_score"] = out["previous_score"].astype("Int64")
        out["change"] = change.round().astype("Int64")
    else:
        out["change"] = np.round(change.to_numpy(dtype=float), digits)
    return out.drop(columns="previous")


def trend(axes: pd.DataFrame, overall: pd.DataFrame) -> pd.DataFrame:
    """Axis scores and the overall score (axis 0) of every recent season, long."""
    both = pd.concat([axes[[*SEASON, "axis", "score"]], overall[SEASON].assign(axis=0, score=overall["score"])])
    return both.sort_values([*SEASON, "axis"]).reset_index(drop=True).astype({"axis": "int64"})
