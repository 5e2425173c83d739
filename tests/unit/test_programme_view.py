"""The officers' programme view from small frames: spread of scores per indicator, median, clusters at 1 named,
the programme's trend, the ranking by change, the tables to chase; and a committee sees none of it."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

from indicators.completeness import COLUMNS as COMPLETENESS_COLUMNS
from indicators.people import PEOPLE_COLUMNS
from reports.i18n import catalogue
from reports.programme_context import programme_facts, programme_medians, programme_panel

NAMES = {"A": "Cluster Alpha", "B": "Cluster Bravo", "C": "Cluster Charlie"}


def indicator_rows(scores: dict[str, list]) -> pd.DataFrame:
    """Current-campaign indicator rows: indicator id -> scores of clusters A, B, C (None: not scored)."""
    rows = [
        {"cluster_id": c, "campaign": "2025", "indicator_id": i, "label_fr": f"Indicateur {i}",
         "label_en": f"Indicator {i}", "score": s}
        for i, values in scores.items() for c, s in zip("ABC", values, strict=True)
    ]  # fmt: skip
    return pd.DataFrame(rows).astype({"score": "Int64"})


def review_of(scores: dict[str, list], overall: dict[str, list], completeness: list[dict] | None = None):
    """A stand-in review: indicators, their history (this campaign only), the overall trend over campaigns
    `2023`..`2025` (cluster -> scores, None when not reviewed), completeness rows."""
    indicators = indicator_rows(scores)
    trend = pd.DataFrame(
        [{"cluster_id": c, "campaign": str(2023 + k), "axis": 0, "score": s}
         for c, values in overall.items() for k, s in enumerate(values) if s is not None]
    )  # fmt: skip
    current = trend[trend["campaign"] == "2025"][["cluster_id", "campaign", "score"]]
    return SimpleNamespace(
        indicators=indicators,
        history=indicators[["cluster_id", "campaign", "indicator_id", "score"]],
        trend=trend,
        overall=current.assign(level="fragile", coverage=1.0),
        completeness=pd.DataFrame(completeness or [], columns=COMPLETENESS_COLUMNS),
        people=pd.DataFrame(columns=PEOPLE_COLUMNS),
    )


def test_each_indicator_counts_clusters_per_score_with_the_median_and_names_at_1():
    review = review_of({"1.1": [1, 3, 1], "1.2": [4, None, 2]}, {"A": [2.0, 2.5, 2.0]})
    facts = json.loads(json.dumps(programme_facts(review, NAMES)))  # kept as JSON beside the site
    first, second = facts["indicators"]
    assert first["counts"] == [2, 0, 1, 0] and first["median"] == 1
    assert first["at_one"] == ["Cluster Alpha", "Cluster Charlie"]
    # 1.2: scores 4 and 2, one not scored: median 3, nobody at 1
    assert second["counts"] == [0, 1, 0, 1] and second["not_scored"] == 1 and second["median"] == 3
    assert second["at_one"] == []
    assert programme_medians(review.indicators) == {"1.1": 1.0, "1.2": 3.0}


def test_the_ranking_is_by_change_not_by_level_and_the_trend_is_the_median_per_season():
    overall = {"A": [3.0, 3.5, 3.0], "B": [1.0, 1.2, 2.0], "C": [None, None, 2.5]}
    facts = programme_facts(review_of({"1.1": [1, 2, 3]}, overall), NAMES)
    # changes since the previous campaign: A -0.5, B +0.8, C none (first campaign): B first, A, then C
    assert [(r["name"], r["change"]) for r in facts["ranking"]] == [
        ("Cluster Bravo", 0.8), ("Cluster Alpha", -0.5), ("Cluster Charlie", None)
    ]  # fmt: skip
    # medians per season: 2023 of (3, 1) = 2; 2024 of (3.5, 1.2) = 2.35; 2025 of (3, 2, 2.5) = 2.5
    assert [(r["year"], r["median"], r["n"]) for r in facts["trend"]] == [
        (2023, 2.0, 2),
        (2024, 2.35, 2),
        (2025, 2.5, 3),
    ]
    panel = programme_panel(facts, "fr", catalogue("fr"))
    assert [row["change"] for row in panel["ranking"]] == ["+0,80", "−0,50", "pas de campagne précédente"]
    assert panel["trend"].startswith("2023 : 2,00 (2 clusters)")


def test_the_tables_to_chase_name_the_cluster_the_missing_and_the_thin_ones():
    completeness = [
        {"cluster_id": "A", "campaign": "2025", "table": "sales", "rows": 0, "previous_rows": 4, "min_rows": 1,
         "status": "missing"},
        {"cluster_id": "A", "campaign": "2025", "table": "deliveries", "rows": 12, "previous_rows": 30,
         "min_rows": 10, "status": "thin"},
        {"cluster_id": "B", "campaign": "2025", "table": "sales", "rows": 9, "previous_rows": 8, "min_rows": 1,
         "status": "ok"},
    ]  # fmt: skip
    facts = programme_facts(review_of({"1.1": [1, 2, 3]}, {"A": [2, 2, 2]}, completeness), NAMES)
    assert [row["name"] for row in facts["completeness"]] == ["Cluster Alpha"]  # B sent everything
    line = programme_panel(facts, "fr", catalogue("fr"))["chase"][0]
    assert line.startswith("Cluster Alpha (2025) : manquent ventes")
    assert "livraisons 12 (contre 30 la campagne précédente)" in line


def committee_messages(medians: bool) -> dict[str, str]:
    """Every sample cluster's dashboard (HTML and text), built from the whole review as the flow does."""
    from indicators import LEVELS
    from reports.context import committee_context
    from reports.render import render_committee
    from tests.unit.test_reports_dashboard import review_sample

    review, clusters, rows = review_sample()
    texts = {}
    for cluster in clusters.to_dict("records"):
        campaign = review.overall.set_index("cluster_id").loc[cluster["cluster_id"], "campaign"]
        context = committee_context(
            cluster, campaign, review.indicators, review.axes, review.overall, review.alerts, "run", review.grid_hash,
            LEVELS, trend=review.trend, history=review.history, qqrp=review.qqrp, prices=review.prices,
            rows=rows[cluster["cluster_id"]], people=review.people, accounts=review.accounts,
            programme_medians=programme_medians(review.indicators) if medians else None,
        )  # fmt: skip
        rendered = render_committee(context, b"")
        texts[cluster["cluster_id"]] = rendered.html + rendered.text
    return texts


