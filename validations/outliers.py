"""Robust outliers: a value far from its group's median, measured in median absolute deviations.

Seasonal data makes plain z-scores cry wolf (a few harvest-peak deliveries inflate the standard deviation and
hide real mistakes, or a skewed group flags every big delivery), so the rule is z = 0.6745 (x - median) / MAD per
cluster, value-chain link and campaign, on the logarithm for skewed weights (Iglewicz and Hoaglin's modified
z-score; |z| > 3.5 is their threshold). Vectorised: one sort per column for the whole table."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from validations.problems import combine, empty_problems, problems_frame
from validations.rules import Outliers

MAD_TO_SIGMA = 0.6745
PARALLEL_ROWS = 1_000_000  # above this many rows the columns are judged in two threads
MEAN_AD_TO_SIGMA = 0.7979  # when the MAD is 0: 0.7979 x mean absolute deviation estimates sigma the same way


def group_order(groups: np.ndarray) -> np.ndarray:
    """The rows sorted by group, stably (a radix sort when there are fewer than 65,536 groups)."""
    if len(groups) and int(groups.max()) < 1 << 16:
        return np.argsort(groups.astype(np.uint16), kind="stable")
    return np.argsort(groups, kind="stable")


def group_stats(
    values: np.ndarray, groups: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: the median, the robust scale (MAD / 0.6745, or the mean absolute deviation / 0.7979 when the MAD
    is 0) and the count of values, NaN values ignored. One stable sort by group (`order`, shared by the columns
    when given), then a loop over groups (never over rows)."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    order = group_order(groups) if order is None else order
    ordered = values[order]
    present = ~np.isnan(ordered)
    if not present.all():
        order, ordered = order[present], ordered[present]
    counts = np.bincount(groups[order], minlength=n_groups)
    ends = np.cumsum(counts)
    centre = np.full(n_groups, np.nan)
    scale = np.full(n_groups, np.nan)
    for group in np.flatnonzero(counts).tolist():
        segment = ordered[ends[group] - counts[group] : ends[group]]
        middle = float(np.median(segment))
        deviation = np.abs(segment - middle)
        mad = float(np.median(deviation))
        centre[group] = middle
        scale[group] = mad / MAD_TO_SIGMA if mad > 0 else float(deviation.mean()) / MEAN_AD_TO_SIGMA
    return centre, scale, counts


def robust_z(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's modified z-score within its group, its group's median and count of values (NaN: NaN)."""
    centre, scale, counts = group_stats(values, groups)
    median, spread = centre[groups], scale[groups]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (values - median) / spread, 0.0)
    return np.where(np.isnan(values), np.nan, z), median, counts[groups]


def group_codes(frame: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """One integer per distinct combination of `columns` (missing values form their own group)."""
    combined = np.zeros(len(frame), dtype=np.int64)
    span = 1
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):  # already codes: missing is -1, shifted to 0
            codes, size = values.cat.codes.to_numpy().astype(np.int64) + 1, len(values.cat.categories) + 1
        else:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            size = len(uniques)
        combined = combined * (size + 1) + codes
        span *= size + 1
    return combined if span <= 1 << 22 else pd.factorize(combined)[0]  # small code spaces need no renumbering


def outlier_problems(
    frame: pd.DataFrame,
    rule: Outliers,
    threshold: float,
    min_rows: int,
    min_relative: float = 0.0,
    judged: np.ndarray | None = None,
) -> pd.DataFrame:
    """Warnings for the values of `frame` whose |z| exceeds `threshold` in a group of at least `min_rows` values,
    and that stand at least `min_relative` (a share of the median) from the median (a very even group, prices
    rounded to 5 XOF, would otherwise flag a price 10 % off).

    `frame` may hold history (rows already stored) below the rows being judged: `judged` marks the rows that may
    be flagged (default: all). Rows are positions in `frame`."""
    if frame.empty:
        return empty_problems()
    groups = group_codes(frame, rule.group_by)
    order = group_order(groups)
    judged = np.ones(len(frame), dtype=bool) if judged is None else judged

    def judge(column: str) -> pd.DataFrame | None:
        raw = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        logged = column in rule.log
        values = np.log(np.where(raw > 0, raw, np.nan)) if logged else raw
        centre, scale, counts = group_stats(values, groups, order)
        middle = np.exp(centre) if logged else centre  # the median in the column's own unit
        band = np.where((counts >= min_rows) & (scale > 0), threshold * scale, np.inf)
        with np.errstate(invalid="ignore"):
            flagged = judged & (np.abs(values - centre[groups]) > band[groups])
            flagged &= np.abs(raw - middle[groups]) >= min_relative * np.abs(middle[groups])
        if not flagged.any():
            return None
        rows = np.flatnonzero(flagged)
        z = (values[rows] - centre[groups[rows]]) / scale[groups[rows]]
        details = [f"{c:,.0f} / z {s:+.1f}" for c, s in zip(middle[groups[rows]], z, strict=True)]
        return problems_frame(rows, column, "outlier", raw[rows].tolist(), details)

    if len(frame) < PARALLEL_ROWS or len(rule.columns) < 2:
        return combine([judge(column) for column in rule.columns])
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="outliers") as pool:  # numpy releases the GIL
        return combine(list(pool.map(judge, rule.columns)))
