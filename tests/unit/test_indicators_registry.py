"""Adding an indicator: one grid entry and one registered function, no other file (issue 16)."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import yaml

from indicators import LEVELS, load_grid, run_review
from indicators.common import SEASON, empty, ratio, result
from indicators.grid import DEFAULT_GRID
from indicators.inputs import Inputs
from indicators.registry import METRICS, kept, metric
from reports.context import committee_context
from reports.i18n import catalogue
from reports.render import render_committee
from tests.support.frames import typed

C = "2024-2025"
EXPORT_ENTRY = {
    "id": "4.5", "axis": 4, "label_fr": "Part exportée", "label_en": "Export sales",
    "wording_fr": "Le cluster vend une part de son volume à l'export.", "metric": "export_share", "unit": "share",
    "direction": "higher", "cuts": [0.1, 0.3, 0.5], "min_rows": 2,
}  # fmt: skip


def export_share(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Sold kg on the given market kinds / sold kg, over the sales that name their buyer (n_rows: sales)."""
    sales = inp.rows("sales")
    if sales is None:
        return empty()
    sold = sales.assign(quantity_kg=sales["quantity_kg"].where(sales["buyer"].notna(), 0.0))
    sold = sold.assign(chosen_kg=sold["quantity_kg"].where(sold["market_kind"].isin(params["markets"]), 0.0))
    seasons = sold.groupby(SEASON, as_index=False).agg(
        kg=("quantity_kg", "sum"), chosen_kg=("chosen_kg", "sum"), n=("quantity_kg", "size")
    )
    value = ratio(seasons["chosen_kg"], seasons["kg"])
    return result(seasons, value, seasons["n"], pd.Series(value).isna().map({True: "no_named_buyer", False: None}))


def grid_with_export(tmp_path):
    """The packaged grid plus the test's entry 4.5 (and its count raised by one)."""
    doc = yaml.safe_load(DEFAULT_GRID.read_text(encoding="utf-8"))
    doc["entries"].append(copy.deepcopy(EXPORT_ENTRY))
    doc["entry_count"] += 1
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_grid(path)


def test_an_indicator_added_in_a_test_is_scored_and_worded_and_the_registry_is_left_as_it_was(tmp_path, monkeypatch):
    before = dict(METRICS)
    monkeypatch.setitem(catalogue("fr"), "reason_no_named_buyer", "aucune vente ne nomme son acheteur")
    monkeypatch.setitem(catalogue("en"), "reason_no_named_buyer", "no sale names its buyer")
    with kept():
        metric("share", "sales", defaults={"markets": ["export"]})(export_share)  # @metric, but only in here
        grid = grid_with_export(tmp_path)
        clusters = typed("clusters", [{"cluster_id": "EXP"}, {"cluster_id": "NUL", "language": "en"}])
        sales = typed(
            "sales",
            [  # EXP: 300 of 1000 kg to named buyers exported (the unnamed 50 kg left out); NUL: no buyer named
                {"cluster_id": "EXP", "market_kind": "export", "quantity_kg": 300.0, "buyer": "Lomé SA"},
                {"cluster_id": "EXP", "market_kind": "local", "quantity_kg": 100.0, "buyer": "Marché"},
                {"cluster_id": "EXP", "market_kind": "national", "quantity_kg": 600.0, "buyer": "Cotonou SA"},
                {"cluster_id": "EXP", "market_kind": "export", "quantity_kg": 50.0},
                {"cluster_id": "NUL", "market_kind": "export", "quantity_kg": 80.0},
                {"cluster_id": "NUL", "market_kind": "local", "quantity_kg": 20.0},
            ],
            campaign=C,
        )
        review = run_review({"clusters": clusters, "sales": sales}, C, grid=grid)
    assert before == METRICS  # the registry is as it was

    rows = review.indicators.set_index(["cluster_id", "indicator_id"])
    assert len(review.indicators) == 2 * 25
    exported = rows.loc[("EXP", "4.5")]
    assert (exported["value"], exported["score"], exported["status"]) == (0.3, 3, "computed")  # on the 0.3 cut -> 3
    assert (exported["unit"], exported["band_low"], exported["band_high"]) == ("share", 0.3, 0.5)
    nothing = rows.loc[("NUL", "4.5")]
    assert pd.isna(nothing["score"]) and nothing["reason"] == "no_named_buyer"
    axis_4 = review.axes.set_index(["cluster_id", "axis"]).loc[("EXP", 4)]
    assert (axis_4["n_scored"], axis_4["coverage"]) == (1, 1 / 5)  # 4.5 is its only scored indicator of 5
    bands = review.bands.set_index(["cluster_id", "indicator_id"]).loc[("EXP", "4.5")]
    assert (bands["cuts"], bands["set_by"], bands["source_table"]) == ((0.1, 0.3, 0.5), grid.source, "sales")

    for cluster_id, words in (("EXP", "Part exportée"), ("NUL", "no sale names its buyer")):
        cluster = clusters.set_index("cluster_id").loc[cluster_id].to_dict() | {"cluster_id": cluster_id}
        context = committee_context(
            cluster, C, review.indicators, review.axes, review.overall, review.alerts, "run-1", review.grid_hash,
            LEVELS, trend=review.trend, history=review.history,
        )  # fmt: skip
        shown = {row["id"]: row for row in context["indicators"]}
        assert "4.5" in shown and len(shown) == 25
        axis_4 = next(row for row in context["axes"] if row["axis"] == 4)
        assert axis_4["scored_text"].endswith(("sur\u00a05", "of 5 indicators scored")), axis_4["scored_text"]
        assert context["overall"]["scored_text"].endswith(("sur\u00a025", "of 25 indicators scored"))
        rendered = render_committee(context, b"")
        assert words in rendered.html and words in rendered.text
    assert shown["4.5"]["label"] == "Export sales" and shown["4.5"]["reason_text"] == "no sale names its buyer"
