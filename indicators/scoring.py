"""Scores of the metric long frame: bands per cluster's rules, insufficient data, the assessed fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON
from indicators.grid import Grid
from indicators.rules import apply_rules, rules_of

COMPUTED, ASSESSED, INSUFFICIENT = "computed", "assessed", "insufficient_data"


def score_metrics(
    metrics: pd.DataFrame, grid: Grid, bands: pd.DataFrame, assessments: pd.DataFrame | None
) -> pd.DataFrame:
    """`metrics` with score (Int64), status, band_low, band_high, reason, and both sides of each assessment.

    `bands`: each cluster's grid, resolved once (indicators.bands.resolve_bands). A value scores through its
    cluster's rule; a value resting on fewer rows than min_rows, or no value, is insufficient data unless the
    entry gives a score for the metric's reason (1.2: no plan adopted). Where the assessments table answers for
    the indicator, that answer is used (status "assessed") when nothing could be
    computed, or when the entry's `prevails` is "assessment". computed_score and assessed_score keep both
    sides; assessed_by, assessed_on and assessment_evidence say who answered, when and on what grounds.
    """
    rules, table = rules_of(bands)
    frame = metrics.merge(rules, how="left", on=["cluster_id", "indicator_id"])
    values = frame["value"].to_numpy(dtype=float)
    score, low, high = apply_rules(values, frame["rule"].to_numpy(), table)
    too_thin = frame["n_rows"].to_numpy() < frame["min_rows"].to_numpy()
    by_reason = _reason_scores(frame, grid)
    score = np.where(np.isnan(values), by_reason, score)
    score = np.where(too_thin, np.nan, score)
    reason = frame["reason"].astype("object").where(~(too_thin & ~np.isnan(values)), "too_few_rows")
    answers = _assessed(frame, assessments)
    assessed = answers["assessed"].to_numpy(dtype=float)
    prefers = (frame["prevails"] == "assessment").to_numpy()
    use_assessment = ~np.isnan(assessed) & (np.isnan(score) | prefers)
    status = np.where(use_assessment, ASSESSED, np.where(~np.isnan(score), COMPUTED, INSUFFICIENT))
    computed = score
    score = np.where(use_assessment, assessed, score)
    banded = ~np.isnan(computed) & ~np.isnan(values)
    assessed_only = (status == ASSESSED) & (frame["metric"] == "assessment").to_numpy()
    reason = reason.where(~assessed_only, None)
    return frame.drop(columns=["rule", "min_rows", "prevails"]).assign(
        n_rows=np.where(status == ASSESSED, np.maximum(frame["n_rows"].to_numpy(), 1), frame["n_rows"].to_numpy()),
        score=_scores(score),
        status=pd.array(status, dtype="str"),
        band_low=np.where(banded, low, np.nan),
        band_high=np.where(banded, high, np.nan),
        reason=pd.array(reason.to_numpy(), dtype="str"),
        computed_score=_scores(computed),
        assessed_score=_scores(assessed),
        assessed_by=pd.array(answers["assessed_by"].to_numpy(), dtype="str"),
        assessed_on=answers["assessed_on"].to_numpy(),
        assessment_evidence=pd.array(answers["evidence"].to_numpy(), dtype="str"),
    )


def _scores(values: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(np.where(np.isnan(values), None, values), dtype="Int64")


def _reason_scores(frame: pd.DataFrame, grid: Grid) -> np.ndarray:
    """The score an entry gives to the metric's reason (NaN when it gives none)."""
    pairs = [(entry.id, key, score) for entry in grid.entries for key, score in entry.reason_scores.items()]
    if not pairs:
        return np.full(len(frame), np.nan)
    table = pd.DataFrame(pairs, columns=["indicator_id", "reason", "by_reason"]).astype({"reason": "object"})
    keys = frame[["indicator_id", "reason"]].astype({"reason": "object"})
    return keys.merge(table, how="left", on=["indicator_id", "reason"])["by_reason"].to_numpy(dtype=float)


def _assessed(frame: pd.DataFrame, assessments: pd.DataFrame | None) -> pd.DataFrame:
    """The committee's or coach's answer for each row's season and indicator: assessed (NaN when none),
    assessed_by, assessed_on, evidence; aligned with `frame`."""
    columns = ["assessed_by", "assessed_on", "evidence"]
    if assessments is None:
        empty = pd.DataFrame({"assessed": np.full(len(frame), np.nan)}, index=frame.index)
        return empty.assign(assessed_by=None, assessed_on=pd.NaT, evidence=None)
    present = [c for c in columns if c in assessments]
    answers = assessments[[*SEASON, "indicator_id", "score", *present]].drop_duplicates(
        [*SEASON, "indicator_id"], keep="last"
    )
    answers = (
        answers.astype({"score": "float64"})
        .rename(columns={"score": "assessed"})
        .reindex(columns=[*SEASON, "indicator_id", "assessed", *columns])
    )
    keys = frame[[*SEASON, "indicator_id"]]
    found = keys.merge(answers, how="left", on=[*SEASON, "indicator_id"])
    found["assessed_on"] = pd.to_datetime(found["assessed_on"])
    return found[["assessed", *columns]].set_axis(frame.index)
