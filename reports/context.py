"""Build what a committee dashboard shows from a review's frames: one cluster, nothing of any other."""

from __future__ import annotations

import pandas as pd

from reports.formatting import missing, number, quantity, score_colour, signed
from reports.i18n import catalogue


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
) -> dict:
    """The template context of one cluster's dashboard; every frame is filtered to that cluster here."""
    cluster_id = cluster["cluster_id"]
    language = cluster.get("language") or "fr"
    t = catalogue(language)
    mine = lambda frame: frame[frame["cluster_id"] == cluster_id]  # noqa: E731
    overall_row = mine(overall).iloc[0] if len(mine(overall)) else None
    score = None if overall_row is None else overall_row["score"]
    level = None if overall_row is None or missing(overall_row["level"]) else str(overall_row["level"])
    return {
        "lang": language,
        "t": t,
        "cluster": {k: cluster.get(k, "") for k in ("cluster_id", "name", "value_chain", "commune", "aggregator_name")},
        "campaign": campaign,
        "overall": {
            "score_text": number(score, language, 2),
            "level": level,
            "level_label": levels.get(level, {}).get(language, t["insufficient"]) if level else t["insufficient"],
            "coverage_text": _percent(None if overall_row is None else overall_row["coverage"], language),
            "colour": score_colour(score),
        },
        "axes": [_axis(row, language, t) for row in mine(axes).sort_values("axis").to_dict("records")],
        "indicators": [
            _indicator(row, language, t) for row in mine(indicators).sort_values("indicator_id").to_dict("records")
        ],
        "alerts": [_alert(row, mine(indicators), language) for row in mine(alerts).to_dict("records")],
        "footer": t["footer"].format(run_id=run_id, grid=grid_hash[:12]),
    }


def _axis(row: dict, language: str, t: dict) -> dict:
    score = row.get("score")
    return {
        "axis": int(row["axis"]),
        "label": row.get(f"label_{language}") or row.get("label_fr") or "",
        "score_text": t["insufficient"] if missing(score) else number(score, language, 1),
        "change_text": signed(row.get("change"), language),
        "coverage_text": _percent(row.get("coverage"), language),
        "bar_pct": 0 if missing(score) else int(round(float(score) / 4 * 100)),
        "colour": score_colour(score),
    }


def _indicator(row: dict, language: str, t: dict) -> dict:
    score = row.get("score")
    status = str(row.get("status") or "insufficient_data")
    parts = [t.get(f"status_{status}", status)]
    if not missing(row.get("value")):
        parts.insert(0, quantity(row["value"], row.get("unit"), language))
    if not missing(score):
        parts.append(t[f"score_{int(score)}"])
    if not missing(row.get("previous_score")):
        parts.append(f"{t['previous']} : {int(row['previous_score'])}")
    return {
        "id": row["indicator_id"],
        "label": row.get(f"label_{language}") or row.get("label_fr") or "",
        "mark": "–" if missing(score) else str(int(score)),
        "colour": score_colour(score),
        "detail": " · ".join(parts),
    }


def _alert(row: dict, indicators: pd.DataFrame, language: str) -> dict:
    subject = str(row.get("subject"))
    label = indicators.loc[indicators["indicator_id"] == subject, f"label_{language}"]
    name = label.iloc[0] if len(label) else subject
    texts = {
        ("critical_indicator", "fr"): "Indicateur {s} « {n} » au niveau critique (score 1).",
        ("critical_indicator", "en"): 'Indicator {s} "{n}" is critical (score 1).',
        ("sharp_decline_indicator", "fr"): "Indicateur {s} « {n} » en forte baisse : {p} → {v}.",
        ("sharp_decline_indicator", "en"): 'Indicator {s} "{n}" fell sharply: {p} → {v}.',
        ("sharp_decline_axis", "fr"): "{s} en forte baisse : {p} → {v}.",
        ("sharp_decline_axis", "en"): "{s} fell sharply: {p} → {v}.",
    }
    template = texts.get((row.get("rule"), language), "{s}: {v}")
    return {
        "rule": row.get("rule"),
        "subject": subject,
        "text": template.format(
            s=subject, n=name, p=number(row.get("previous"), language, 1), v=number(row.get("value"), language, 1)
        ),
    }


def _percent(value, language: str) -> str:
    return "–" if missing(value) else f"{number(float(value) * 100, language, 0)} %"
