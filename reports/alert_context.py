"""What an alert says, in the reader's language: one line for the dashboard, a short email of its own."""

from __future__ import annotations

import pandas as pd

from reports.formatting import measure, missing, number, signed
from reports.i18n import catalogue
from reports.words import indicator_sentence

COMMITTEE_RULES = frozenset(
    {"critical_indicator", "sharp_decline_indicator", "sharp_decline_axis", "contract_slippage"}
)
"""Rules whose alerts go to the cluster's committee as well as the officers (domain.md, "Alerts")."""
KNOWN_RULES = (
    "critical_indicator", "sharp_decline_indicator", "sharp_decline_axis", "delivery_failure", "contract_slippage",
    "missing_submission", "data_quality", "pull_failed",
)  # fmt: skip


EMPTY_INDICATORS = pd.DataFrame(
    columns=["cluster_id", "indicator_id", "label_fr", "label_en", "unit", "value", "band_low", "band_high"]
)
EMPTY_AXES = pd.DataFrame(columns=["cluster_id", "axis", "label_fr", "label_en"])


def subject_label(subject: str, indicators: pd.DataFrame, axes: pd.DataFrame, language: str) -> str:
    """The name of what an alert is about: an indicator's label, an axis's label, or the subject itself."""
    return _label(subject, _subjects(indicators, axes), language)


_AXES = "\0axes"  # in a `_subjects` look-up when the review's axes were given


def _subjects(indicators: pd.DataFrame | None, axes: pd.DataFrame | None) -> dict[str, dict]:
    """What alerts can be about, by subject (`1.1`, `axis-3`): its review row (label, unit, value) as a dict, read
    once, so that each alert line is a look-up and not a filter of the frames (500 clusters' lines: 38 s)."""
    found: dict[str, dict] = {}
    if axes is not None and "axis" in axes:
        found[_AXES] = {}
        for row in axes.to_dict("records"):
            found.setdefault(f"axis-{row['axis']}", row)
    if indicators is not None and "indicator_id" in indicators:
        for row in indicators.to_dict("records"):
            found.setdefault(str(row["indicator_id"]), row)
    return found


def _label(subject: str, subjects: dict[str, dict], language: str) -> str:
    row = subjects.get(subject)
    if subject.startswith("axis-") and _AXES in subjects:
        axis = catalogue(language)["axis_short"].format(n=subject.removeprefix("axis-"))
        return f"{axis} · {row[f'label_{language}']}" if row is not None else axis
    return str(row[f"label_{language}"]) if row is not None else subject


def alert_line(row: dict, indicators: pd.DataFrame, axes: pd.DataFrame, language: str) -> dict:
    """One alert as the dashboard lists it: what happened and what it means."""
    return _line(row, _subjects(indicators, axes), language)


def _line(row: dict, subjects: dict[str, dict], language: str) -> dict:
    t = catalogue(language)
    rule, subject = str(row.get("rule")), str(row.get("subject"))
    known = rule if rule in KNOWN_RULES else "generic"
    decimals = 1 if rule == "sharp_decline_axis" else 0
    template = t[f"alert_{known}"]
    trend = _trend_of(subject, subjects)
    if rule == "sharp_decline_indicator" and trend is not None and trend[0] >= 0:
        template = t["alert_growth_slowed"]  # a growth rate that fell: the quantity itself still rose
    text = template.format(
        s=subject,
        n=_label(subject, subjects, language),
        p=number(row.get("previous"), language, decimals),
        v=number(row.get("value"), language, decimals),
        rule=rule,
        recipient=row.get("recipient", ""),
        campaign=row.get("campaign", ""),
    )
    if trend is not None and rule in ("sharp_decline_indicator", "critical_indicator"):
        text = f"{text} {_trend_sentence(subject, trend, language)}"
    return {
        "rule": rule,
        "subject": subject,
        "text": text,
        "meaning": t[f"meaning_{known}"],
        "severity": t.get(f"severity_{row.get('severity')}", str(row.get("severity") or "")),
    }


GROWTH_UNITS = ("rate_per_year", "points_per_year")


