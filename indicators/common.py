"""Small helpers shared by the metric modules: column conversions, campaign order and windows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from schemas.campaign import campaign_window, parse_campaign

if TYPE_CHECKING:
    from indicators.inputs import Inputs

SEASON = ["cluster_id", "campaign"]
LONG = ["cluster_id", "campaign", "value", "n_rows", "reason"]


def season_windows(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First and last day of each row's campaign under its calendar (NaT when unknown or inconsistent)."""
    combos = frame[["campaign", "campaign_start_md", "campaign_end_md"]].drop_duplicates().dropna()
    windows = {}
    for campaign, start_md, end_md in combos.itertuples(index=False, name=None):  # one per distinct calendar
        try:
            windows[(campaign, start_md, end_md)] = campaign_window(campaign, start_md, end_md)
        except ValueError:
            continue
    if not windows:
        nat = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
        return nat, nat.copy()
    table = pd.DataFrame(
        [(*key, pd.Timestamp(start), pd.Timestamp(end)) for key, (start, end) in windows.items()],
        columns=["campaign", "campaign_start_md", "campaign_end_md", "start", "end"],
    )
    merged = frame[["campaign", "campaign_start_md", "campaign_end_md"]].merge(table, how="left")
    return (
        pd.Series(merged["start"].to_numpy(), index=frame.index, name="start"),
        pd.Series(merged["end"].to_numpy(), index=frame.index, name="end"),
    )


def campaign_key(campaign: str) -> tuple[int, int] | None:
    """Sort key of a campaign name (first year, last year), None when the name is not a campaign."""
    try:
        return parse_campaign(campaign)
    except ValueError:
        return None


def floats(series: pd.Series) -> np.ndarray:
    """A numeric column as a float array (NaN for missing); text is parsed, unreadable text is NaN."""
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        series = pd.to_numeric(series, errors="coerce")
    return series.to_numpy(dtype="float64", na_value=np.nan)


def flags(series: pd.Series) -> np.ndarray:
    """A boolean column as a bool array (missing is False)."""
    return series.astype("boolean").to_numpy(dtype=bool, na_value=False)


def result(
    seasons: pd.DataFrame, value: np.ndarray | pd.Series, n_rows: np.ndarray | pd.Series, reason: object = None
) -> pd.DataFrame:
    """A metric's long frame: one row per season given, value (float), n_rows (int), reason (str or NA)."""
    out = pd.DataFrame(
        {
            "cluster_id": seasons["cluster_id"].to_numpy(),
            "campaign": seasons["campaign"].to_numpy(),
            "value": np.asarray(value, dtype="float64"),
            "n_rows": np.nan_to_num(np.asarray(n_rows, dtype="float64")).astype("int64"),
        }
    )
    out["reason"] = pd.Series(reason, index=out.index, dtype="str") if reason is not None else pd.NA
    out["reason"] = out["reason"].astype("str")
    return out


def empty() -> pd.DataFrame:
    """A metric that could compute nothing: every season falls back on the metric's default reason."""
    return _EMPTY.copy()


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is not positive."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def why(value: np.ndarray, *conditions: tuple[np.ndarray, str]) -> np.ndarray:
    """Reason per row where `value` is NaN: the first condition that holds (NA when the value exists)."""
    value = np.asarray(value, dtype=float)
    reasons = np.full(len(value), None, dtype=object)
    for condition, key in reversed(conditions):
        reasons = np.where(np.asarray(condition, dtype=bool), key, reasons)
    return np.where(np.isnan(value), reasons, None)


def per_season(inp: Inputs, table: str, **columns: np.ndarray) -> pd.DataFrame:
    """One row per reviewed season with rows in `table`: season, cluster_id, campaign, rows, sums of the arrays.

    The arrays are aligned with the table's rows; rows outside the reviewed seasons are ignored.
    """
    codes = inp.season_of(table)
    keep = codes >= 0
    seasons = codes[keep]
    n = len(inp.seasons)
    rows = np.bincount(seasons, minlength=n)
    present = np.flatnonzero(rows)
    out = inp.seasons.loc[present, SEASON].reset_index(drop=True)
    out.insert(0, "season", present)
    out["rows"] = rows[present]
    for name, values in columns.items():
        out[name] = np.bincount(seasons, weights=np.asarray(values, dtype=float)[keep], minlength=n)[present]
    return out


_EMPTY = result(pd.DataFrame(columns=SEASON), np.empty(0), np.empty(0))