def test_a_committee_message_holds_no_other_clusters_name_or_figures_even_with_the_median():
    from reports.people_context import link_lines
    from tests.unit.test_reports_dashboard import review_sample

    review, clusters, _ = review_sample()
    figures = {  # each cluster's own Table 7 amounts as the dashboard words them, in either language
        c: {
            line[key]
            for language in ("fr", "en")
            for line in link_lines(review.accounts[review.accounts["cluster_id"] == c], language, catalogue(language))
            for key in ("value_added", "net_income")
        }
        for c in clusters["cluster_id"]
    }
    messages = committee_messages(medians=True)
    assert len(messages) >= 3
    medians = [catalogue(language)["programme_committee_median"].split("{")[0] for language in ("fr", "en")]
    for mine, message in messages.items():
        assert any(m in message for m in medians)  # the setting is on: the programme's median, nameless
        for other in clusters.to_dict("records"):
            if other["cluster_id"] == mine:
                continue
            for private in (other["name"], other["cluster_id"], other["aggregator_name"]):
                assert private not in message, f"{mine}'s message names {private}"
            leaked = {f for f in figures[other["cluster_id"]] - figures[mine] if f != "–" and f in message}
            assert not leaked, f"{mine}'s message shows {other['cluster_id']}'s figures {leaked}"


def test_the_programme_median_is_off_by_default(monkeypatch):
    from flows.settings import SettingsError, load_settings

    for name in ("VIGIE_SHOW_PROGRAMME_MEDIAN", "VIGIE_DATABASE_URL", "VIGIE_DATABASE_URL_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings({}).show_programme_median is False
    assert load_settings({"VIGIE_SHOW_PROGRAMME_MEDIAN": "oui"}).show_programme_median is True
    try:
        load_settings({"VIGIE_SHOW_PROGRAMME_MEDIAN": "peut-être"})
    except SettingsError as error:
        assert "VIGIE_SHOW_PROGRAMME_MEDIAN" in str(error)
    else:
        raise AssertionError("an unreadable yes/no setting was accepted")
    medians = [catalogue(language)["programme_committee_median"].split("{")[0] for language in ("fr", "en")]
    assert not any(m in message for m in medians for message in committee_messages(medians=False).values())


def test_the_programme_jobs_share_is_taken_of_the_jobs_whose_figure_is_known():
    from reports.people_context import programme_people

    people = pd.DataFrame(
        {"jobs": [10.0, 30.0, None], "women_jobs": [5.0, None, None], "women_jobs_of": [10.0, None, None],
         "youth_jobs": [2.0, 3.0, None], "youth_jobs_of": [10.0, 30.0, None], "women_share": [0.4, 0.6, None],
         "youth_share": [0.1, 0.3, None], "active_members": [5, 7, 0]}
    )  # fmt: skip
    figures = programme_people(people, "fr")
    # jobs 10 + 30; women 5 of the 10 jobs where known (not of 40); youth (2 + 3) / 40; medians of 0.4, 0.6 and 0.1, 0.3
    assert figures["jobs"] == "40" and figures["women_jobs"] == "50\u00a0%" and figures["youth_jobs"] == "12\u00a0%"
    assert (figures["women_members"], figures["youth_members"]) == ("50\u00a0%", "20\u00a0%")
    assert (figures["n_with_jobs"], figures["n_without_jobs"], figures["n_without_members"]) == (2, 1, 1)
