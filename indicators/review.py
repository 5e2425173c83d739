"""The end-of-season review ("bilan en fin de campagne") of one campaign, for every cluster in one pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators.aggregate import axis_scores, overall_scores, trend, with_previous
from indicators.alerts import find_alerts, load_alert_rules
from indicators.bands import BANDS, resolve_bands
from indicators.catalog import METRICS
from indicators.common import SEASON
from indicators.completeness import COLUMNS as COMPLETENESS_COLUMNS
from indicators.completeness import completeness, minimum_rows
from indicators.grid import Grid, load_grid
from indicators.inputs import prepare
from indicators.metrics import compute_levels, compute_metrics
from indicators.people import ACCOUNT_COLUMNS, PEOPLE_COLUMNS, link_accounts, people_figures
from indicators.products import Conversions, load_conversions
from indicators.qqrp import COLUMNS as QQRP_COLUMNS
from indicators.qqrp import prices, qqrp
from indicators.scoring import score_metrics

INDICATOR_COLUMNS = [
    "cluster_id", "campaign", "indicator_id", "axis", "label_fr", "label_en", "metric", "value", "unit", "n_rows",
    "score", "status", "band_low", "band_high", "reason", "previous_score", "score_change",
    "computed_score", "assessed_score", "assessed_by", "assessed_on", "assessment_evidence",
]  # fmt: skip
AXIS_COLUMNS = [
    "cluster_id", "campaign", "axis", "label_fr", "label_en", "score", "coverage", "n_scored", "previous_score",
    "change",
]  # fmt: skip


@dataclass(frozen=True)
class Review:
    """A campaign's review: indicator, axis and overall scores, trend, QQRP panel and alerts, per cluster.

    `history` (beyond the contract's frames): the indicator rows of the cluster's last 3 campaigns up to this
    one (cluster_id, campaign, indicator_id, value, unit, score, status), and for trend indicators the level
    they follow (level, level_unit: 5.1's accepted kg, 5.2's share meeting the client standard).

    `qqrp_trend`: the QQRP panel of each cluster's last 3 campaigns up to this one (its charts).

    `bands`: the grid each cluster was scored with, one row per cluster and indicator (cluster_id,
    indicator_id, direction, cuts, mapping, min_rows, prevails, set_by: the file that set the cuts or mapping,
    source_table: the table the indicator's metric reads first). Reports word the bands from it, never from disk.

    `people`: jobs by sex and youth and who the active members are, one row per cluster (indicators.people);
    `accounts`: the guide's Table 7, one row per cluster and link with an operating account; `completeness`: the
    rows each cluster sent per table, missing or thin (indicators.completeness).
    """

    campaign: str
    grid_hash: str
    indicators: pd.DataFrame
    axes: pd.DataFrame
    overall: pd.DataFrame
    trend: pd.DataFrame
    qqrp: pd.DataFrame
    prices: pd.DataFrame
    alerts: pd.DataFrame
    history: pd.DataFrame
    bands: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*BANDS, "source_table"]))
    people: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PEOPLE_COLUMNS))
    accounts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ACCOUNT_COLUMNS))
    completeness: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COMPLETENESS_COLUMNS))
    qqrp_trend: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QQRP_COLUMNS))


def run_review(
    tables: dict[str, pd.DataFrame],
    campaign: str,
    clusters: list[str] | None = None,
    grid: Grid | None = None,
    alert_rules: dict[str, dict[str, Any]] | None = None,
    campaigns: Mapping[str, str] | None = None,
    conversions: Conversions | None = None,
) -> Review:
    """Review `campaign` for `clusters` (default: every cluster of the clusters table) from typed tables.

    Missing or empty tables make the indicators that need them "insufficient data" with a reason. Inputs
    are never modified. `alert_rules` defaults to the packaged alerts.yaml. `campaigns` maps clusters to their
    own reviewed campaign when calendars differ (a season: `2024-2025` for some, `2025` for others); the
    others are reviewed on `campaign`, which is also the review's label. All in one pass either way.
    `conversions` (default: the packaged products.yaml) turn sold products into their raw material for prices.
    """
    grid = grid if grid is not None else load_grid()
    rules = alert_rules if alert_rules is not None else load_alert_rules()
    conversions = conversions if conversions is not None else load_conversions()
    inp = prepare(tables, campaign, clusters, campaigns)
    bands = resolve_bands(grid, inp.clusters)
    metrics = compute_metrics(inp, grid.entries)
    scored = score_metrics(metrics, grid, bands, inp.get("assessments"))
    labels = pd.DataFrame(
        [(e.id, e.axis, e.label_fr, e.label_en) for e in grid.entries],
        columns=["indicator_id", "axis", "label_fr", "label_en"],
    )
    scored = with_previous(scored.merge(labels, how="left", on="indicator_id"), inp.seasons, ["indicator_id"], None)
    scored = scored.rename(columns={"change": "score_change"})
    axes = with_previous(axis_scores(scored, grid), inp.seasons, ["axis"], 1)
    overall = overall_scores(axes, scored, grid)
    current = _current(inp.seasons.loc[inp.seasons["current"], SEASON])
    indicators = current(scored)[INDICATOR_COLUMNS]
    current_axes = current(axes)[AXIS_COLUMNS]
    return Review(
        campaign=campaign,
        grid_hash=grid.grid_hash,
        indicators=indicators,
        axes=current_axes,
        overall=current(overall),
        trend=trend(axes, overall),
        qqrp=qqrp(inp, conversions),
        prices=prices(inp, conversions),
        alerts=find_alerts(indicators, current_axes, rules),
        history=scored[[*SEASON, "indicator_id", "value", "unit", "score", "status"]]
        .merge(compute_levels(inp, grid.entries), how="left", on=[*SEASON, "indicator_id"])
        .sort_values([*SEASON, "indicator_id"])
        .reset_index(drop=True),
        bands=_with_tables(bands, grid),
        people=people_figures(inp),
        accounts=link_accounts(inp),
        completeness=completeness(inp, minimum_rows(grid)),
        qqrp_trend=qqrp(inp, conversions, "recent"),
    )


def _with_tables(bands: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """The resolved bands, sorted by cluster and indicator, with the table each indicator's metric reads first."""
    tables = {entry.id: METRICS[entry.metric].source for entry in grid.entries}
    bands = bands.assign(source_table=bands["indicator_id"].map(tables).astype("str"))
    return bands.sort_values(["cluster_id", "indicator_id"]).reset_index(drop=True)


def _current(reviewed: pd.DataFrame):
    """A filter keeping a frame's rows of the reviewed seasons, sorted by cluster and key, reindexed."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        rows = frame.merge(reviewed, how="inner", on=SEASON)
        order = [c for c in ("cluster_id", "axis", "indicator_id") if c in rows]
        return rows.sort_values(order).reset_index(drop=True)

    return keep
