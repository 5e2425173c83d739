"""Metrics of axis 5 (quantity and quality delivered): volume trend, quality sold, traceability, losses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import SEASON, campaign_key, empty, flags, floats, per_season, ratio, result, why
from indicators.inputs import Inputs
from indicators.registry import metric


def accepted_volume(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Accepted kg of each season with deliveries (n_rows: deliveries): the level 5.1's growth follows."""
    seasons = inp.deliveries
    if seasons is None:
        return empty()
    return result(seasons, seasons["accepted_kg"], seasons["n_rows"])


@metric("rate_per_year", "deliveries", defaults={"campaigns": 3}, level=(accepted_volume, "kg"))
def accepted_volume_growth(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Annual growth of accepted kg from the oldest delivered campaign of the last N years to this one.

    (V / V0) ** (1 / years) - 1; n_rows: campaigns with deliveries in the window (2 are needed).
    """
    seasons = inp.deliveries
    if seasons is None:
        return empty()
    volumes = seasons[[*SEASON, "accepted_kg"]]
    table = _against_oldest(volumes, volumes["accepted_kg"] > 0, params["campaigns"])
    years = (table["year"] - table["year_0"]).to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (table["accepted_kg"] / table["accepted_kg_0"]).to_numpy(float, na_value=np.nan) ** (1 / years) - 1
    return result(table, value, table["in_window"], why(value, (True, "no_earlier_campaign")))


@metric("share", "sales")
def sold_standard_share(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Sold kg meeting the client's standard / sold kg whose conformity is recorded (n_rows: those sales)."""
    seasons = _standard_levels(inp)
    if seasons is None:
        return empty()
    value = ratio(seasons["standard_kg"], seasons["known_kg"])
    return result(seasons, value, seasons["n"], why(value, (True, "no_standard_recorded")))


@metric("points_per_year", "sales", defaults={"campaigns": 3}, level=(sold_standard_share, "share"))
def sold_standard_trend(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Change of that share a year, from the oldest campaign of the last N years with a share to this one.

    (share - share0) / years, in share points (0.05 = 5 points a year); n_rows: the sales with conformity
    recorded in the two campaigns compared (a second campaign is needed).
    """
    levels = _standard_levels(inp)
    if levels is None:
        return empty()
    shares = levels[SEASON].assign(share=ratio(levels["standard_kg"], levels["known_kg"]), n=levels["n"])
    table = _against_oldest(shares, shares["share"].notna(), params["campaigns"])
    years = (table["year"] - table["year_0"]).to_numpy(dtype=float, na_value=np.nan)
    value = (table["share"] - table["share_0"]).to_numpy(dtype=float, na_value=np.nan) / years
    reason = why(value, (table["share"].isna(), "no_standard_recorded"), (True, "no_earlier_campaign"))
    return result(table, value, table["n"] + table["n_0"].fillna(0), reason)


def _against_oldest(levels: pd.DataFrame, usable: pd.Series, campaigns: int) -> pd.DataFrame:
    """`levels` (one row per season) with its campaign's first `year`, the number of the cluster's seasons in the
    window of the last `campaigns` years up to it (`in_window`), and the oldest earlier season of that window
    whose level is `usable`: `year_0` and every other column with the suffix `_0` (NaN when there is none)."""
    frame = levels.assign(year=levels["campaign"].map(lambda c: campaign_key(c)[0]).astype("int64"))
    pairs = frame.merge(frame[usable.to_numpy()], on="cluster_id", suffixes=("", "_0"))
    span = pairs["year"] - pairs["year_0"]
    pairs = pairs[(span > 0) & (span <= campaigns - 1)]
    base = pairs.sort_values("year_0").drop_duplicates(SEASON).drop(columns=[c for c in frame if c not in SEASON])
    window = frame.merge(frame[[*SEASON, "year"]], on="cluster_id", suffixes=("", "_w"))
    span = window["year"] - window["year_w"]
    counts = window[(span >= 0) & (span <= campaigns - 1)].groupby(SEASON, sort=False).size().rename("in_window")
    return frame.merge(counts.reset_index(), how="left", on=SEASON).merge(base, how="left", on=SEASON)


def _standard_levels(inp: Inputs) -> pd.DataFrame | None:
    """Per season with sales: kg with conformity recorded, kg meeting the standard, and those sales' count."""
    sales = inp.get("sales")
    if sales is None:
        return None
    quantity, standard = np.nan_to_num(floats(sales["quantity_kg"])), sales["meets_client_standard"]
    known = standard.notna().to_numpy()
    return per_season(inp, "sales", known_kg=quantity * known, standard_kg=quantity * flags(standard), n=known)


@metric("share", "deliveries", "actors")
def traceable_share(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Accepted kg with a lot id from a registered member of the cluster / accepted kg (n_rows: deliveries)."""
    seasons = inp.deliveries
    if seasons is None:
        return empty()
    value = ratio(seasons["traceable_accepted_kg"], seasons["accepted_kg"])
    reason = why(value, (seasons["traceable_accepted_kg"].isna(), "no_actors"), (True, "no_accepted_volume"))
    return result(seasons, value, seasons["n_rows"], reason)


@metric("share", "deliveries")
def rejection_rate(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """(delivered kg - accepted kg) / delivered kg (n_rows: deliveries)."""
    seasons = inp.deliveries
    if seasons is None:
        return empty()
    value = ratio(seasons["quantity_kg"] - seasons["accepted_kg"], seasons["quantity_kg"])
    return result(seasons, value, seasons["n_rows"], why(value, (True, "no_delivered_volume")))
