"""The inputs of one review: the tables, the clusters reviewed, their seasons, and each row's season number.

A season is a (cluster_id, campaign) pair. Every table row is given the number of its season once (-1 when it
belongs to no reviewed season: another cluster, or a campaign after the reviewed one), so metrics sum with
`np.bincount` instead of grouping on text keys, and no table is ever filtered or copied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from indicators.common import campaign_key, season_windows
from indicators.deliveries import aggregate_deliveries
from indicators.keys import positions
from schemas.campaign import parse_campaign

CALENDAR = ["cluster_id", "value_chain", "campaign_start_md", "campaign_end_md", "product"]
RECENT = 3  # campaigns kept for trends, the reviewed one included
REVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "deliveries": (
        "cluster_id", "campaign", "supplier_actor_id", "delivery_date", "quantity_kg", "accepted_kg",
        "meets_standard", "lot_id", "unit_price_xof", "contract_id",
    ),
}  # fmt: skip
"""The columns the review reads from its largest tables (a store reads only these: ids and labels stay on disk)."""


@dataclass(frozen=True)
class Inputs:
    """Tables as given (present and non-empty), the registry of reviewed clusters, and the season index.

    `seasons` (row number = season number): cluster_id, campaign, first_year, previous (the cluster's latest
    earlier campaign with data), previous_row, gap_years, start, end (campaign window, NaT when the calendar is
    unknown), recent (among the cluster's last 3 up to its reviewed campaign), current (the reviewed one).
    `deliveries`: one row per season with deliveries (see indicators.deliveries), with its `season` number.
    """

    campaign: str
    tables: dict[str, pd.DataFrame]
    clusters: pd.DataFrame
    seasons: pd.DataFrame
    codes: dict[str, np.ndarray]
    deliveries: pd.DataFrame | None
    delivered_by_contract: pd.Series | None
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # shared work between metrics

    def get(self, name: str) -> pd.DataFrame | None:
        """The table `name`, or None when it is missing or empty."""
        return self.tables.get(name)

    def rows(self, name: str) -> pd.DataFrame | None:
        """The rows of table `name` that belong to a reviewed season, with their `season` number (a filtered
        copy), or None without the table.

        For metrics written as a plain groupby on (cluster_id, campaign) or on the season number; the big
        deliveries table is not here (see `deliveries`, its per-season sums).
        """
        frame = self.tables.get(name)
        if frame is None:
            return None
        keep = self.codes[name] >= 0
        return frame[keep].assign(season=self.codes[name][keep])

    def season_of(self, name: str) -> np.ndarray:
        """The season number of each row of table `name` (-1 outside the reviewed seasons)."""
        return self.codes[name]


def prepare(
    tables: dict[str, pd.DataFrame],
    campaign: str,
    clusters: list[str] | None,
    campaigns: Mapping[str, str] | None = None,
) -> Inputs:
    """Index the inputs of the review of `campaign` (or of each cluster's own campaign in `campaigns`)."""
    parse_campaign(campaign)
    present = {
        name: frame
        for name, frame in tables.items()
        if name != "clusters" and frame is not None and not frame.empty and "cluster_id" in frame
    }
    registry = _registry(tables.get("clusters"), present, clusters)
    registry["current"] = registry["cluster_id"].map(dict(campaigns or {})).fillna(campaign).astype("str")
    for name in registry["current"].unique():
        parse_campaign(name)
    by_season, by_contract = aggregate_deliveries(present.pop("deliveries", None), registry, present.get("actors"))
    named = {name: frame for name, frame in present.items() if "campaign" in frame}
    campaign_index = pd.Index(sorted(_campaign_names(named, by_season, registry)), dtype="str")
    cluster_index = pd.Index(registry["cluster_id"], dtype="str")
    pairs = {name: _pair_codes(frame, cluster_index, campaign_index) for name, frame in named.items()}
    found = [np.unique(codes[codes >= 0]) for codes in pairs.values()]
    if by_season is not None:
        found.append(_pair_codes(by_season, cluster_index, campaign_index))
    found.append(_pair_codes(registry.assign(campaign=registry["current"]), cluster_index, campaign_index))
    seasons = _seasons(np.unique(np.concatenate(found)), cluster_index, campaign_index, registry)
    row_of = np.full(len(cluster_index) * len(campaign_index) + 1, -1, dtype=np.int64)
    row_of[seasons["pair"].to_numpy()] = np.arange(len(seasons))
    codes = {name: row_of[np.where(pair >= 0, pair, -1)] for name, pair in pairs.items()}
    if by_season is not None:
        by_season = by_season.assign(season=row_of[_pair_codes(by_season, cluster_index, campaign_index)])
        by_season = by_season[by_season["season"] >= 0].reset_index(drop=True)
    return Inputs(campaign, present, registry, seasons.drop(columns="pair"), codes, by_season, by_contract)


def _registry(frame: pd.DataFrame | None, present: dict, clusters: list[str] | None) -> pd.DataFrame:
    """The reviewed clusters with their value chain and calendar (NA when the clusters table lacks them)."""
    if frame is not None and len(frame):
        known = frame.reindex(columns=CALENDAR).drop_duplicates("cluster_id")
    else:
        known = pd.DataFrame(columns=CALENDAR, dtype="str")
    if clusters is None:
        ids = known["cluster_id"].tolist()
        if not ids:  # no registry: every cluster that appears in the data
            ids = sorted(set().union(*(pd.unique(t["cluster_id"].dropna()) for t in present.values())))
    else:
        ids = list(dict.fromkeys(clusters))
    registry = pd.DataFrame({"cluster_id": pd.array(ids, dtype="str")}).merge(known, how="left", on="cluster_id")
    return registry.astype({column: "str" for column in CALENDAR})


def _campaign_names(named: dict, by_season: pd.DataFrame | None, registry: pd.DataFrame) -> set[str]:
    """Every valid campaign name found in the tables, plus the reviewed ones."""
    names = set(registry["current"])
    for frame in [*named.values(), *([by_season] if by_season is not None else [])]:
        names.update(str(name) for name in pd.unique(frame["campaign"].dropna()))
    return {name for name in names if campaign_key(name) is not None}


def _pair_codes(frame: pd.DataFrame, clusters: pd.Index, campaigns: pd.Index) -> np.ndarray:
    """cluster number * campaigns + campaign number for each row (-1 when either is not indexed)."""
    cluster = positions(clusters, frame["cluster_id"])
    campaign = positions(campaigns, frame["campaign"])
    return np.where((cluster >= 0) & (campaign >= 0), cluster * len(campaigns) + campaign, -1)


def _seasons(pairs: np.ndarray, clusters: pd.Index, campaigns: pd.Index, registry: pd.DataFrame) -> pd.DataFrame:
    """The season index: seasons up to each cluster's reviewed campaign, in order, with previous and recency."""
    keys = [campaign_key(name) for name in campaigns]
    seasons = pd.DataFrame(
        {
            "pair": pairs,
            "cluster_id": clusters.to_numpy()[pairs // len(campaigns)],
            "campaign": campaigns.to_numpy()[pairs % len(campaigns)],
            "first_year": np.array([key[0] for key in keys], dtype=np.int64)[pairs % len(campaigns)],
            "_last": np.array([key[1] for key in keys], dtype=np.int64)[pairs % len(campaigns)],
        }
    ).merge(registry, how="left", on="cluster_id")
    current = seasons["current"].map({name: key for name, key in zip(campaigns, keys, strict=True)})
    ordered = zip(seasons["first_year"], seasons["_last"], current, strict=True)
    up_to = np.array([(first, last) <= key for first, last, key in ordered], dtype=bool)
    seasons = seasons[up_to].sort_values(["cluster_id", "first_year", "_last"]).reset_index(drop=True)
    grouped = seasons.groupby("cluster_id", sort=False)
    seasons["previous"] = grouped["campaign"].shift(1)
    seasons["previous_row"] = np.where(seasons["previous"].notna(), np.arange(len(seasons)) - 1, -1)
    seasons["gap_years"] = (seasons["first_year"] - grouped["first_year"].shift(1)).astype("Int64")
    seasons["recent"] = grouped.cumcount(ascending=False) < RECENT
    seasons["current"] = seasons["campaign"] == seasons["current"]
    seasons["start"], seasons["end"] = season_windows(seasons)
    return seasons.drop(columns="_last").astype({"cluster_id": "str", "campaign": "str", "previous": "str"})