def _trend_of(subject: str, subjects: dict[str, dict]) -> tuple[float, str] | None:
    """(value, unit) of a growth indicator the alert is about, None for any other subject or without a value."""
    row = subjects.get(subject) if not subject.startswith("axis-") else None
    if row is None or row.get("unit") not in GROWTH_UNITS or missing(row.get("value")):
        return None
    return float(row["value"]), str(row["unit"])


def _trend_sentence(subject: str, trend: tuple[float, str], language: str) -> str:
    """What the quantity itself did: `Le nombre d'emplois a tout de même augmenté de 1 % par an.`"""
    t = catalogue(language)
    value, unit = trend
    rate = round(value * 100)
    way = "up" if rate > 0 else "down" if rate < 0 else "flat"
    amount = t["unit_points_per_year" if unit == "points_per_year" else "unit_rate_per_year"].format(
        n=number(abs(value) * 100, language, 0)
    )
    what = t.get(f"trend_quantity_{subject}", t["trend_quantity_generic"])
    return t[f"trend_{way}"].format(what=what, amount=amount)


def review_lines(rows: list[dict], indicators: pd.DataFrame, axes: pd.DataFrame, language: str) -> list[dict]:
    """A review's alert lines for one cluster: an indicator both critical and in sharp decline is one line."""
    t = catalogue(language)
    declines = {str(r["subject"]): r for r in rows if r.get("rule") == "sharp_decline_indicator"}
    critical = {str(r["subject"]) for r in rows if r.get("rule") == "critical_indicator"}
    subjects = _subjects(indicators, axes) if rows else {}
    lines = []
    for row in rows:
        subject = str(row.get("subject"))
        if row.get("rule") == "sharp_decline_indicator" and subject in critical:
            continue  # said with its critical line
        line = _line(row, subjects, language)
        if row.get("rule") == "critical_indicator" and subject in declines:
            decline = declines[subject]
            line["rule"] = "critical_and_decline"
            line["text"] = t["alert_critical_and_decline"].format(
                s=subject, n=_label(subject, subjects, language),
                p=number(decline.get("previous"), language, 0), v=number(decline.get("value"), language, 0),
            )  # fmt: skip
            line["meaning"] = f"{t['meaning_critical_indicator']} {t['meaning_sharp_decline_indicator']}"
            trend = _trend_of(subject, subjects)
            if trend is not None:
                line["text"] = f"{line['text']} {_trend_sentence(subject, trend, language)}"
        lines.append(line)
    return lines


def alert_context(
    alert: dict,
    cluster: dict,
    indicators: pd.DataFrame | None,
    axes: pd.DataFrame | None,
    run_id: str,
    language: str,
    directions: dict[str, str] | None = None,
    sources: dict[str, str] | None = None,
) -> dict:
    """The context of one alert email: what happened, by how much, where to look; this cluster only.

    `indicators` and `axes` (a review's frames) name what a review alert is about; alerts raised outside a
    review (in season, at intake) come without them.
    """
    t = catalogue(language)
    indicators = EMPTY_INDICATORS if indicators is None else indicators
    axes = EMPTY_AXES if axes is None else axes
    mine = indicators[indicators["cluster_id"] == cluster["cluster_id"]]
    my_axes = axes[axes["cluster_id"] == cluster["cluster_id"]]
    line = alert_line(alert, mine, my_axes, language)
    subject, campaign = line["subject"], str(alert.get("campaign"))
    indicator = mine[mine["indicator_id"] == subject].to_dict("records")
    how_much = _how_much(alert, indicator[0] if indicator else None, language, directions or {})
    if f"where_{line['rule']}" in t:
        where = t[f"where_{line['rule']}"].format(campaign=campaign)
    elif subject.startswith("axis-"):
        where = t["where_axis"].format(axis=subject.removeprefix("axis-"), campaign=campaign)
    elif indicator:
        table = (sources or {}).get(subject, "")
        where = t["where_indicator"].format(s=subject, campaign=campaign, table=t.get(f"table_{table}", table or "–"))
    else:
        where = t["where_generic"].format(campaign=campaign)
    context = {
        "lang": language,
        "t": t,
        "cluster": {k: cluster.get(k, "") for k in ("cluster_id", "name", "value_chain", "commune")},
        "campaign": campaign,
        "alert": {**line, "how_much": how_much, "where": where, "colour": _colour(alert.get("severity"))},
        "footer": t["alert_footer"].format(run_id=run_id),
        "subject": t["alert_subject"].format(cluster=cluster.get("name", ""), what=_short(line["text"])),
    }
    return {**context, "alerts": [context["alert"]]}


