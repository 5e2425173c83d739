"""A season across calendars: each cluster is reviewed on its own campaign ending in the season's year."""

from __future__ import annotations

import pandas as pd

from indicators.review import Review, run_review
from schemas.campaign import campaign_ending_in, season_year


def campaigns_by_cluster(clusters: pd.DataFrame, season: str, only: list[str] | None = None) -> dict[str, list[str]]:
    """Each cluster's own campaign ending in the season's year, grouped by campaign name."""
    year = season_year(season)
    chosen = clusters if not only else clusters[clusters["cluster_id"].isin(only)]
    unknown = sorted(set(only or []) - set(chosen["cluster_id"]))
    if unknown:
        raise ValueError(f"unknown cluster(s): {', '.join(unknown)}")
    groups: dict[str, list[str]] = {}
    for cluster_id, start, end in zip(
        chosen["cluster_id"], chosen["campaign_start_md"], chosen["campaign_end_md"], strict=True
    ):
        groups.setdefault(campaign_ending_in(year, start, end), []).append(cluster_id)
    return groups


CAMPAIGN_TABLES = (
    "assessments", "operating_accounts", "employment", "resources", "governance_events", "contracts", "sales",
    "member_services", "memberships", "deliveries",
)  # fmt: skip
"""The tables whose rows belong to one cluster's campaign: a cluster with none of them has nothing to review.
Smallest first: the search stops once every cluster is found, usually before the deliveries."""


class NoSeasonData(ValueError):
    """No cluster has any row for its campaign of the season: there is nothing to review."""


def clusters_with_data(tables: dict[str, pd.DataFrame], campaigns: dict[str, str]) -> set[str]:
    """The clusters (of `campaigns`: cluster id -> its reviewed campaign) with at least one row of that campaign
    in any campaign table."""
    wanted = pd.DataFrame({"cluster_id": list(campaigns), "campaign": list(campaigns.values())}, dtype="str")
    found: set[str] = set()
    for name in CAMPAIGN_TABLES:
        frame = tables.get(name)
        if frame is None or frame.empty or not {"cluster_id", "campaign"} <= set(frame.columns):
            continue
        keys = frame[["cluster_id", "campaign"]].astype("str").drop_duplicates()
        found |= set(keys.merge(wanted, how="inner", on=["cluster_id", "campaign"])["cluster_id"])
        if len(found) == len(wanted):
            break
    return found


def season_clusters(
    tables: dict[str, pd.DataFrame], season: str, only: list[str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The clusters to review for `season` (those with data, sorted) and those left out (id -> campaign);
    raises NoSeasonData when none has any row for its campaign."""
    groups = campaigns_by_cluster(tables["clusters"], season, only)
    campaigns = {cluster_id: name for name, ids in groups.items() for cluster_id in ids}
    with_data = clusters_with_data(tables, campaigns)
    left_out = {cluster_id: name for cluster_id, name in sorted(campaigns.items()) if cluster_id not in with_data}
    if not with_data:
        raise NoSeasonData(
            f"season {season}: no cluster has any data for its campaign ({', '.join(sorted(set(campaigns.values())))}"
            f"); nothing was reviewed or sent. Check the season's year, or submit the campaign's tables first."
        )
    return sorted(with_data), left_out


def review_season(tables: dict[str, pd.DataFrame], season: str, clusters: list[str] | None = None, **options) -> Review:
    """The review of `season` (`2025` or `2024-2025`: the year campaigns end) for every cluster at once:
    one vectorised pass per campaign calendar, never one per cluster."""
    groups = campaigns_by_cluster(tables["clusters"], season, clusters)
    campaigns = {cluster_id: name for name, ids in groups.items() for cluster_id in ids}
    return run_review(tables, season, clusters=list(campaigns), campaigns=campaigns, **options)


def latest_season(tables: dict[str, pd.DataFrame]) -> str:
    """The year in which the most recent campaign with deliveries ends."""
    deliveries = tables.get("deliveries")
    if deliveries is None or deliveries.empty:
        raise ValueError("no deliveries were accepted: name the season to review with --season")
    return str(max(season_year(name) for name in deliveries["campaign"].unique()))
