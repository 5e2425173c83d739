"""Beside a score, what a committee reads: who assessed it and on what grounds, the levels behind a trend,
and prices compared per product (issue 13's cases, from small frames through a real review and rendering)."""

from __future__ import annotations

import pandas as pd

from indicators import LEVELS, run_review
from reports.context import committee_context
from reports.render import render_committee
from tests.support.frames import typed

C, P, P2 = "2024-2025", "2023-2024", "2022-2023"


def dashboard(tables: dict[str, pd.DataFrame], **options) -> tuple[str, dict]:
    """The French committee dashboard (text part) of cluster A's review, and its indicator rows by id."""
    review = run_review(tables, C, **options)
    cluster = tables["clusters"].iloc[0].to_dict()
    context = committee_context(
        cluster, C, review.indicators, review.axes, review.overall, review.alerts, "run", review.grid_hash, LEVELS,
        trend=review.trend, history=review.history, qqrp=review.qqrp, prices=review.prices,
    )  # fmt: skip
    return render_committee(context, None).text, {row["id"]: row for row in context["indicators"]}


def test_a_coach_assessment_two_levels_apart_shows_both_sides_who_and_why():
    # Kétou's case: 4.3 computed 1 (one internal meeting); the coach rated it 3 and it prevails (qualitative).
    meeting = typed("governance_events", [{"event_id": "E1", "kind": "internal_meeting"}], cluster_id="A", campaign=C)
    answers = typed(
        "assessments",
        [{"indicator_id": "4.3", "score": 3, "assessed_by": "coach ATDA", "evidence": "Plan affiché au magasin"}],
        cluster_id="A",
        campaign=C,
    )
    text, rows = dashboard({"clusters": typed("clusters", [{"cluster_id": "A"}]), "governance_events": meeting,
                            "assessments": answers})  # fmt: skip
    row = rows["4.3"]
    assert row["mark"] == "3" and row["status_text"] == "apprécié par le coach ATDA"
    assert "Le calcul sur les données donne 1 (faible) et l'appréciation 3 (satisfaisant)" in row["note"]
    assert "« Plan affiché au magasin »" in row["note"] and row["note"] in text


def test_a_computed_score_beside_a_far_assessment_names_the_assessor():
    rows_ = [{"delivery_id": f"D{i}", "accepted_kg": 70.0, "quantity_kg": 100.0} for i in range(12)]
    deliveries = typed("deliveries", rows_, cluster_id="A", campaign=C)  # 30 % rejected: 5.4 scores 1
    answers = typed("assessments", [{"indicator_id": "5.4", "score": 4, "assessed_by": "comité de coordination"}],
                    cluster_id="A", campaign=C)  # fmt: skip
    _, rows = dashboard({"clusters": typed("clusters", [{"cluster_id": "A"}]), "deliveries": deliveries,
                         "assessments": answers})  # fmt: skip
    row = rows["5.4"]
    assert row["mark"] == "1" and row["status_text"] == "calculé"  # the computed value prevails for 5.4
    assert "Le comité de coordination l'apprécie à 4 (très satisfaisant)." in row["note"]


def test_5_2_shows_the_shares_behind_its_trend():
    sales = pd.concat(
        [typed("sales", [{"meets_client_standard": i < k, "quantity_kg": 100.0} for i in range(10)],
               cluster_id="A", campaign=c) for c, k in ((P2, 9), (P, 8), (C, 6))],
        ignore_index=True,
    )  # fmt: skip
    text, rows = dashboard({"clusters": typed("clusters", [{"cluster_id": "A"}]), "sales": sales})
    assert rows["5.2"]["levels_text"] == "Part vendue conforme : 90\u00a0% → 80\u00a0% → 60\u00a0%"
    assert "La part du volume vendu conforme aux normes du client a perdu 15\u00a0points par an." in text


def test_unlike_products_are_never_priced_side_by_side():
    shea = typed("clusters", [{"cluster_id": "A", "value_chain": "karité", "product": "noix de karité"}])
    sales = typed("sales", [{"product": "beurre de karité", "quantity_kg": 100.0, "unit_price_xof": 1673.0}],
                  cluster_id="A", campaign=C)  # fmt: skip
    deliveries = typed("deliveries", [{"delivery_id": "D1", "unit_price_xof": 200.0}], cluster_id="A", campaign=C)
    tables = {"clusters": shea, "sales": sales, "deliveries": deliveries}
    text, _ = dashboard(tables)
    assert "Prix moyen payé aux producteurs (noix de karité) : 200\u00a0F\u00a0CFA/kg" in text
    assert "beurre de karité : 1\u202f673\u00a0F\u00a0CFA/kg (produit transformé : ne se compare pas" in text
    converted, _ = dashboard(tables, conversions={("karité", "beurre de karité"): 4.0})
    assert "soit 418\u00a0F\u00a0CFA par kg de noix de karité" in converted
