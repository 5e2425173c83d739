"""Robust outliers: a value far from its group's median, measured in median absolute deviations.

Seasonal data makes plain z-scores cry wolf (a few harvest-peak deliveries inflate the standard deviation and
hide real mistakes, or a skewed group flags every big delivery), so the rule is z = 0.6745 (x - median) / MAD per
cluster, value-chain link and campaign, on the logarithm for skewed weights (Iglewicz and Hoaglin's modified
z-score; |z| > 3.5 is their threshold). The grouped medians are polars' (`median().over(groups)`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from validations.problems import combine, empty_problems, problems_frame
from validations.rules import Outliers

MAD_TO_SIGMA = 0.6745
MEAN_AD_TO_SIGMA = 0.7979  # when the MAD is 0: 0.7979 x mean absolute deviation estimates sigma the same way


def with_robust_stats(frame: pl.DataFrame, value: pl.Expr, groups: list[str]) -> pl.DataFrame:
    """`frame` with, per row, its group's median of `value` (`_centre`), robust scale (`_scale`: MAD / 0.6745, or
    the mean absolute deviation / 0.7979 when the MAD is 0) and count of values (`_count`); missing values are
    left out (null, null, 0 without any). Staged, so each window is computed once."""
    frame = frame.with_columns(_value=value).with_columns(_centre=pl.col("_value").median().over(groups))
    frame = frame.with_columns(_deviation=(pl.col("_value") - pl.col("_centre")).abs())
    mad, mean = pl.col("_deviation").median().over(groups), pl.col("_deviation").mean().over(groups)
    return frame.with_columns(
        _scale=pl.when(mad > 0).then(mad / MAD_TO_SIGMA).otherwise(mean / MEAN_AD_TO_SIGMA),
        _count=pl.col("_value").count().over(groups),
    )


def group_stats(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (ids 0 to the largest in `groups`): the median, the robust scale and the count of values, NaN
    values ignored (NaN, NaN, 0 for a group without any value)."""
    frame = pl.DataFrame({"g": np.asarray(groups, dtype=np.int64), "v": np.asarray(values, dtype=np.float64)})
    stats = with_robust_stats(frame, pl.col("v").fill_nan(None), ["g"])
    stats = stats.select("g", centre="_centre", scale="_scale", count="_count").unique("g")
    size = int(groups.max()) + 1 if len(groups) else 0
    out = pl.DataFrame({"g": np.arange(size)}).join(stats, on="g", how="left", maintain_order="left")
    return (out["centre"].fill_null(np.nan).to_numpy(), out["scale"].fill_null(np.nan).to_numpy(),
            out["count"].fill_null(0).to_numpy())  # fmt: skip


def robust_z(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value's modified z-score within its group, its group's median and count of values (NaN: NaN)."""
    centre, scale, counts = group_stats(values, groups)
    median, spread = centre[groups], scale[groups]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (values - median) / spread, 0.0)
    return np.where(np.isnan(values), np.nan, z), median, counts[groups]


def outlier_problems(
    rows: pd.DataFrame | pa.Table | pl.DataFrame,
    rule: Outliers,
    threshold: float,
    min_rows: int,
    min_relative: float = 0.0,
    judged: np.ndarray | None = None,
) -> pd.DataFrame:
    """Warnings for the values of `rows` whose |z| exceeds `threshold` in a group of at least `min_rows` values,
    and that stand at least `min_relative` (a share of the median) from the median (a very even group, prices
    rounded to 5 XOF, would otherwise flag a price 10 % off).

    `rows` may hold history (rows already stored) below the rows being judged: `judged` marks the rows that may
    be flagged (default: all). Rows are positions in `rows`; missing group values form their own group."""
    frame = outlier_frame(rows, rule)
    if not frame.height:
        return empty_problems()
    judged = np.ones(frame.height, dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    # one id per group (polars' hash of the group's values): one key is grouped faster than three texts
    frame = frame.with_columns(
        _judged=pl.Series(judged), _at=pl.int_range(pl.len()), _group=pl.struct(rule.group_by).hash()
    )

    def judge(column: str) -> pd.DataFrame | None:
        raw = pl.col(column)
        logged = column in rule.log
        value = pl.when(raw > 0).then(raw.log()) if logged else raw  # no logarithm: left out
        stats = with_robust_stats(frame, value, ["_group"])
        centre, scale = pl.col("_centre"), pl.col("_scale")
        middle = centre.exp() if logged else centre  # the median in the column's own unit
        found = stats.select(
            "_at", raw=raw, middle=middle, z=(pl.col("_value") - centre) / scale,
            flagged=pl.col("_judged") & (pl.col("_count") >= min_rows) & (scale > 0)
            & (pl.col("_deviation") > threshold * scale) & ((raw - middle).abs() >= min_relative * middle.abs()),
        ).filter(pl.col("flagged").fill_null(False))  # fmt: skip
        if not found.height:
            return None
        details = [f"{c:,.0f} / z {s:+.1f}" for c, s in zip(found["middle"], found["z"], strict=True)]
        return problems_frame(found["_at"].to_numpy(), column, "outlier", found["raw"].to_list(), details)

    return combine([judge(column) for column in rule.columns])


def outlier_frame(rows: pd.DataFrame | pa.Table | pl.DataFrame, rule: Outliers) -> pl.DataFrame:
    """The grouping columns as categories and the values as floats (NaN as missing), as polars."""
    if isinstance(rows, pd.DataFrame):
        rows = pl.from_pandas(rows[[*rule.group_by, *rule.columns]])
    elif isinstance(rows, pa.Table):
        rows = pl.from_arrow(rows.select([*rule.group_by, *rule.columns]))
    return rows.select(  # categorical groups: a dictionary column stays codes (no text copied per row)
        *(
            pl.col(c).cast(pl.String).cast(pl.Categorical) if rows.schema[c] != pl.Categorical else pl.col(c)
            for c in rule.group_by
        ),
        *(pl.col(c).cast(pl.Float64).fill_nan(None) for c in rule.columns),
    )
