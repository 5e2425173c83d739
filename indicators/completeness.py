"""Data completeness before the review: per cluster and table, the rows sent for its campaign, and whether the
table is missing or thin, so an officer can chase it before (or beside) the scores.

Counted on the season index the review builds anyway (indicators.inputs: one bincount per table), so it costs
nothing beside a review and needs no scoring on its own (`vigie completeness`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.catalog import METRICS
from indicators.common import SEASON
from indicators.grid import Grid
from indicators.inputs import Inputs

THIN_SHARE = 0.5
"""A table is thin when it holds fewer rows than the grid's minimum, or under half its rows of the previous campaign."""
COLUMNS = [*SEASON, "table", "rows", "previous_rows", "min_rows", "status"]
"""One row per reviewed cluster and table: rows for the campaign, rows the campaign before (NA without one), the
grid's largest `min_rows` among the indicators that need the table first, status `missing`, `thin` or `ok`."""
STATUSES = ("missing", "thin", "ok")


def minimum_rows(grid: Grid) -> dict[str, int]:
    """Per table, the largest `min_rows` of the grid entries whose metric needs it first (at least 1)."""
    needs: dict[str, int] = {}
    for entry in grid.entries:
        table = METRICS[entry.metric].source
        needs[table] = max(needs.get(table, 1), int(entry.min_rows or 1))
    return needs


def completeness(inp: Inputs, min_rows: dict[str, int]) -> pd.DataFrame:
    """Rows per reviewed cluster and campaign table (and its actors), missing or thin (COLUMNS)."""
    from indicators.season import CAMPAIGN_TABLES  # indicators.season imports the review, which imports this

    current = np.flatnonzero(inp.seasons["current"].to_numpy())
    previous = inp.seasons["previous_row"].to_numpy()[current]
    frames = []
    for table in (*CAMPAIGN_TABLES, "actors"):
        counts = _counts(inp, table)
        known_before = (previous >= 0) & (table != "actors")  # actors belong to the cluster, not to a campaign
        before = pd.array(np.where(known_before, counts[np.maximum(previous, 0)], 0), dtype="Int64")
        before[~known_before] = pd.NA
        frames.append(
            inp.seasons.loc[current, SEASON].assign(
                table=table,
                rows=counts[current],
                previous_rows=before,
                min_rows=min_rows.get(table, 1),
            )  # fmt: skip
        )
    out = pd.concat(frames, ignore_index=True)
    thin = (out["rows"] < out["min_rows"]) | (out["rows"] < THIN_SHARE * out["previous_rows"].fillna(0))
    out["status"] = np.where(out["rows"] == 0, "missing", np.where(thin, "thin", "ok"))
    return out.sort_values([*SEASON, "table"]).reset_index(drop=True)[COLUMNS]


def _counts(inp: Inputs, table: str) -> np.ndarray:
    """Rows per season number (actors: per cluster, repeated on each of its seasons)."""
    n = len(inp.seasons)
    if table == "deliveries":
        counts = np.zeros(n, dtype=np.int64)
        if inp.deliveries is not None:
            counts[inp.deliveries["season"].to_numpy()] = inp.deliveries["n_rows"].to_numpy()
        return counts
    if table == "actors":
        actors = inp.get("actors")
        per_cluster = pd.Series(dtype="int64") if actors is None else actors.groupby("cluster_id").size()
        return inp.seasons["cluster_id"].map(per_cluster).fillna(0).to_numpy(dtype=np.int64)
    if inp.get(table) is None or table not in inp.codes:
        return np.zeros(n, dtype=np.int64)
    codes = inp.season_of(table)
    return np.bincount(codes[codes >= 0], minlength=n).astype(np.int64)


def season_completeness(tables: dict[str, pd.DataFrame], season: str, grid: Grid, clusters: list[str] | None = None):
    """Completeness of each cluster's own campaign of `season` (COLUMNS), without scoring anything."""
    from indicators.inputs import prepare
    from indicators.season import campaigns_by_cluster

    groups = campaigns_by_cluster(tables["clusters"], season, clusters)
    campaigns = {cluster_id: name for name, ids in groups.items() for cluster_id in ids}
    return completeness(prepare(tables, season, list(campaigns), campaigns), minimum_rows(grid))
