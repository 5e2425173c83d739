"""Scores of the metric long frame: bands per cluster's rules, insufficient data, the assessed fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON
from indicators.grid import Grid
from indicators.rules import apply_rules, resolve

COMPUTED, ASSESSED, INSUFFICIENT = "computed", "assessed", "insufficient_data"


def score_metrics(
    metrics: pd.DataFrame, grid: Grid, registry: pd.DataFrame, assessments: pd.DataFrame | None
) -> pd.DataFrame:
    """`metrics` with score (Int64), status, band_low, band_high, and reason updated, for every row at once.

    A value scores through its cluster's rule; a value resting on fewer rows than min_rows, or no value, is
    insufficient data unless the entry gives a score for the metric's reason (1.2: no plan adopted) or the
    assessments table has an answer for the indicator, which is then used with status "assessed".
    """
    rules, table = resolve(grid, registry)
    frame = metrics.merge(rules, how="left", on=["cluster_id", "indicator_id"])
    values = frame["value"].to_numpy(dtype=float)
    score, low, high = apply_rules(values, frame["rule"].to_numpy(), table)
    too_thin = frame["n_rows"].to_numpy() < frame["min_rows"].to_numpy()
    by_reason = _reason_scores(frame, grid)
    score = np.where(np.isnan(values), by_reason, score)
    score = np.where(too_thin, np.nan, score)
    reason = frame["reason"].astype("object").where(~(too_thin & ~np.isnan(values)), "too_few_rows")
    assessed = _assessed(frame, assessments)
    use_assessment = np.isnan(score) & ~np.isnan(assessed)
    status = np.where(~np.isnan(score), COMPUTED, np.where(use_assessment, ASSESSED, INSUFFICIENT))
    score = np.where(use_assessment, assessed, score)
    banded = (status == COMPUTED) & ~np.isnan(values)
    assessed_only = (status == ASSESSED) & (frame["metric"] == "assessment").to_numpy()
    reason = reason.where(~assessed_only, None)
    return frame.drop(columns=["rule", "min_rows"]).assign(
        n_rows=np.where(status == ASSESSED, 1, frame["n_rows"].to_numpy()),
        score=pd.array(np.where(np.isnan(score), None, score), dtype="Int64"),
        status=pd.array(status, dtype="str"),
        band_low=np.where(banded, low, np.nan),
        band_high=np.where(banded, high, np.nan),
        reason=pd.array(reason.to_numpy(), dtype="str"),
    )


def _reason_scores(frame: pd.DataFrame, grid: Grid) -> np.ndarray:
    """The score an entry gives to the metric's reason (NaN when it gives none)."""
    pairs = [(entry.id, key, score) for entry in grid.entries for key, score in entry.reason_scores.items()]
    if not pairs:
        return np.full(len(frame), np.nan)
    table = pd.DataFrame(pairs, columns=["indicator_id", "reason", "by_reason"]).astype({"reason": "object"})
    keys = frame[["indicator_id", "reason"]].astype({"reason": "object"})
    return keys.merge(table, how="left", on=["indicator_id", "reason"])["by_reason"].to_numpy(dtype=float)


def _assessed(frame: pd.DataFrame, assessments: pd.DataFrame | None) -> np.ndarray:
    """The committee's or coach's score for each row's season and indicator (NaN when none)."""
    if assessments is None:
        return np.full(len(frame), np.nan)
    answers = assessments[[*SEASON, "indicator_id", "score"]].drop_duplicates([*SEASON, "indicator_id"], keep="last")
    answers = answers.astype({"score": "float64"}).rename(columns={"score": "assessed"})
    keys = frame[[*SEASON, "indicator_id"]]
    return keys.merge(answers, how="left", on=[*SEASON, "indicator_id"])["assessed"].to_numpy(dtype=float)
