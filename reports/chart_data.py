"""What each chart of a committee dashboard shows, as plain data: titles, groups, series, value texts, alt text.

Three charts, one idea each: the 6 axes over up to 3 campaigns, the overall score's path, the QQRP volumes and
prices over the same campaigns. The drawing (reports/charts.py) only places what is decided here, so the words
and figures of a chart are tested without drawing it, and its alt text carries every figure it shows.
"""

from __future__ import annotations

import pandas as pd

from reports.formatting import missing, number

TREND_CAMPAIGNS = 3


def chart_specs(
    trend: pd.DataFrame | None, qqrp_trend: pd.DataFrame | None, axes: list[dict], language: str, t: dict
) -> list[dict]:
    """The charts of one cluster's dashboard (none when it has fewer than 2 campaigns of scores or QQRP)."""
    specs = []
    scores = _scores(trend)
    campaigns = sorted({c for by_campaign in scores.values() for c in by_campaign})[-TREND_CAMPAIGNS:]
    if len(campaigns) >= 2:
        specs += [_axes_chart(scores, campaigns, axes, language, t), _overall_chart(scores, campaigns, language, t)]
    qqrp = _qqrp_chart(qqrp_trend, language, t)
    return [*specs, qqrp] if qqrp else specs


def _axes_chart(scores: dict, campaigns: list[str], axes: list[dict], language: str, t: dict) -> dict:
    """Horizontal bars: one group per axis (its full name), one bar per campaign, the score written at its end."""
    labels = {row["axis"]: f"{row['axis']}. {row['label']}" for row in axes}
    groups = [labels.get(axis, t["axis_short"].format(n=axis)) for axis in sorted(a for a in scores if a != 0)]
    series = []
    for campaign in campaigns:
        values = [scores[axis].get(campaign) for axis in sorted(a for a in scores if a != 0)]
        series.append({"label": campaign, "values": values, "texts": [number(v, language, 1) for v in values]})
    spoken = "; ".join(
        f"{group} : {' → '.join(s['texts'][i] for s in series)}" for i, group in enumerate(groups)
    )  # fmt: skip
    alt = t["chart_axes_alt"].format(campaigns=", ".join(campaigns), series=spoken)
    return {"name": "axes", "title": t["chart_axes_title"], "groups": groups, "series": series, "alt": alt}


def _overall_chart(scores: dict, campaigns: list[str], language: str, t: dict) -> dict:
    """The overall score campaign by campaign, as a path on the 1-4 scale whose steps are named."""
    values = [scores.get(0, {}).get(c) for c in campaigns]
    texts = [number(v, language, 2) for v in values]
    alt = t["chart_overall_alt"].format(series=", ".join(f"{c} : {x}" for c, x in zip(campaigns, texts, strict=True)))
    return {
        "name": "overall",
        "title": t["chart_overall_title"],
        "groups": campaigns,
        "series": [{"label": t["overall_short"], "values": values, "texts": texts}],
        "levels": [t[f"score_{n}"] for n in range(1, 5)],
        "alt": alt,
    }


def _qqrp_chart(qqrp_trend: pd.DataFrame | None, language: str, t: dict) -> dict | None:
    """Two panels over the campaigns: volumes (accepted, sold, in tonnes) and prices (paid, sold, F CFA/kg)."""
    if qqrp_trend is None or qqrp_trend.empty:
        return None
    rows = qqrp_trend.sort_values("campaign").tail(TREND_CAMPAIGNS).to_dict("records")
    if len(rows) < 2:
        return None
    campaigns = [str(r["campaign"]) for r in rows]
    volumes = [("chart_accepted", "accepted_kg"), ("chart_sold", "sold_kg")]
    prices = [("chart_paid", "producer_price_xof"), ("chart_sold_price", "selling_price_xof")]
    panels = [
        _panel(t["chart_volumes"], rows, volumes, 1000.0, "chart_tonnes", language, t),
        _panel(t["chart_prices"], rows, prices, 1.0, "chart_xof", language, t),
    ]
    if all(missing(v) for p in panels for s in p["series"] for v in s["values"]):
        return None
    spoken = " ".join(
        f"{p['title']} : " + "; ".join(f"{s['label']} {' → '.join(s['texts'])}" for s in p["series"]) + "."
        for p in panels
    )
    alt = t["chart_qqrp_alt"].format(campaigns=", ".join(campaigns), series=spoken)
    return {"name": "qqrp", "title": t["chart_qqrp_title"], "groups": campaigns, "panels": panels, "alt": alt}


def _panel(title: str, rows: list[dict], columns, divisor: float, unit: str, language: str, t: dict) -> dict:
    """One QQRP panel: a series per column, values divided by `divisor`, texts in the panel's unit."""
    series = []
    for label, column in columns:
        values = [None if missing(r.get(column)) else float(r[column]) / divisor for r in rows]
        texts = ["–" if v is None else t[unit].format(n=number(v, language, 1 if v < 100 else 0)) for v in values]
        series.append({"label": t[label], "values": values, "texts": texts})
    return {"title": title, "series": series}


def _scores(trend: pd.DataFrame | None) -> dict[int, dict[str, float | None]]:
    """Axis (0: overall) -> campaign -> score, from the cluster's trend rows."""
    found: dict[int, dict[str, float | None]] = {}
    if trend is None or trend.empty:
        return found
    for axis, campaign, score in zip(trend["axis"], trend["campaign"].astype(str), trend["score"], strict=True):
        found.setdefault(int(axis), {}).setdefault(campaign, None if missing(score) else float(score))
    return found
