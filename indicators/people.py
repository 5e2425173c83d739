"""Women, youth and the money that stays in the cluster: jobs by sex and age, who the active members are, and the
guide's Table 7 per link (volume, value added, net operating income).

Plain pandas over the small campaign tables (employment, memberships, actors, operating accounts: one row per link
or per member, never the deliveries). A missing figure is never read as a zero: a total is taken over the links
whose figure is known, its change over the links known in both campaigns (like for like, as 6.4 does), and a
share over the members whose sex or age is recorded. Where nothing can be said, `reason` says why (worded in
reports/i18n as `reason_<key>`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON, flags, floats
from indicators.inputs import Inputs

JOB_FIGURES = ("jobs", "women_jobs", "youth_jobs")
PEOPLE_COLUMNS = [
    *SEASON, "previous", "jobs", "women_jobs", "youth_jobs", "women_jobs_of", "youth_jobs_of", "jobs_change",
    "women_jobs_change", "youth_jobs_change", "jobs_reason", "active_members", "women_share", "youth_share",
    "members_reason",
]  # fmt: skip
"""One row per reviewed season: job totals (FTE, over the links whose figure is known; `*_of`: the jobs of the links
whose women's or youth's figure is known, what their share is taken of), their like-for-like change
since `previous` (NaN without a link known in both), women's and youth's share of the active members whose sex
or age is recorded, and the reason each part is empty."""
ACCOUNT_COLUMNS = [
    *SEASON, "link", "actor_count", "volume_kg", "production_value_xof", "value_added_xof", "net_income_xof",
    "reason",
]  # fmt: skip
"""Table 7, one row per reviewed season and link with an operating account: value added = production value -
intermediate consumption, net operating income = value added - labour - financial costs - taxes (NaN when a
figure is missing, `reason` then says which part), volume_kg: accepted kg the link delivered to the aggregator
(producers: the season's deliveries; NaN for links whose volume no table carries)."""
VOLUME_LINKS = ("producer",)  # the raw-material suppliers whose deliveries the aggregator records


def people_figures(inp: Inputs) -> pd.DataFrame:
    """Jobs by sex and youth with their change, and women's and youth's share of active members (PEOPLE_COLUMNS)."""
    current = inp.seasons.loc[inp.seasons["current"], [*SEASON, "previous", "previous_row"]]
    out = current.reset_index(names="season")
    out = out.merge(_job_totals(inp, out), how="left", on="season").merge(_members(inp), how="left", on="season")
    no_rows = "no_employment" if inp.get("employment") is None else "no_employment_rows"
    out["jobs_reason"] = np.where(out["jobs"].isna(), no_rows, None)
    none = out["active_members"].isna()
    fallback = "no_memberships" if inp.get("memberships") is None else "no_active_members"
    out["active_members"] = out["active_members"].fillna(0).astype("int64")
    out["members_reason"] = out["members_reason"].astype("object").where(~none, fallback)
    return out.reindex(columns=PEOPLE_COLUMNS).astype({"jobs_reason": "str", "members_reason": "str"})


def _job_totals(inp: Inputs, seasons: pd.DataFrame) -> pd.DataFrame:
    """Per current season: totals of the known figures, and their change on the links known in both campaigns."""
    rows = inp.rows("employment")
    if rows is None:
        return pd.DataFrame(columns=["season", *JOB_FIGURES, *(f"{f}_change" for f in JOB_FIGURES),
                                     "women_jobs_of", "youth_jobs_of"])  # fmt: skip
    values = pd.DataFrame(
        {
            "season": rows["season"].to_numpy(),
            "link": rows["link"].to_numpy(),
            "jobs": floats(rows["permanent_jobs"]) + floats(rows["seasonal_jobs_fte"]),
            "women_jobs": floats(rows["women_jobs"]),
            "youth_jobs": floats(rows["youth_jobs"]),
        }
    )
    now = values[values["season"].isin(seasons["season"])]
    later = dict(zip(seasons["previous_row"], seasons["season"], strict=True))
    before = values[values["season"].isin([row for row in later if row >= 0])]
    before = before.assign(season=before["season"].map(later))
    pairs = now.merge(before, how="inner", on=["season", "link"], suffixes=("", "_before"))
    totals = now.groupby("season")[list(JOB_FIGURES)].sum(min_count=1)
    for figure in JOB_FIGURES[1:]:  # the jobs a share of women's (or youth's) jobs is taken of
        totals[f"{figure}_of"] = now["jobs"].where(now[figure].notna()).groupby(now["season"]).sum(min_count=1)
    for figure in JOB_FIGURES:
        change = (pairs[figure] - pairs[f"{figure}_before"]).groupby(pairs["season"]).sum(min_count=1)
        totals[f"{figure}_change"] = change.reindex(totals.index)
    return totals.reset_index()


def _members(inp: Inputs) -> pd.DataFrame:
    """Per season: active members, the share of women among those whose sex is known, of youth likewise."""
    rows = inp.rows("memberships")
    columns = ["season", "active_members", "women_share", "youth_share", "members_reason"]
    if rows is None:
        return pd.DataFrame(columns=columns)
    active = rows[flags(rows["active"])][["season", "actor_id"]]
    actors = inp.get("actors")
    if actors is None:
        counts = active.groupby("season").size().rename("active_members").reset_index()
        return counts.assign(women_share=np.nan, youth_share=np.nan, members_reason="no_actors")
    who = actors[["actor_id", "sex", "is_youth"]].drop_duplicates("actor_id")
    people = active.merge(who, how="left", on="actor_id")
    sex, youth = people["sex"].astype("str"), people["is_youth"].astype("boolean")
    grouped = (
        pd.DataFrame(
            {
                "season": people["season"].to_numpy(),
                "one": 1,
                "woman": (sex == "F").fillna(False).to_numpy(dtype=float),
                "sex_known": sex.isin(["F", "M"]).to_numpy(dtype=float),
                "young": youth.fillna(False).to_numpy(dtype=float),
                "age_known": youth.notna().to_numpy(dtype=float),
            }
        )
        .groupby("season", as_index=False)[["one", "woman", "sex_known", "young", "age_known"]]
        .sum()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        women = np.where(grouped["sex_known"] > 0, grouped["woman"] / grouped["sex_known"], np.nan)
        young = np.where(grouped["age_known"] > 0, grouped["young"] / grouped["age_known"], np.nan)
    reason = np.where(grouped["sex_known"] == 0, "no_sex_recorded", np.where(grouped["age_known"] == 0,
                                                                             "no_age_recorded", None))  # fmt: skip
    return pd.DataFrame(
        {"season": grouped["season"], "active_members": grouped["one"].astype("int64"), "women_share": women,
         "youth_share": young, "members_reason": reason}
    )  # fmt: skip


def link_accounts(inp: Inputs) -> pd.DataFrame:
    """The guide's Table 7 for each reviewed season: one row per link with an operating account (ACCOUNT_COLUMNS)."""
    rows = inp.rows("operating_accounts")
    if rows is None:
        return pd.DataFrame(columns=ACCOUNT_COLUMNS)
    rows = rows[inp.seasons["current"].to_numpy()[rows["season"].to_numpy()]]
    production = floats(rows["production_value_xof"])
    added = production - floats(rows["intermediate_consumption_xof"])
    costs = floats(rows["labour_cost_xof"]) + floats(rows["financial_cost_xof"]) + floats(rows["taxes_xof"])
    out = rows[[*SEASON, "link"]].assign(
        actor_count=rows["actor_count"].astype("Int64"),
        production_value_xof=production,
        value_added_xof=added,
        net_income_xof=added - costs,
    )
    out["volume_kg"] = _volumes(inp, rows)
    out["reason"] = np.where(
        np.isnan(added), "value_added_figure_missing", np.where(np.isnan(added - costs), "costs_figure_missing", None)
    )
    out = out.sort_values([*SEASON, "link"]).reset_index(drop=True)
    return out.reindex(columns=ACCOUNT_COLUMNS).astype({"reason": "str"})


def _volumes(inp: Inputs, rows: pd.DataFrame) -> np.ndarray:
    """Accepted kg delivered to the aggregator in each row's season, for the raw-material links; NaN otherwise."""
    if inp.deliveries is None:
        return np.full(len(rows), np.nan)
    accepted = inp.deliveries.set_index("season")["accepted_kg"]
    volume = rows["season"].map(accepted).to_numpy(dtype=float, na_value=np.nan)
    return np.where(rows["link"].isin(VOLUME_LINKS).to_numpy(), volume, np.nan)
