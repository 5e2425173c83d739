"""The panels of a committee dashboard (axes, indicators, trends, QQRP, coverage) from one cluster's rows."""

from __future__ import annotations

import pandas as pd

from reports.formatting import measure, missing, number, percent, score_colour, signed
from reports.indicator_notes import assessment_notes, level_series, price_items
from reports.words import counted, indicator_sentence, regularity_words

TREND_CAMPAIGNS = 3


def axis_rows(axes: pd.DataFrame, entries: dict[int, int], language: str, t: dict) -> list[dict]:
    """The 6 axes of one cluster: score, previous campaign's score, change and bar widths (percent of 4), and how
    many of the axis's `entries` (indicators per axis) were scored."""
    rows = []
    for row in axes.sort_values("axis").to_dict("records"):
        score, previous = row.get("score"), row.get("previous_score")
        label = row.get(f"label_{language}") or row.get("label_fr") or ""
        score_text = t["not_scored"] if missing(score) else number(score, language, 1)
        previous_text = t["no_previous"] if missing(previous) else number(previous, language, 1)
        rows.append(
            {
                "axis": int(row["axis"]),
                "label": label,
                "score_text": score_text,
                "previous_text": previous_text,
                "has_previous": not missing(previous),
                "change_text": signed(row.get("change"), language),
                "coverage_text": percent(row.get("coverage"), language),
                "scored_text": _scored(row.get("n_scored"), entries.get(int(row["axis"]), 0), language, t),
                "bar_pct": _bar(score),
                "previous_pct": _bar(previous),
                "colour": score_colour(score),
                "alt": t["axis_bar_alt"].format(label=label, score=score_text, previous=previous_text),
            }
        )
    return rows


def indicator_rows(
    indicators: pd.DataFrame, history: pd.DataFrame | None, directions: dict[str, str], language: str, t: dict
) -> list[dict]:
    """The 24 indicators of one cluster: mark, what the value means in a sentence, score, status, 3-campaign scores.

    The band a value fell in is said by its score (the grid's bounds are in the attached table); an indicator
    without a score has the mark `?` and says "not enough data" with its reason, never a score's word.
    """
    series, levels = _score_series(history), level_series(history, language, t)
    rows = []
    for row in indicators.sort_values("indicator_id").to_dict("records"):
        score, status = row.get("score"), str(row.get("status") or "insufficient_data")
        reason = None if missing(row.get("reason")) else str(row["reason"])
        sentence = indicator_sentence(row, language, t)
        if not sentence and status == "assessed":
            sentence = t["say_assessed"]
        assessed_status, note = assessment_notes(row, language, t)
        rows.append(
            {
                "id": row["indicator_id"],
                "label": row.get(f"label_{language}") or row.get("label_fr") or "",
                "mark": t["missing_mark"] if missing(score) else str(int(score)),
                "colour": score_colour(score),
                "sentence": sentence if not missing(score) else "",
                "score_text": t["not_scored"] if missing(score) else t[f"score_{int(score)}"],
                "status": status,
                "status_text": assessed_status or t.get(f"status_{status}", status),
                "note": note,
                "levels_text": levels.get(row["indicator_id"], ""),
                "reason_text": reason_text(reason, t) if missing(score) and reason else "",
                "series_text": series.get(row["indicator_id"], ""),
            }
        )
    return rows


def trend_panel(trend: pd.DataFrame | None, language: str, t: dict) -> dict | None:
    """Overall and axis scores over the cluster's last 3 campaigns, as a table (the charts: reports/chart_data.py)."""
    if trend is None or trend.empty:
        return None
    campaigns = sorted(trend["campaign"].astype(str).unique())[-TREND_CAMPAIGNS:]
    if len(campaigns) < 2:
        return None
    scores = _wide(trend, "axis")
    rows = []
    for axis in sorted(scores):
        label = t["overall_short"] if axis == 0 else t["axis_short"].format(n=int(axis))
        rows.append(
            {"label": label, "cells": [number(scores[axis].get(c), language, 2 if axis == 0 else 1) for c in campaigns]}
        )
    return {"campaigns": campaigns, "rows": rows}


def qqrp_panel(
    qqrp: pd.DataFrame | None, language: str, t: dict, prices: pd.DataFrame | None = None
) -> list[dict] | None:
    """Quantity, quality, regularity and price of the cluster's campaign, as labelled groups of values; prices
    per sold product from `prices` (the review's frame, this cluster's rows)."""
    if qqrp is None or qqrp.empty:
        return None
    row = qqrp.iloc[0].to_dict()
    wanted = ("accepted_kg", "sold_kg", "quality_share", "regular_weeks_share", "producer_price_xof")
    if all(missing(row.get(k)) for k in wanted):
        return None
    weeks = row.get("weeks_with_deliveries")
    weeks_text = (
        "–"
        if missing(weeks) or missing(row.get("campaign_weeks"))
        else t["qqrp_weeks_value"].format(
            weeks=number(weeks, language, 0),
            total=number(row["campaign_weeks"], language, 0),
            share=percent(row.get("regular_weeks_share"), language),
        )
    )
    groups = [
        ("qqrp_quantity", [("qqrp_accepted_kg", measure(row.get("accepted_kg"), "kg", language)),
                           ("qqrp_delivered_kg", measure(row.get("delivered_kg"), "kg", language)),
                           ("qqrp_sold_kg", measure(row.get("sold_kg"), "kg", language))]),
        ("qqrp_quality", [("qqrp_quality_share", percent(row.get("quality_share"), language)),
                          ("qqrp_delivery_quality_share", percent(row.get("delivery_quality_share"), language))]),
        ("qqrp_regularity", [("qqrp_regular_weeks", weeks_text),
                             ("qqrp_cv", regularity_words(row.get("weekly_volume_cv"), t))]),
    ]  # fmt: skip
    panels = [{"title": t[title], "items": [{"label": t[k], "value": v} for k, v in items]} for title, items in groups]
    prices = [{"label": label, "value": value} for label, value in price_items(row, prices, language, t)]
    return [*panels, {"title": t["qqrp_price"], "items": prices}]


