"""Build what a committee dashboard shows from a review's frames: one cluster, nothing of any other."""

from __future__ import annotations

import pandas as pd

from reports.alert_context import review_lines
from reports.chart_data import chart_specs
from reports.context_actions import plan_panel, priorities_panel, with_targets
from reports.context_panels import axis_rows, coverage_panel, indicator_rows, qqrp_panel, trend_panel
from reports.formatting import missing, number, percent, score_colour, signed
from reports.i18n import catalogue
from reports.people_context import people_panel
from reports.programme_context import with_programme_medians
from reports.words import counted

CLUSTER_FIELDS = ("cluster_id", "name", "value_chain", "commune", "aggregator_name")


def committee_context(
    cluster: dict,
    campaign: str,
    indicators: pd.DataFrame,
    axes: pd.DataFrame,
    overall: pd.DataFrame,
    alerts: pd.DataFrame,
    run_id: str,
    grid_hash: str,
    levels: dict[str, dict[str, str]],
    *,
    trend: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    qqrp: pd.DataFrame | None = None,
    prices: pd.DataFrame | None = None,
    rows: dict[str, int] | None = None,
    directions: dict[str, str] | None = None,
    plan: dict[str, pd.DataFrame | None] | None = None,
    people: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    programme_medians: dict[str, float] | None = None,
    qqrp_trend: pd.DataFrame | None = None,
) -> dict:
    """The template context of one cluster's dashboard; every frame is filtered to that cluster here.

    `rows`: data rows used per table for this cluster and campaign; `directions`: indicator id -> `higher` or
    `lower` (how its bands read); `plan`: the review's action frames (indicators.plan_review: priorities,
    targets, follow_up) and its `bands` (levers); `people`, `accounts`: the review's jobs and members, and Table 7
    (see indicators.people); `programme_medians`: indicator id -> the programme's median score, shown without any
    cluster's name (only when VIGIE_SHOW_PROGRAMME_MEDIAN allows it); `qqrp_trend`: the QQRP rows of its recent
    campaigns (the volumes and prices chart). Missing optional frames leave their panel or chart out.
    """
    cluster_id = cluster["cluster_id"]
    language = cluster.get("language") if cluster.get("language") in ("fr", "en") else "fr"
    t = catalogue(language)

    def mine(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if frame is None else frame[frame["cluster_id"] == cluster_id]

    def up_to_now(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        frame = mine(frame)
        return None if frame is None else frame[frame["campaign"].astype(str) <= str(campaign)]

    my_indicators, my_axes, my_trend = mine(indicators), mine(axes), up_to_now(trend)
    overall_rows = mine(overall)
    overall_row = overall_rows.iloc[0] if len(overall_rows) else None
    score = None if overall_row is None else overall_row["score"]
    level = None if overall_row is None or missing(overall_row["level"]) else str(overall_row["level"])
    axes_rows = axis_rows(my_axes, my_indicators["axis"].value_counts().to_dict(), language, t)
    lines = review_lines(mine(alerts).to_dict("records"), my_indicators, my_axes, language)
    plan = {name: mine(frame) for name, frame in (plan or {}).items()}
    units = dict(zip(my_indicators["indicator_id"], my_indicators["unit"], strict=True))
    items = indicator_rows(my_indicators, up_to_now(history), directions or {}, language, t)
    return {
        "lang": language,
        "t": t,
        "cluster": {k: cluster.get(k) or "" for k in CLUSTER_FIELDS},
        "campaign": campaign,
        "overall": {
            "score_text": number(score, language, 2),
            "level": level,
            "level_label": levels.get(level, {}).get(language, t["not_scored"]) if level else t["not_scored"],
            "coverage_text": percent(None if overall_row is None else overall_row["coverage"], language),
            "scored_text": counted(
                int(my_indicators["score"].notna().sum()), "n_scored_of", t, language, of=len(my_indicators)
            ),
            "colour": score_colour(score),
            "change_text": _overall_change(my_trend, campaign, score, language, t),
        },
        "axes": axes_rows,
        "priorities": priorities_panel(plan.get("priorities"), items, plan.get("bands"), language, t),
        "plan": plan_panel(plan.get("follow_up"), campaign, units, language, t),
        "indicators": with_programme_medians(
            with_targets(items, plan.get("targets"), units, language, t), programme_medians, language, t
        ),
        "trend": trend_panel(my_trend, language, t),
        "charts": chart_specs(my_trend, up_to_now(qqrp_trend), axes_rows, language, t),
        "qqrp": qqrp_panel(mine(qqrp), language, t, mine(prices)),
        "people": people_panel(mine(people), mine(accounts), language, t),
        "alerts": lines,
        "alert_groups": _grouped(lines),
        "coverage": coverage_panel(my_indicators, rows, language, t),
        "footer": t["footer"].format(run_id=run_id, grid=grid_hash[:12]),
        "images": {},
        "back_link": "",
    }


def _grouped(lines: list[dict]) -> list[dict]:
    """Alerts grouped by rule, in order of first appearance, so each meaning is said once."""
    groups: dict[str, dict] = {}
    for line in lines:
        groups.setdefault(line["rule"], {"rule": line["rule"], "meaning": line["meaning"], "items": []})
        groups[line["rule"]]["items"].append(line["text"])
    return list(groups.values())


def _overall_change(trend: pd.DataFrame | None, campaign: str, score, language: str, t: dict) -> str:
    """`Previous campaign: 2,78 (−0,13)` from the trend's overall rows (axis 0), empty without a previous one."""
    if trend is None or trend.empty or missing(score):
        return ""
    overall = trend[(trend["axis"] == 0) & (trend["campaign"].astype(str) < str(campaign))]
    overall = overall.sort_values("campaign")
    if overall.empty or missing(overall.iloc[-1]["score"]):
        return ""
    previous = float(overall.iloc[-1]["score"])
    return t["overall_change"].format(
        previous=number(previous, language, 2), change=signed(float(score) - previous, language, 2)
    )
