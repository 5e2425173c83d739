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
        raise ValueError("no deliveries were accepted: name the campaign to review with --campaign")
    return str(max(season_year(name) for name in deliveries["campaign"].unique()))