def coverage_panel(indicators: pd.DataFrame, rows: dict[str, int] | None, language: str, t: dict) -> dict:
    """How much of the grid could be scored, what lacked data and why, and the rows used per table."""
    scored = int(indicators["score"].notna().sum())
    records = indicators.sort_values("indicator_id").to_dict("records")
    label = f"label_{language}"
    insufficient = [
        {"id": r["indicator_id"], "label": r.get(label) or r.get("label_fr") or "", "reason": reason_text(r, t)}
        for r in records
        if missing(r.get("score"))
    ]
    assessed = [
        {"id": r["indicator_id"], "label": r.get(label) or r.get("label_fr") or ""}
        for r in records
        if str(r.get("status")) == "assessed"
    ]
    used = [
        {"table": t.get(f"table_{name}", name), "rows": counted(count, "n_rows", t, language)}
        for name, count in sorted((rows or {}).items())
        if count
    ]
    share = scored / len(records) if records else None
    return {
        "scored_text": t["coverage_scored"].format(
            scored=counted(scored, "n_scored_of", t, language, of=len(records)), share=percent(share, language)
        ),
        "insufficient": insufficient,
        "assessed": assessed,
        "rows": used,
        "rows_known": rows is not None,
    }


def rows_by_cluster(tables: dict[str, pd.DataFrame] | None, overall: pd.DataFrame) -> dict[str, dict[str, int]] | None:
    """Cluster id -> table -> accepted rows of its reviewed campaign (actors: all registered); None without tables."""
    if tables is None:
        return None
    reviewed = overall[["cluster_id", "campaign"]].astype(str)
    found: dict[str, dict[str, int]] = {cluster_id: {} for cluster_id in reviewed["cluster_id"]}
    for name, frame in tables.items():
        if name == "clusters" or frame is None or "cluster_id" not in frame:
            continue
        keys = ["cluster_id", "campaign"] if "campaign" in frame else ["cluster_id"]
        grouped = frame.groupby(keys, observed=True)  # a partition summary (flows/scale_store.py) says its rows
        sizes = (grouped["_rows"].sum() if "_rows" in frame else grouped.size()).rename("n").reset_index()
        sizes = sizes.astype({k: "str" for k in keys})
        for row in reviewed.merge(sizes, how="inner", on=keys).to_dict("records"):
            found[row["cluster_id"]][name] = int(row["n"])
    return found


def reason_text(row_or_reason, t: dict) -> str:
    """Why an indicator has no score, in words (the reason code itself when the catalogue has no entry)."""
    reason = row_or_reason.get("reason") if isinstance(row_or_reason, dict) else row_or_reason
    if missing(reason) or reason in ("", "None", "<NA>", "nan"):
        return t["status_insufficient_data"]
    return t.get(f"reason_{reason}", str(reason).replace("_", " "))


def _scored(scored, of: int, language: str, t: dict) -> str:
    """`3 indicateurs notés sur 4` (empty when unknown)."""
    return "" if missing(scored) or not of else counted(int(scored), "n_scored_of", t, language, of=of)


def _score_series(history: pd.DataFrame | None) -> dict[str, str]:
    """Indicator id -> its scores over the last 3 campaigns, oldest first (`2 → 3 → –`)."""
    if history is None or history.empty:
        return {}
    campaigns = sorted(history["campaign"].astype(str).unique())[-TREND_CAMPAIGNS:]
    if len(campaigns) < 2:
        return {}
    table = _wide(history, "indicator_id")
    return {
        indicator: " → ".join(
            "?" if table[indicator].get(c) is None else str(int(table[indicator][c])) for c in campaigns
        )
        for indicator in sorted(table)
        if any(c in table[indicator] for c in campaigns)
    }


def _wide(frame: pd.DataFrame, key: str) -> dict:
    """`key` -> campaign -> score (None when missing), the first row of each pair kept: plain dicts, as one
    cluster's few rows are read (a pivot per panel and cluster cost 17 s of 500 dashboards)."""
    scores: dict = {}
    for k, campaign, score in zip(frame[key], frame["campaign"].astype(str), frame["score"], strict=True):
        scores.setdefault(k, {}).setdefault(campaign, None if missing(score) else float(score))
    return scores


def _bar(score) -> int:
    return 0 if missing(score) else int(round(float(score) / 4 * 100))
