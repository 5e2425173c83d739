"""Metrics of axis 6 (value added, fairness, jobs): accounts kept, value added trend and share, jobs trend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import SEASON, empty, floats, per_season, ratio, result, why
from indicators.growth import like_for_like_growth
from indicators.inputs import Inputs
from indicators.registry import metric

MONEY = (
    "production_value_xof", "intermediate_consumption_xof", "labour_cost_xof", "financial_cost_xof", "taxes_xof",
)  # fmt: skip


@metric("share", "operating_accounts", "actors")
def value_added_determined(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of the links among the cluster's actors that have a complete operating account, capped at 1."""
    accounts, actors = inp.rows("operating_accounts"), inp.get("actors")
    if accounts is None:
        return empty()
    seasons = accounts.groupby(SEASON, as_index=False).size()
    if actors is None:
        return result(seasons, np.full(len(seasons), np.nan), seasons["size"], "no_actors")
    links = actors[["cluster_id", "link"]].drop_duplicates()  # the cluster's links: those of its actors
    complete = accounts[accounts.reindex(columns=list(MONEY)).notna().all(axis=1)].merge(links)
    counted = seasons.join(complete.groupby(SEASON)["link"].nunique(), on=SEASON)["link"].fillna(0)
    present = seasons["cluster_id"].map(links.groupby("cluster_id").size()).fillna(0)
    value = np.minimum(ratio(counted, present), 1.0)
    return result(seasons, value, seasons["size"], why(value, (True, "no_cluster_links")))


@metric("rate_per_year", "operating_accounts", defaults={"min_covered_share": 0.5})
def value_added_growth(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Annual growth of value added since the previous campaign, like for like: the links whose value added is
    known in both campaigns (n_rows: their accounts in both)."""
    accounts = inp.get("operating_accounts")
    if accounts is None:
        return empty()
    return like_for_like_growth(
        inp, "operating_accounts", _value_added(accounts), accounts["link"], params["min_covered_share"], "value_added"
    )


@metric("share", "operating_accounts", defaults={"links": ["producer"]})
def producer_value_added_share(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Value added of the given links / the cluster's total value added (n_rows: links with value added)."""
    accounts = inp.get("operating_accounts")
    if accounts is None:
        return empty()
    added = _value_added(accounts)
    known = ~np.isnan(added)
    mine = accounts["link"].isin(params["links"]).to_numpy() & known
    seasons = per_season(
        inp, "operating_accounts", total=np.nan_to_num(added), mine=np.where(mine, added, 0.0), n=known, n_mine=mine
    )
    value = np.where(seasons["n_mine"] > 0, ratio(seasons["mine"], seasons["total"]), np.nan)
    reason = why(value, (seasons["n_mine"] == 0, "no_producer_account"), (True, "value_added_not_positive"))
    return result(seasons, value, seasons["n"], reason)


@metric("rate_per_year", "employment", defaults={"min_covered_share": 0.5})
def jobs_growth(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Annual growth of jobs (permanent + seasonal FTE) since the previous campaign, like for like: the links
    whose two job counts are known in both campaigns (n_rows: their rows in both)."""
    employment = inp.get("employment")
    if employment is None:
        return empty()
    jobs = floats(employment["permanent_jobs"]) + floats(employment["seasonal_jobs_fte"])
    return like_for_like_growth(inp, "employment", jobs, employment["link"], params["min_covered_share"], "jobs")


def _value_added(accounts: pd.DataFrame) -> np.ndarray:
    return floats(accounts["production_value_xof"]) - floats(accounts["intermediate_consumption_xof"])
