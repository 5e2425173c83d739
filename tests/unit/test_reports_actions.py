"""The dashboard's priorities, targets and plan follow-up, rendered from small frames on the sample review: no
plan, an overdue action, a target met, an indicator without enough data among the priorities."""

from __future__ import annotations

import html as html_module
from datetime import date

import pandas as pd
import pytest

from indicators import LEVELS
from indicators.action_plan import follow_up, indicator_targets, reached
from reports.context import committee_context
from reports.i18n import catalogue
from reports.render import committee_html, render_committee
from tests.unit.test_reports_dashboard import review_sample


def lacking_cluster() -> tuple[str, str, pd.Series]:
    """A sample cluster with an indicator it could not score, that indicator, and a scored one of its rows."""
    review = review_sample()[0]
    unscored = review.indicators[review.indicators["score"].isna()].iloc[0]
    scored = review.indicators[(review.indicators["cluster_id"] == unscored["cluster_id"])
                               & review.indicators["score"].notna()].iloc[0]  # fmt: skip
    return unscored["cluster_id"], unscored["indicator_id"], scored


def plan_rows(cluster_id: str, campaign: str, scored: pd.Series) -> pd.DataFrame:
    """Two actions on the scored indicator: one done in time aiming at its own score (met), one overdue without
    a target of its own."""
    score = int(scored["score"])
    return pd.DataFrame(
        {
            "cluster_id": cluster_id,
            "campaign": campaign,
            "action_id": ["A1", "A2"],
            "indicator_id": scored["indicator_id"],
            "action": ["Former les membres", "Réunir les maillons"],
            "owner": "le comité",
            "due_on": pd.to_datetime(["2000-01-10", "2000-02-10"]),
            "target_score": pd.array([score, None], "Int64"),
            "target_value": pd.array([None, None], "Float64"),
            "action_status": ["done", "in_progress"],
            "done_on": pd.to_datetime(["2000-01-05", None]),
            "note": None,
        }  # fmt: skip
    )


def context(language: str, with_plan: bool) -> dict:
    review, clusters, rows = review_sample()
    cluster_id, indicator, scored = lacking_cluster()
    cluster = clusters.set_index("cluster_id").loc[cluster_id].to_dict() | {
        "cluster_id": cluster_id,
        "language": language,
    }
    campaign = review.overall.set_index("cluster_id").loc[cluster_id, "campaign"]
    priorities = pd.DataFrame([{"cluster_id": cluster_id, "campaign": campaign, "rank": 1, "indicator_id": indicator,
                                "axis": int(indicator[0]), "kind": "unscored", "score": pd.NA, "previous_score": pd.NA,
                                "urgency": 1.5}])  # fmt: skip
    actions = plan_rows(cluster_id, campaign, scored) if with_plan else plan_rows(cluster_id, campaign, scored).iloc[:0]
    targets = reached(indicator_targets(actions, review.bands), review.indicators, review.bands)
    follow = follow_up(actions, review.indicators, review.bands, {cluster_id: date(2000, 12, 31)})
    plan = {"priorities": priorities, "targets": targets, "follow_up": follow, "bands": review.bands}
    return committee_context(
        cluster, campaign, review.indicators, review.axes, review.overall, review.alerts, "run", review.grid_hash,
        LEVELS, trend=review.trend, history=review.history, qqrp=review.qqrp, rows=rows[cluster_id], plan=plan,
    )  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_dashboard_opens_with_a_priority_lacking_data_and_follows_the_plan(language):
    t, built = catalogue(language), context(language, with_plan=True)
    _, indicator, scored = lacking_cluster()
    message = render_committee(built, b"")
    text = message.text
    assert text.index(t["priorities_title"]) < text.index(t["alerts"]) < text.index(t["plan_title"])
    block = text[text.index(t["priorities_title"]) : text.index(t["alerts"])]
    assert f"1. {indicator} " in block and t["priority_why"] in block and t["priority_levers"] in block
    assert t["priority_no_data"].split("(")[0] in block, "worded as missing data, never as a score"
    follow = text[text.index(t["plan_title"]) :]
    assert t["plan_overdue_title"] in follow and "Réunir les maillons" in follow
    assert t["plan_timing_overdue"] in follow and t["plan_timing_on_time"].split(",")[0] in follow
    own = t["target_text"].format(target=int(scored["score"]), reached=int(scored["score"]))
    assert f"{own} · {t['target_met']}" in text, "the target met is said beside the score"
    assert built["priorities"][0]["levers"] and "Réunir les maillons" in message.html


def test_a_cluster_without_a_plan_is_told_how_to_make_one_and_shows_no_target():
    built = context("fr", with_plan=False)
    t = catalogue("fr")
    assert built["plan"]["none"] == t["plan_none"].format(campaign=built["campaign"])
    html = html_module.unescape(committee_html(built))
    assert t["plan_title"] in html and built["plan"]["none"] in html
    assert not any(item["target_text"] for item in built["indicators"])
