"""Metrics of axes 1 (governance) and 4 (communication): meetings, plan, services, accountability, loyalty."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import SEASON, empty, flags, per_season, ratio, result, why
from indicators.inputs import Inputs
from indicators.registry import metric


@metric("share", "governance_events", defaults={"kinds": ["committee_meeting"]})
def committee_meeting_rate(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Meetings of the given kinds held / planned, capped at 1 (n_rows: meetings of those kinds)."""
    if inp.get("governance_events") is None:
        return empty()
    return held_over_planned(inp, params["kinds"], "no_planned_meetings")


@metric("days", "governance_events", defaults={"kinds": ["campaign_plan_adopted"]})
def plan_delay_days(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Days from the campaign's first day to the first held plan adoption (n_rows: the season's events)."""
    events = inp.get("governance_events")
    if events is None:
        return empty()
    adopted = events["kind"].isin(params["kinds"]).to_numpy() & flags(events["held"])
    seasons = per_season(inp, "governance_events", adopted=adopted)
    codes = inp.season_of("governance_events")
    dated = adopted & (codes >= 0) & events["event_date"].notna().to_numpy()
    first = pd.Series(events["event_date"].to_numpy()[dated]).groupby(codes[dated]).min()
    adopted_on = pd.Series(first.reindex(seasons["season"]).to_numpy())
    start = pd.Series(inp.seasons["start"].to_numpy()[seasons["season"]])
    days = (adopted_on - start).dt.days.to_numpy(dtype=float, na_value=np.nan)
    reason = why(
        days,
        (seasons["adopted"].to_numpy() == 0, "no_plan_adopted"),
        (adopted_on.isna().to_numpy(), "plan_date_missing"),
        (start.isna().to_numpy(), "no_calendar"),
    )
    return result(seasons, days, seasons["rows"], reason)


@metric(
    "count",
    "governance_events",
    defaults={"kinds": ["technical_review", "financial_review", "decisions_restitution"]},
)
def accountability_events(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """How many of the given kinds of event were held (n_rows: the season's events)."""
    events = inp.rows("governance_events")
    if events is None:
        return empty()
    held = events[events["kind"].isin(params["kinds"]) & flags(events["held"])]
    seasons = events.groupby(SEASON, as_index=False).size()
    kinds = seasons.join(held.groupby(SEASON)["kind"].nunique(), on=SEASON)["kind"].fillna(0)
    return result(seasons, kinds, seasons["size"])


@metric("count", "governance_events", defaults={"kinds": ["fair"]})
def events_held(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Number of held events of the given kinds (n_rows: the season's events)."""
    events = inp.get("governance_events")
    if events is None:
        return empty()
    held = events["kind"].isin(params["kinds"]).to_numpy() & flags(events["held"])
    seasons = per_season(inp, "governance_events", held=held)
    return result(seasons, seasons["held"], seasons["rows"])


@metric("share", "memberships", "actors", "member_services", defaults={"links": ["producer"]})
def service_reach(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of active members of the given links who received a collective service (n_rows: those members)."""
    members = _active_members(inp, params["links"])
    if not isinstance(members, pd.DataFrame):
        return _all_seasons(inp, members)
    services = inp.rows("member_services")
    services = pd.DataFrame({"season": [], "actor_id": []}) if services is None else services
    served = services[["season", "actor_id"]].drop_duplicates().assign(served=1.0)
    reach = members.merge(served, how="left", on=["season", "actor_id"]).fillna({"served": 0.0})
    counts = reach.groupby("season").agg(n=("actor_id", "size"), served=("served", "sum"))
    reported = served.groupby("season").size().rename("reported")  # seasons whose services were recorded
    seasons = _member_seasons(inp).join(counts, on="season").join(reported, on="season")
    seasons = seasons.fillna({"n": 0, "served": 0.0})
    has_services = seasons["reported"].notna().to_numpy()
    value = np.where(has_services, ratio(seasons["served"], seasons["n"]), np.nan)
    reason = why(value, (~has_services, "no_member_services"), (seasons["n"] == 0, "no_active_members"))
    return result(seasons, value, seasons["n"], reason)


@metric("share", "memberships", "actors", defaults={"links": ["producer"]})
def member_retention(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of the previous campaign's active members (given links) still active (n_rows: those members)."""
    members = _active_members(inp, params["links"])
    if not isinstance(members, pd.DataFrame):
        return _all_seasons(inp, members)
    previous = inp.seasons["previous_row"].rename("previous")  # the season before each season (-1: none)
    earlier = members.rename(columns={"season": "previous"})  # last campaign's members, met again below
    still = members.drop_duplicates().assign(still=1.0)
    cohort = (
        previous[previous >= 0].rename_axis("season").reset_index()
        .merge(earlier, on="previous")
        .merge(still, how="left", on=["season", "actor_id"])
    )  # fmt: skip
    counts = cohort.fillna({"still": 0.0}).groupby("season").agg(n=("actor_id", "size"), kept=("still", "sum"))
    seasons = _member_seasons(inp).join(counts, on="season").fillna({"n": 0, "kept": 0.0})
    value = ratio(seasons["kept"], seasons["n"])
    no_previous = previous.to_numpy()[seasons["season"].to_numpy()] < 0
    reason = why(value, (no_previous, "no_previous_campaign"), (True, "no_previous_members"))
    return result(seasons, value, seasons["n"], reason)


def held_over_planned(inp: Inputs, kinds: list[str], no_plan: str) -> pd.DataFrame:
    """Events of `kinds` held / planned, capped at 1, for every season with events."""
    events = inp.get("governance_events")
    chosen = events["kind"].isin(kinds).to_numpy()
    seasons = per_season(
        inp,
        "governance_events",
        planned=chosen & flags(events["planned"]),
        held=chosen & flags(events["held"]),
        n=chosen,
    )
    value = np.minimum(ratio(seasons["held"], seasons["planned"]), 1.0)
    return result(seasons, value, seasons["n"], why(value, (True, no_plan)))


def _active_members(inp: Inputs, links: list[str]) -> pd.DataFrame | str | None:
    """The active members of the given links in the reviewed seasons (season number, actor_id: one row per
    membership row); else why not: None without memberships, "no_actors" without actors."""
    memberships, actors = inp.rows("memberships"), inp.get("actors")
    if memberships is None:
        return None
    if actors is None:
        return "no_actors"
    key = ("active_members", tuple(links))
    if key not in inp.memo:
        linked = actors.drop_duplicates("actor_id").loc[lambda a: a["link"].isin(links), ["actor_id"]]
        active = memberships[flags(memberships["active"])]
        inp.memo[key] = active[["season", "actor_id"]].merge(linked, on="actor_id")
    return inp.memo[key]


def _member_seasons(inp: Inputs) -> pd.DataFrame:
    """The reviewed seasons with memberships rows: season number, cluster_id, campaign."""
    seasons = np.unique(inp.season_of("memberships"))
    return inp.seasons.loc[seasons[seasons >= 0], SEASON].rename_axis("season").reset_index()


def _all_seasons(inp: Inputs, reason: str | None) -> pd.DataFrame:
    if reason is None:
        return empty()
    seasons = _member_seasons(inp)
    return result(seasons, np.full(len(seasons), np.nan), np.zeros(len(seasons)), reason)
