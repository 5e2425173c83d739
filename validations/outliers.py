"""Robust outliers: a value far from its group's median, measured in median absolute deviations.

Seasonal data makes plain z-scores cry wolf (a few harvest-peak deliveries inflate the standard deviation and
hide real mistakes, or a skewed group flags every big delivery), so the rule is z = 0.6745 (x - median) / MAD per
cluster, value-chain link and campaign, on the logarithm for skewed weights (Iglewicz and Hoaglin's modified
z-score; |z| > 3.5 is their threshold). The medians are pandas' grouped medians."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from validations.problems import combine, empty_problems, problems_frame
from validations.rules import Outliers

MAD_TO_SIGMA = 0.6745
MEAN_AD_TO_SIGMA = 0.7979  # when the MAD is 0: 0.7979 x mean absolute deviation estimates sigma the same way


def group_stats(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (ids 0 to the largest in `groups`): the median, the robust scale (MAD / 0.6745, or the mean
    absolute deviation / 0.7979 when the MAD is 0) and the count of values, NaN values ignored (NaN, NaN, 0 for a
    group without any value). The ids are given to pandas as a categorical's codes: grouped without hashing."""
    key = pd.Categorical.from_codes(groups, categories=pd.RangeIndex(int(groups.max()) + 1 if len(groups) else 0))
    values = pd.Series(np.asarray(values, dtype=np.float64))
    by = values.groupby(key, observed=False)
    centre = by.median().to_numpy()
    deviation = (values - centre[groups]).abs().groupby(key, observed=False)
    scale = deviation.median().to_numpy() / MAD_TO_SIGMA
    flat = scale == 0  # a MAD of 0 (over half the group has one value): the mean absolute deviation instead
    if flat.any():
        scale[flat] = deviation.mean().to_numpy()[flat] / MEAN_AD_TO_SIGMA
    return centre, scale, by.count().to_numpy()


def _flagged(raw, values, groups, centre, middle, scale, counts, threshold, min_rows, min_relative, judged):
    """Rows whose value stands more than `threshold` robust scales from its group's centre, in a group of at least
    `min_rows` values, and at least `min_relative` x the median from the median (in the column's own unit)."""
    spread, at, median = scale[groups], centre[groups], middle[groups]
    with np.errstate(invalid="ignore"):
        far = np.abs(values - at) > threshold * spread
        enough = np.abs(raw - median) >= min_relative * np.abs(median)
        return judged & (counts[groups] >= min_rows) & (spread > 0) & far & enough


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


class GroupIds:
    """Dense ids of the outlier groups of a file, given chunk by chunk as the chunks are prepared (in parallel
    threads): each chunk's few distinct combinations are looked up in one shared dictionary, so the whole file's
    group ids need no sort or re-encoding once every chunk is in."""

    DENSE_SPAN = 1 << 22  # up to this many possible combinations, codes present are marked rather than sorted

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self._ids: dict[tuple, int] = {}
        self._lock = threading.Lock()

    def of(self, rows: pa.Table) -> pa.Array:
        """The group id of each row of `rows` (int32)."""
        local = np.zeros(rows.num_rows, dtype=np.int64)
        dictionaries = []
        for name in self.columns:
            column = rows.column(name).combine_chunks()
            if pa.types.is_null(column.type):
                column = column.cast(pa.large_string())
            if not pa.types.is_dictionary(column.type):
                column = pc.dictionary_encode(column)
            values = [None, *column.dictionary.to_pylist()]  # code 0: missing
            local = local * len(values) + pc.fill_null(column.indices, -1).to_numpy(zero_copy_only=False) + 1
            dictionaries.append(values)
        span = int(np.prod([len(values) for values in dictionaries]))
        dense = span <= self.DENSE_SPAN
        if dense:  # the usual case: mark the codes present, no sort
            seen = np.zeros(span, dtype=bool)
            seen[local] = True
            present = np.flatnonzero(seen)
        else:
            present = np.unique(local)
        found = np.empty(len(present), dtype=np.int32)
        with self._lock:
            for position, code in enumerate(present.tolist()):
                parts = []
                for values in reversed(dictionaries):
                    code, at = divmod(code, len(values))
                    parts.append(values[at])
                found[position] = self._ids.setdefault(tuple(reversed(parts)), len(self._ids))
        if dense:
            lookup = np.zeros(span, dtype=np.int32)
            lookup[present] = found
            return pa.array(lookup[local])
        return pa.array(found[np.searchsorted(present, local)])


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
    values = {c: frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in rule.columns}
    return outlier_flags(group_codes(frame, rule.group_by), values, rule, threshold, min_rows, min_relative, judged)


def outlier_flags(
    groups: np.ndarray,
    values: dict[str, np.ndarray],
    rule: Outliers,
    threshold: float,
    min_rows: int,
    min_relative: float = 0.0,
    judged: np.ndarray | None = None,
) -> pd.DataFrame:
    """`outlier_problems` on rows already reduced to their group codes and the values of the rule's columns."""
    judged = np.ones(len(groups), dtype=bool) if judged is None else judged.astype(bool, copy=False)

    def judge(column: str) -> pd.DataFrame | None:
        raw = values[column]
        logged = column in rule.log
        logs = raw
        if logged:  # the log of the positive values, NaN elsewhere, in one output array (no temporary copy)
            logs = np.full(len(raw), np.nan)
            np.log(raw, out=logs, where=raw > 0)
        centre, scale, counts = group_stats(logs, groups)
        middle = np.exp(centre) if logged else centre  # the median in the column's own unit
        flagged = _flagged(raw, logs, groups, centre, middle, scale, counts, threshold, min_rows, min_relative, judged)
        if not flagged.any():
            return None
        rows = np.flatnonzero(flagged)
        z = (logs[rows] - centre[groups[rows]]) / scale[groups[rows]]
        details = [f"{c:,.0f} / z {s:+.1f}" for c, s in zip(middle[groups[rows]], z, strict=True)]
        return problems_frame(rows, column, "outlier", raw[rows].tolist(), details)

    return combine([judge(column) for column in rule.columns])
