"""The officers' programme-wide view: every cluster by axis, ranked, with data quality and delivery status."""

from __future__ import annotations

import pandas as pd

from indicators import LEVELS
from reports.officer_context import cluster_table, officer_context
from reports.render import render_officer
from tests.unit.test_reports_dashboard import review_sample


def sample_table() -> pd.DataFrame:
    review, clusters, _ = review_sample()
    return cluster_table(review.overall, review.axes, review.alerts, clusters)


def test_clusters_are_ranked_best_first_with_their_axes_and_alerts():
    review = review_sample()[0]
    table = sample_table()
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert list(table["score"]) == sorted(review.overall["score"], reverse=True)
    for row in table.to_dict("records"):
        axes = review.axes[review.axes["cluster_id"] == row["cluster_id"]].set_index("axis")["score"]
        assert [row[f"axis_{a}"] for a in range(1, 7)] == [axes[a] for a in range(1, 7)]
        mine = review.alerts[review.alerts["cluster_id"] == row["cluster_id"]]
        critical = set(mine.loc[mine["rule"] == "critical_indicator", "subject"])
        said_twice = ((mine["rule"] == "sharp_decline_indicator") & mine["subject"].isin(critical)).sum()
        assert row["alerts"] == len(mine) - int(said_twice), "critical and in sharp decline: counted once"


def test_the_view_shows_every_cluster_levels_quality_and_delivery():
    table = sample_table()
    delivery = pd.DataFrame(
        [{"scope": table.iloc[0]["cluster_id"], "status": "sent", "n": 2},
         {"scope": table.iloc[0]["cluster_id"], "status": "given_up", "n": 1}]
    )  # fmt: skip
    counts = {"deliveries": {"read": 1000, "accepted": 950, "rejected": 50}}
    context = officer_context(table, "2025", "run-3", "a" * 64, LEVELS, counts=counts, delivery=delivery)
    assert [row["name"] for row in context["rows"]] == list(table["name"])
    assert sum(level["n"] for level in context["levels"]) == len(table)
    assert context["quality"] == [
        {"table": "livraisons", "read": "1\u202f000", "accepted": "950", "refused": "50", "refused_share": "5\u00a0%"}
    ]
    assert context["rows"][0]["delivery"] == "1 abandonnés · 2 envoyés"
    rendered = render_officer(context, None)
    assert "Réservé aux chargés de suivi-évaluation" in rendered.html
    assert all(name in rendered.html for name in table["name"])
    assert rendered.subject == f"Vigie · programme · saison 2025 : {len(table)} clusters revus"


def test_site_links_go_to_each_clusters_page_and_names_are_escaped():
    table = sample_table().assign(name=lambda t: t["name"].where(t["rank"] != 1, "<b>x</b>"))
    links = {c: f"cluster-{c}.html" for c in table["cluster_id"]}
    html = render_officer(officer_context(table, "2025", "run", "a" * 64, LEVELS, links=links), None).html
    assert all(f'href="cluster-{c}.html"' in html for c in table["cluster_id"])
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
