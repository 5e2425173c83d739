"""Like-for-like growth: a quantity's change since the previous campaign, on the keys known in both campaigns.

A link whose figure is missing in one campaign is left out of both totals, so a missing number never reads as
a collapse. The comparison is trusted only when the keys it keeps carry enough of the quantity: `covered` is the
smaller of the two campaigns' shares (by absolute amount) held by the compared keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import per_season, ratio, result, why
from indicators.inputs import Inputs


def like_for_like_growth(
    inp: Inputs, table: str, amount: np.ndarray, key: pd.Series, min_covered: float, what: str
) -> pd.DataFrame:
    """Annual growth per season: (now / before) ** (1 / years) - 1 over the keys with a known amount in both.

    `amount` is aligned with the table's rows (NaN when the figure is missing); n_rows counts the rows
    compared (both campaigns). Reasons: no_previous_campaign, no_<what>, no_previous_<what>, no_common_<what>,
    <what>_coverage_low (less than `min_covered` of either campaign's amount compared), previous_<what>_not_positive.
    """
    seasons = per_season(inp, table)
    if seasons.empty:
        return result(seasons, np.empty(0), np.empty(0))
    compared = _compared(inp, table, amount, key)
    frame = seasons[["season", "cluster_id", "campaign"]].merge(compared, how="left", on="season")
    previous = inp.seasons["previous_row"].to_numpy()[frame["season"]]
    known = _known_seasons(inp, table, amount)
    had_before, has_now = np.isin(previous, known), np.isin(frame["season"].to_numpy(), known)
    covered = np.fmin(frame["covered_now"], frame["covered_before"]).to_numpy(dtype=float, na_value=np.nan)
    years = inp.seasons["gap_years"].to_numpy(dtype=float, na_value=np.nan)[frame["season"]]
    change = ratio(frame["now"].to_numpy(dtype=float, na_value=np.nan), frame["before"])
    ok = (covered >= min_covered) & (change >= 0)
    with np.errstate(invalid="ignore"):
        value = np.where(ok, np.abs(change) ** (1 / years) - 1, np.nan)
    n_compared = frame["n"].fillna(0).to_numpy()
    reason = why(
        value,
        (previous < 0, "no_previous_campaign"),
        (~has_now, f"no_{what}"),
        (~had_before, f"no_previous_{what}"),
        (n_compared == 0, f"no_common_{what}"),
        (~(covered >= min_covered), f"{what}_coverage_low"),
        (True, f"previous_{what}_not_positive"),
    )
    return result(frame, value, 2 * n_compared, reason)


def _known_seasons(inp: Inputs, table: str, amount: np.ndarray) -> np.ndarray:
    """Season numbers with at least one known amount."""
    season = inp.season_of(table)
    return np.unique(season[(season >= 0) & ~np.isnan(amount)])


def _compared(inp: Inputs, table: str, amount: np.ndarray, key: pd.Series) -> pd.DataFrame:
    """Per season with a previous one: now, before (sums over the common keys), their shares, n common keys."""
    season = inp.season_of(table)
    known = (season >= 0) & ~np.isnan(amount)
    rows = pd.DataFrame({"season": season[known], "key": key.to_numpy()[known], "amount": amount[known]})
    rows = rows.groupby(["season", "key"], as_index=False, sort=False)["amount"].sum()
    rows["size"] = rows["amount"].abs()
    totals = rows.groupby("season")["size"].sum()
    rows["previous"] = inp.seasons["previous_row"].to_numpy()[rows["season"].to_numpy()]
    before = rows[["season", "key", "amount", "size"]].rename(
        columns={"season": "previous", "amount": "before", "size": "size_before"}
    )
    pairs = rows[rows["previous"] >= 0].merge(before, how="inner", on=["previous", "key"])
    out = pairs.groupby(["season", "previous"], as_index=False).agg(
        now=("amount", "sum"), before=("before", "sum"), size=("size", "sum"),
        size_before=("size_before", "sum"), n=("key", "size"),
    )  # fmt: skip
    out["covered_now"] = ratio(out["size"], totals.reindex(out["season"]).to_numpy())
    out["covered_before"] = ratio(out["size_before"], totals.reindex(out["previous"]).to_numpy())
    return out[["season", "now", "before", "covered_now", "covered_before", "n"]]
