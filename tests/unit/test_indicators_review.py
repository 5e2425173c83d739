"""run_review as a whole: insufficient data, assessed fallback, per-cluster independence, trends, QQRP, alerts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators import LEVELS, Review, run_review
from indicators.grid import load_grid
from indicators.grid_checks import GridError
from indicators.products import load_conversions
from schemas.tables import CONTRACTS, columns_of
from tests.support.frames import typed
from validations.contracts import check_table

C, P, P2, P3 = "2024-2025", "2023-2024", "2022-2023", "2021-2022"


def clusters(*ids: str) -> pd.DataFrame:
    return typed("clusters", [{"cluster_id": cid} for cid in ids])


def deliveries(cluster: str, campaign: str, n: int, accepted: float = 90.0, **extra) -> list[dict]:
    return [
        {"delivery_id": f"{cluster}-{campaign}-{i}", "cluster_id": cluster, "campaign": campaign,
         "accepted_kg": accepted, **extra}
        for i in range(n)
    ]  # fmt: skip


def indicator(review: Review, indicator_id: str, cluster: str = "A") -> pd.Series:
    frame = review.indicators
    return frame[(frame["cluster_id"] == cluster) & (frame["indicator_id"] == indicator_id)].iloc[0]


def test_the_review_has_the_contracted_shape():
    review = run_review({"clusters": clusters("A", "B")}, C)
    assert len(review.indicators) == 48 and len(review.axes) == 12 and len(review.overall) == 2
    assert list(review.indicators.columns) == [
        "cluster_id", "campaign", "indicator_id", "axis", "label_fr", "label_en", "metric", "value", "unit",
        "n_rows", "score", "status", "band_low", "band_high", "reason", "previous_score", "score_change",
        "computed_score", "assessed_score", "assessed_by", "assessed_on", "assessment_evidence",
    ]  # fmt: skip
    assert (
        str(review.indicators["score"].dtype) == "Int64" and str(review.indicators["previous_score"].dtype) == "Int64"
    )
    assert list(review.alerts.columns) == ["rule", "cluster_id", "campaign", "subject", "value", "previous", "severity"]
    assert set(LEVELS) == {"critique", "fragile", "en_progres", "performant"}


@pytest.mark.parametrize("table", [name for name in CONTRACTS if name != "clusters"])
def test_a_missing_or_empty_table_gives_insufficient_data_never_a_crash(table):
    empty = pd.DataFrame({column: pd.Series(dtype="object") for column in columns_of(table)})
    for tables in ({"clusters": clusters("A")}, {"clusters": clusters("A"), table: empty}):
        review = run_review(tables, C)
        assert (review.indicators["status"] == "insufficient_data").all()
        assert review.indicators["reason"].notna().all()
        assert review.overall["coverage"].tolist() == [0.0] and pd.isna(review.overall.loc[0, "level"])


def test_no_clusters_table_reviews_the_clusters_found_in_the_data():
    review = run_review({"deliveries": typed("deliveries", deliveries("Z", C, 12))}, C)
    assert indicator(review, "5.4", "Z")["score"] == 3  # 10 % rejected: not above 0.10 -> 3
    assert indicator(review, "1.2", "Z")["reason"] == "no_governance_events"


def test_too_few_rows_is_insufficient_but_shows_the_value():
    review = run_review({"clusters": clusters("A"), "deliveries": typed("deliveries", deliveries("A", C, 3))}, C)
    found = indicator(review, "5.4")  # 3 deliveries < min_rows 10
    assert (found["status"], found["reason"], found["n_rows"]) == ("insufficient_data", "too_few_rows", 3)
    assert found["value"] == pytest.approx(0.1) and pd.isna(found["score"])


def test_an_assessment_fills_in_where_the_metric_cannot_be_computed_only():
    answers = typed(
        "assessments",
        [{"indicator_id": "3.1", "score": 3}, {"indicator_id": "5.4", "score": 1}],
        cluster_id="A",
        campaign=C,
    )
    tables = {"clusters": clusters("A"), "assessments": answers}
    found = indicator(run_review(tables, C), "3.1")
    assert (found["score"], found["status"], found["reason"]) == (3, "assessed", "no_deliveries")
    tables["deliveries"] = typed("deliveries", deliveries("A", C, 12))
    found = indicator(run_review(tables, C), "5.4")
    assert (found["score"], found["status"]) == (3, "computed")  # a computed value wins over an assessment


def test_the_assessment_prevails_for_qualitative_indicators_and_both_sides_are_kept():
    # Kétou's case: the coach rated 4.3 (internal communication plan) at 2; one internal meeting alone scores 1.
    meeting = typed(
        "governance_events",
        [{"event_id": "E1", "kind": "internal_meeting", "event_date": "2024-12-02"}],
        cluster_id="A",
        campaign=C,
    )
    answers = typed(
        "assessments",
        [{"indicator_id": "4.3", "score": 2, "assessed_by": "coach ATDA", "evidence": "Plan affiché au magasin"},
         {"indicator_id": "1.3", "score": 4, "assessed_by": "comité de coordination"}],
        cluster_id="A",
        campaign=C,
    )  # fmt: skip
    tables = {"clusters": clusters("A"), "governance_events": meeting, "assessments": answers}
    review = run_review(tables, C)
    found = indicator(review, "4.3")  # qualitative (grid: prevails: assessment)
    assert (found["score"], found["status"], found["computed_score"], found["assessed_score"]) == (2, "assessed", 1, 2)
    assert (found["assessed_by"], found["assessment_evidence"]) == ("coach ATDA", "Plan affiché au magasin")
    assert found["value"] == 1 and found["band_low"] == 0  # the computed side stays readable
    assert not ((review.alerts["subject"] == "4.3") & (review.alerts["rule"] == "critical_indicator")).any()
    services = indicator(review, "1.3")  # no memberships: nothing computed, the answer fills in
    assert (services["status"], services["score"], services["assessed_by"]) == ("assessed", 4, "comité de coordination")


def test_a_committee_may_let_the_computed_value_prevail(tmp_path):
    (tmp_path / "a.yaml").write_text('cluster_id: A\nentries:\n  "4.3": {prevails: computed}\n', encoding="utf-8")
    grid = load_grid(overrides=[tmp_path])
    meeting = typed("governance_events", [{"event_id": "E1", "kind": "internal_meeting"}], cluster_id="A", campaign=C)
    answers = typed("assessments", [{"indicator_id": "4.3", "score": 2}], cluster_id="A", campaign=C)
    tables = {"clusters": clusters("A"), "governance_events": meeting, "assessments": answers}
    found = indicator(run_review(tables, C, grid=grid), "4.3")
    assert (found["score"], found["status"], found["assessed_score"]) == (1, "computed", 2)


def test_an_assessment_without_assessor_or_date_is_a_row_problem():
    raw = pd.DataFrame(
        {
            "cluster_id": ["A", "A", "A"],
            "campaign": [C] * 3,
            "indicator_id": ["4.1", "4.3", "1.1"],
            "score": ["3", "2", "2"],
            "assessed_by": [None, "coach", "comité"],
            "assessed_on": ["2025-06-01", None, "2025-06-02"],
        },
        dtype="str",
    )  # fmt: skip  (text cells as read from a file: missing cells are NA)
    checked = check_table("assessments", raw)
    assert checked.accepted["indicator_id"].tolist() == ["1.1"]
    assert checked.rejected["reasons"].tolist() == ["assessed_by: is required", "assessed_on: is required"]
    assert checked.rejected["assessed_on"].isna().tolist() == [False, True]  # the cells kept as sent


def two_cluster_tables() -> dict[str, pd.DataFrame]:
    rows = deliveries("A", P, 12, 80.0, delivery_date="2023-11-06") + deliveries("A", C, 12, 95.0)
    rows += deliveries("B", P, 15, 70.0, delivery_date="2023-12-04", contract_id="K1") + deliveries("B", C, 11, 50.0)
    events = [
        {"cluster_id": cid, "campaign": c, "event_id": f"{cid}{c}{k}", "kind": kind, "held": held}
        for cid, c, k, kind, held in [
            ("A", P, 1, "committee_meeting", True), ("A", C, 1, "committee_meeting", False),
            ("A", C, 2, "committee_meeting", True), ("B", C, 1, "fair", True), ("B", P, 1, "fair", True),
        ]
    ]  # fmt: skip
    return {
        "clusters": clusters("A", "B"),
        "deliveries": typed("deliveries", rows),
        "governance_events": typed("governance_events", events),
        "assessments": typed("assessments", [{"cluster_id": "B", "campaign": C, "indicator_id": "4.1", "score": 4}]),
    }


def only(tables: dict[str, pd.DataFrame], cluster: str) -> dict[str, pd.DataFrame]:
    return {name: frame[frame["cluster_id"] == cluster].reset_index(drop=True) for name, frame in tables.items()}


def test_each_clusters_results_do_not_depend_on_the_other_clusters_data():
    tables = two_cluster_tables()
    together = run_review(tables, C)
    for cluster in ("A", "B"):
        alone = run_review(only(tables, cluster), C)
        for frame in ("indicators", "axes", "overall", "trend", "qqrp", "alerts", "history"):
            both = getattr(together, frame)
            mine = both[both["cluster_id"] == cluster].reset_index(drop=True)
            pd.testing.assert_frame_equal(mine, getattr(alone, frame), check_dtype=False, obj=f"{cluster} {frame}")


def test_inputs_are_not_modified():
    tables = two_cluster_tables()
    before = {name: frame.copy(deep=True) for name, frame in tables.items()}
    run_review(tables, C)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_previous_score_change_and_the_three_campaign_trend():
    rows = []
    for campaign, accepted in ((P3, 95.0), (P2, 95.0), (P, 95.0), (C, 75.0)):
        rows += deliveries("A", campaign, 10, accepted, delivery_date=f"{campaign[:4]}-11-04")
    review = run_review({"clusters": clusters("A"), "deliveries": typed("deliveries", rows)}, C)
    losses = indicator(review, "5.4")
    # 5 % rejected before (score 4), 25 % now (above 0.20 -> 1): a drop of 3 levels
    assert (losses["score"], losses["previous_score"], losses["score_change"]) == (1, 4, -3)
    assert sorted(review.trend["campaign"].unique()) == [P2, P, C]  # 4 campaigns in the data, the last 3 shown
    assert set(review.trend["axis"]) == {0, 1, 2, 3, 4, 5, 6}
    axis5 = review.axes[review.axes["axis"] == 5].iloc[0]
    # before: 5.1 flat volume, growth 0 -> 2; 5.4 -> 4: (2 + 4) / 2 = 3.0 (5.2, 5.3 have no data)
    # now: 5.1 (75 / 95) ** (1/2) - 1 = -0.11 -> 1; 5.4 -> 1: 1.0; change -2.0
    assert (axis5["score"], axis5["previous_score"], axis5["change"]) == (1.0, 3.0, -2.0)


def test_alerts_critical_and_sharp_declines_once_per_natural_key():
    rows = []
    for campaign, accepted in ((P, 95.0), (C, 75.0)):
        rows += deliveries("A", campaign, 10, accepted, delivery_date=f"{campaign[:4]}-11-04", contract_id="K1")
    tables = {"clusters": clusters("A"), "deliveries": typed("deliveries", rows)}
    alerts = run_review(tables, C).alerts
    keys = list(zip(alerts["rule"], alerts["subject"], strict=True))
    assert ("critical_indicator", "5.4") in keys and ("sharp_decline_indicator", "5.4") in keys
    assert ("sharp_decline_axis", "axis-5") in keys
    assert not alerts.duplicated(["rule", "cluster_id", "campaign", "subject"]).any()
    decline = alerts[(alerts["rule"] == "sharp_decline_indicator")].iloc[0]
    assert (decline["value"], decline["previous"], decline["severity"]) == (1.0, 4.0, "medium")
    pd.testing.assert_frame_equal(alerts, run_review(tables, C).alerts)  # a rerun gives the same alerts


def test_overall_score_level_and_coverage():
    answers = typed(
        "assessments",
        [{"indicator_id": i, "score": s} for i, s in (("1.1", 1), ("1.2", 2), ("2.1", 3), ("4.1", 4))],
        cluster_id="A",
        campaign=C,
    )
    review = run_review({"clusters": clusters("A"), "assessments": answers}, C)
    overall = review.overall.iloc[0]
    # axis 1: (1 + 2) / 2 = 1.5, axis 2: 3, axis 4: 4 -> (1.5 + 3 + 4) / 3 = 2.83 -> en_progres; 4 of 24 scored
    assert (overall["score"], overall["level"]) == (2.83, "en_progres")
    assert overall["coverage"] == pytest.approx(4 / 24)


def test_qqrp_panel():
    rows = deliveries("A", C, 2, 90.0, quantity_kg=100.0, unit_price_xof=200.0, delivery_date="2024-10-01")
    rows += deliveries("A", C, 1, 180.0, quantity_kg=200.0, unit_price_xof=230.0, delivery_date="2024-10-20")
    rows[-1]["delivery_id"] = "late"
    sales = typed(
        "sales",
        [{"quantity_kg": 300.0, "unit_price_xof": 400.0}, {"quantity_kg": 100.0, "unit_price_xof": 500.0,
                                                            "meets_client_standard": False}],
        cluster_id="A",
        campaign=C,
    )  # fmt: skip
    tables = {"clusters": clusters("A"), "deliveries": typed("deliveries", rows), "sales": sales}
    panel = run_review(tables, C).qqrp.iloc[0]
    assert (panel["accepted_kg"], panel["sold_kg"], panel["quality_share"]) == (360.0, 400.0, 0.75)
    assert panel["campaign_weeks"] == 39  # 2024-10-01 .. 2025-06-30 = 273 days = 39 weeks
    assert panel["regular_weeks_share"] == pytest.approx(2 / 39)  # weeks 0 and 2 have deliveries
    weekly = [180.0, 0.0, 180.0] + [0.0] * 36
    mean = sum(weekly) / 39
    cv = math.sqrt(sum((w - mean) ** 2 for w in weekly) / 39) / mean
    assert panel["weekly_volume_cv"] == pytest.approx(cv)
    assert panel["producer_price_xof"] == pytest.approx((2 * 90 * 200 + 180 * 230) / 360)  # 215 XOF/kg accepted
    assert math.isnan(panel["selling_price_xof"])  # rice sold, paddy bought: no ratio, the prices are not comparable
    milled = run_review(tables, C, conversions={("riz", "riz"): 1.5})  # 1.5 kg of paddy per kg of rice
    assert milled.qqrp.iloc[0]["selling_price_xof"] == pytest.approx((300 * 400 + 100 * 500) / (400 * 1.5))


def test_prices_are_compared_per_product_and_only_where_comparable():
    # Tanguiéta's case: shea nuts bought at 200 F CFA/kg, butter sold at 1 673: not to be printed side by side.
    shea = clusters("A").assign(value_chain="karité", product="noix de karité")
    sales = typed(
        "sales",
        [{"product": "beurre de karité", "quantity_kg": 100.0, "unit_price_xof": 1700.0},
         {"product": "Noix  de karité", "quantity_kg": 50.0, "unit_price_xof": 240.0}],
        cluster_id="A",
        campaign=C,
    )  # fmt: skip
    tables = {"clusters": shea, "sales": sales}
    review = run_review(tables, C, conversions={})
    by_product = review.prices.set_index("product")
    assert by_product.loc["beurre de karité", "selling_price_xof"] == 1700.0
    assert math.isnan(by_product.loc["beurre de karité", "raw_price_xof"])  # no ratio: not comparable
    assert by_product.loc["Noix  de karité", "raw_kg_per_kg"] == 1.0  # the nuts themselves, whatever the spacing
    assert review.qqrp.iloc[0]["selling_price_xof"] == 240.0  # only the comparable product
    with_ratio = run_review(tables, C, conversions={("karité", "beurre de karité"): 4.0})
    butter = with_ratio.prices.set_index("product").loc["beurre de karité"]
    assert butter["raw_price_xof"] == 425.0  # 1700 F CFA for the 4 kg of nuts in a kg of butter
    assert with_ratio.qqrp.iloc[0]["selling_price_xof"] == pytest.approx((170_000 + 12_000) / (400 + 50))


def test_a_malformed_conversion_file_is_refused(tmp_path):
    bad = tmp_path / "products.yaml"
    bad.write_text("conversions:\n  karité:\n    beurre de karité: -3\n", encoding="utf-8")
    with pytest.raises(GridError, match="karité/beurre de karité: the ratio must be a positive number"):
        load_conversions(bad)
    assert load_conversions()[("ananas", "ananas frais calibré")] == 1.0  # the packaged file reads


def test_a_single_year_calendar_and_a_subset_of_clusters():
    registry = typed(
        "clusters",
        [
            {"cluster_id": "M", "campaign_start_md": "04-01", "campaign_end_md": "09-30"},
            {"cluster_id": "N", "campaign_start_md": "04-01", "campaign_end_md": "09-30"},
        ],
    )
    events = typed(
        "governance_events",
        [{"event_id": "E1", "kind": "campaign_plan_adopted", "event_date": "2025-05-31"}],
        cluster_id="M",
        campaign="2025",
    )
    review = run_review({"clusters": registry, "governance_events": events}, "2025", clusters=["M"])
    assert review.overall["cluster_id"].tolist() == ["M"]
    found = indicator(review, "1.2", "M")
    assert (found["value"], found["score"]) == (60.0, 3)  # 2025-04-01 -> 2025-05-31 = 60 days: <= 60 -> 3
    assert math.isnan(found["band_high"]) is False and found["band_high"] == 60.0


def test_clusters_on_different_calendars_are_reviewed_in_one_pass():
    registry = typed(
        "clusters",
        [
            {"cluster_id": "A"},  # 10-01 .. 06-30: campaigns named 2024-2025
            {"cluster_id": "M", "campaign_start_md": "04-01", "campaign_end_md": "09-30"},  # campaigns named 2025
        ],
    )
    rows = deliveries("A", P, 10, 95.0, delivery_date="2023-11-06") + deliveries("A", C, 10, 80.0)
    rows += deliveries("M", "2024", 10, 90.0, delivery_date="2024-05-06")
    rows += deliveries("M", "2025", 10, 70.0, delivery_date="2025-05-05")
    tables = {"clusters": registry, "deliveries": typed("deliveries", rows)}
    together = run_review(tables, "2025", campaigns={"A": C})
    assert together.campaign == "2025"
    assert sorted(zip(together.overall["cluster_id"], together.overall["campaign"], strict=True)) == [
        ("A", C),
        ("M", "2025"),
    ]
    for cluster, campaign in (("A", C), ("M", "2025")):
        alone = run_review(tables, campaign, clusters=[cluster])
        for frame in ("indicators", "axes", "overall", "alerts", "qqrp"):
            both = getattr(together, frame)
            mine = both[both["cluster_id"] == cluster].reset_index(drop=True)
            pd.testing.assert_frame_equal(mine, getattr(alone, frame), check_dtype=False, obj=f"{cluster} {frame}")
    assert indicator(together, "5.4", "M")["previous_score"] == 3  # 2024: 10 % rejected -> 3; 2025: 30 % -> 1


def test_nothing_to_review_gives_empty_frames():
    review = run_review({}, C)
    assert review.indicators.empty and review.overall.empty and review.alerts.empty and review.qqrp.empty
    with pytest.raises(ValueError, match="not of the form"):
        run_review({}, "2024/2025")


def test_the_qqrp_trend_holds_the_last_three_campaigns_for_the_charts():
    rows = []
    for campaign, accepted in ((P3, 50.0), (P2, 60.0), (P, 70.0), (C, 80.0)):
        rows += deliveries("A", campaign, 10, accepted, unit_price_xof=200.0, delivery_date=f"{campaign[:4]}-11-04")
    sales = [{"sale_id": f"S-{c}", "cluster_id": "A", "campaign": c, "quantity_kg": kg, "unit_price_xof": 300.0}
             for c, kg in ((P, 400.0), (C, 500.0))]  # fmt: skip
    tables = {"clusters": clusters("A"), "deliveries": typed("deliveries", rows), "sales": typed("sales", sales)}
    review = run_review(tables, C)
    panel = review.qqrp_trend.set_index("campaign")
    assert list(panel.index) == [P2, P, C]  # 4 campaigns in the data, the last 3 kept, oldest first
    assert panel["accepted_kg"].tolist() == [600.0, 700.0, 800.0]  # 10 deliveries each
    assert math.isnan(panel.loc[P2, "sold_kg"]) and panel.loc[C, "sold_kg"] == 500.0
    assert panel.loc[P, "producer_price_xof"] == 200.0
    current = review.qqrp.iloc[0]
    assert (current["campaign"], current["accepted_kg"]) == (C, 800.0)  # the panel itself keeps one campaign
