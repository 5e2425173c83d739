"""Metrics of axes 1 (governance) and 4 (communication): meetings, plan, services, accountability, loyalty."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import distinct_per_season, empty, flags, is_in, per_season, ratio, result, why
from indicators.inputs import Inputs
from indicators.keys import positions
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
    events = inp.get("governance_events")
    if events is None:
        return empty()
    held = events["kind"].isin(params["kinds"]).to_numpy() & flags(events["held"])
    kinds = distinct_per_season(inp, "governance_events", held, events["kind"])
    seasons = per_season(inp, "governance_events")
    return result(seasons, kinds[seasons["season"]], seasons["rows"])


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
    found = _active_members(inp, params["links"])
    if not isinstance(found, tuple):
        return _all_seasons(inp, found)
    season, actor, width, index = found
    services = inp.get("member_services")
    reported = np.zeros(len(inp.seasons), dtype=bool)
    served = np.zeros(len(season), dtype=bool)
    if services is not None:
        codes = inp.season_of("member_services")
        reported[codes[codes >= 0]] = True
        receiver = positions(index, services["actor_id"])
        known = (codes >= 0) & (receiver >= 0)
        served = is_in(season * width + actor, codes[known] * width + receiver[known])
    seasons = per_season(inp, "memberships")
    n = np.bincount(season, minlength=len(inp.seasons))[seasons["season"]]
    count = np.bincount(season, weights=served, minlength=len(inp.seasons))[seasons["season"]]
    has_services = reported[seasons["season"]]
    value = np.where(has_services, ratio(count, n), np.nan)
    reason = why(value, (~has_services, "no_member_services"), (n == 0, "no_active_members"))
    return result(seasons, value, n, reason)


@metric("share", "memberships", "actors", defaults={"links": ["producer"]})
def member_retention(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of the previous campaign's active members (given links) still active (n_rows: those members)."""
    found = _active_members(inp, params["links"])
    if not isinstance(found, tuple):
        return _all_seasons(inp, found)
    season, actor, width, _ = found
    previous = inp.seasons["previous_row"].to_numpy()
    following = np.full(len(inp.seasons) + 1, -1, dtype=np.int64)
    following[previous[previous >= 0]] = np.flatnonzero(previous >= 0)
    later = following[season]  # the season after each active member's season
    counted = later >= 0
    still = is_in(later[counted] * width + actor[counted], season * width + actor)
    seasons = per_season(inp, "memberships")
    n = np.bincount(later[counted], minlength=len(inp.seasons))[seasons["season"]]
    kept = np.bincount(later[counted], weights=still, minlength=len(inp.seasons))[seasons["season"]]
    value = ratio(kept, n)
    no_previous = previous[seasons["season"]] < 0
    reason = why(value, (no_previous, "no_previous_campaign"), (True, "no_previous_members"))
    return result(seasons, value, n, reason)


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


def _active_members(inp: Inputs, links: list[str]) -> tuple | str | None:
    """(season, actor number, actor count, actor index) of each active member of the given links; else why not."""
    memberships, actors = inp.get("memberships"), inp.get("actors")
    if memberships is None:
        return None
    if actors is None:
        return "no_actors"
    key = ("active_members", tuple(links))
    if key not in inp.memo:
        inp.memo[key] = _find_active(inp, memberships, actors, links)
    return inp.memo[key]


def _find_active(inp: Inputs, memberships: pd.DataFrame, actors: pd.DataFrame, links: list[str]) -> tuple:
    actors = actors.drop_duplicates("actor_id")
    index = pd.Index(actors["actor_id"])
    linked = np.append(actors["link"].isin(links).to_numpy(), False)
    actor = positions(index, memberships["actor_id"])
    season = inp.season_of("memberships")
    keep = (season >= 0) & flags(memberships["active"]) & linked[actor]
    return season[keep], actor[keep], max(len(index), 1), index


def _all_seasons(inp: Inputs, reason: str | None) -> pd.DataFrame:
    if reason is None:
        return empty()
    seasons = per_season(inp, "memberships")
    return result(seasons, np.full(len(seasons), np.nan), np.zeros(len(seasons)), reason)