def digest_context(contexts: list[dict]) -> dict:
    """One message for several alerts of one rule and cluster (a day's worth): the first alert's context, with
    every alert listed under `alerts` and a subject that counts them."""
    first = contexts[0]
    campaigns = list(dict.fromkeys(c["campaign"] for c in contexts))
    subject = first["subject"]
    if len(contexts) > 1:
        subject = first["t"]["alert_subject_many"].format(
            n=len(contexts), cluster=first["cluster"]["name"], what=_short(first["alert"]["text"])
        )
    return {**first, "campaign": ", ".join(campaigns), "alerts": [c["alert"] for c in contexts], "subject": subject}


def delivery_failure_context(message: dict, run_id: str, language: str = "fr") -> dict:
    """The context of the officers' notice that a message was given up (never with the message's content)."""
    t = catalogue(language)
    line = alert_line(
        {"rule": "delivery_failure", "subject": message["subject"], "recipient": message["recipient"],
         "severity": "high"},
        None, None, language,
    )  # fmt: skip
    line["text"] = t["alert_delivery_failure"].format(n=message["subject"], recipient=message["recipient"])
    how_much = t["how_much_delivery_failure"].format(attempts=message["attempts"], error=message["last_error"] or "–")
    scope = str(message.get("scope") or "*")
    context = {
        "lang": language,
        "t": t,
        "cluster": {"cluster_id": scope, "name": message.get("cluster_name") or scope, "value_chain": "",
                    "commune": ""},
        "campaign": str(message["campaign"]),
        "alert": {**line, "how_much": how_much, "where": t["where_delivery_failure"].format(id=message["id"]),
                  "colour": _colour("high")},
        "footer": t["alert_footer"].format(run_id=run_id),
        "subject": t["alert_subject"].format(cluster=message.get("cluster_name") or scope, what=_short(line["text"])),
    }  # fmt: skip
    return {**context, "alerts": [context["alert"]]}


def _how_much(alert: dict, indicator: dict | None, language: str, directions: dict[str, str]) -> str:
    t = catalogue(language)
    rule = str(alert.get("rule"))
    previous, value = alert.get("previous"), alert.get("value")
    decimals = 1 if rule == "sharp_decline_axis" else 0
    p, v = number(previous, language, decimals), number(value, language, decimals)
    change = "" if missing(previous) or missing(value) else signed(float(value) - float(previous), language, decimals)
    unit = indicator.get("unit") if indicator else None
    shown = measure(indicator.get("value"), unit, language) if indicator else "–"
    if rule == "critical_indicator":  # what the value means in words; 1.2 without a plan says so
        sentence = indicator_sentence(indicator, language, t) if indicator else ""
        return t["how_much_critical_indicator"].format(sentence=sentence or shown, p=p).strip()
    if rule in ("sharp_decline_indicator", "sharp_decline_axis"):
        return t[f"how_much_{rule}"].format(p=p, v=v, change=change, value=shown)
    if rule == "contract_slippage":
        behind = number(float(previous) - float(value), language, 0) if change else "–"
        return t["how_much_contract_slippage"].format(behind=behind, p=p, v=v)
    if rule == "missing_submission":
        return t["how_much_missing_submission_unknown" if missing(value) else "how_much_missing_submission"].format(v=v)
    if rule == "data_quality":
        return t["how_much_data_quality"].format(v=number(value, language, 2))
    if rule == "pull_failed":  # subject `<source>: <code> <since>` (flows/pull.py)
        code = str(alert.get("subject", "")).split(": ", 1)[-1].split(" ")[0]
        return t["how_much_pull_failed"].format(reason=t.get(f"pull_failed_{code}", code))
    return t["how_much_generic"].format(p=p, v=v)


def _colour(severity) -> str:
    return {"high": "#c0392b", "medium": "#d35400"}.get(str(severity), "#555555")


def _short(text: str, limit: int = 90) -> str:
    """A subject line's end: the alert's first sentence, cut at a word."""
    text = text.rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
