"""The officers' programme-wide view: every cluster by axis, ranking, data quality and delivery status."""

from __future__ import annotations

import pandas as pd

from reports.formatting import missing, number, percent, score_colour
from reports.i18n import catalogue
from reports.words import counted

LEVEL_COLOURS = {"critique": "#c0392b", "fragile": "#d35400", "en_progres": "#7cb342", "performant": "#2e7d32"}
LOW_COVERAGE = 0.75
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "given_up", "interrupted")


def cluster_table(
    overall: pd.DataFrame, axes: pd.DataFrame, alerts: pd.DataFrame, clusters: pd.DataFrame
) -> pd.DataFrame:
    """One row per reviewed cluster, best first: rank, names, overall score, level, coverage, axis scores, alerts."""
    wide = axes.pivot_table(index="cluster_id", columns="axis", values="score", aggfunc="first")
    wide.columns = [f"axis_{int(axis)}" for axis in wide.columns]
    names = clusters[["cluster_id", "name", "value_chain"]].drop_duplicates("cluster_id")
    table = overall[["cluster_id", "campaign", "score", "level", "coverage"]].merge(names, how="left", on="cluster_id")
    table = table.merge(wide.reset_index(), how="left", on="cluster_id")
    counted = one_per_fact(alerts).groupby("cluster_id").size() if len(alerts) else pd.Series(dtype="int64")
    table["alerts"] = table["cluster_id"].map(counted).fillna(0).astype("int64")
    table = table.sort_values(["score", "cluster_id"], ascending=[False, True], na_position="last")
    table.insert(0, "rank", range(1, len(table) + 1))
    for axis in range(1, 7):
        table[f"axis_{axis}"] = table.get(f"axis_{axis}", pd.Series(float("nan"), index=table.index))
    return table.reset_index(drop=True)


def one_per_fact(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts as the reader counts them: an indicator's sharp decline is left out when it is also critical."""
    if alerts.empty or not {"rule", "subject"} <= set(alerts.columns):
        return alerts
    keys = pd.MultiIndex.from_frame(alerts[["cluster_id", "subject"]].astype("str"))
    critical = keys[(alerts["rule"] == "critical_indicator").to_numpy()]
    said_twice = (alerts["rule"] == "sharp_decline_indicator").to_numpy() & keys.isin(critical)
    return alerts[~said_twice]


def officer_context(
    table: pd.DataFrame,
    season: str,
    run_id: str,
    grid_hash: str,
    levels: dict[str, dict[str, str]],
    *,
    counts: dict[str, dict[str, int]] | None = None,
    delivery: pd.DataFrame | None = None,
    language: str = "fr",
    max_rows: int | None = None,
    links: dict[str, str] | None = None,
    alerts: list[dict] | None = None,
    interrupted: list[dict] | None = None,
) -> dict:
    """The template context of the officers' dashboard from `cluster_table` (all clusters, never to committees).

    `delivery`: outbox counts (scope, status, n) of the season; `max_rows`: how many ranking rows to show (the
    lowest-scoring ones, which need attention first) when the email must stay small; `links`: cluster id ->
    page of the static site; `alerts`: the review's alerts per cluster (cluster_id, name, items: their lines),
    listed for the clusters shown; `interrupted`: crash leftovers (warehouse/leftovers.py `recent`).
    """
    t = catalogue(language)
    by_scope = _delivery_by_scope(delivery, t)
    shown = table if max_rows is None or len(table) <= max_rows else table.tail(max_rows)
    rows = [
        {
            "rank": int(row["rank"]),
            "name": row.get("name") or row["cluster_id"],
            "cluster_id": row["cluster_id"],
            "href": (links or {}).get(row["cluster_id"], ""),
            "value_chain": row.get("value_chain") or "",
            "campaign": row["campaign"],
            "score_text": number(row["score"], language, 2),
            "colour": score_colour(row["score"]),
            "level_label": _level(row.get("level"), levels, language, t),
            "coverage_text": percent(row["coverage"], language),
            "axes": [
                {"text": number(row[f"axis_{a}"], language, 1), "colour": score_colour(row[f"axis_{a}"])}
                for a in range(1, 7)
            ],
            "alerts": int(row["alerts"]),
            "delivery": by_scope.get(row["cluster_id"], ""),
        }
        for row in shown.to_dict("records")
    ]
    level_counts = {key: int((table["level"] == key).sum()) for key in levels}
    level_counts[None] = int(table["level"].isna().sum())
    low = table[table["coverage"] < LOW_COVERAGE].sort_values("coverage")
    mean = table["score"].astype("float64").mean()
    return {
        "lang": language,
        "t": t,
        "season": season,
        "n_clusters": len(table),
        "summary": t["officer_summary"].format(n=len(table), mean=number(mean, language, 2)),
        "levels": [
            {
                "label": _level(key, levels, language, t),
                "n": level_counts[key],
                "colour": LEVEL_COLOURS.get(key, "#9e9e9e"),
            }
            for key in [*levels, None]
            if level_counts[key]
        ],  # fmt: skip
        "rows": rows,
        "alerts": _alert_groups(alerts or [], {row["cluster_id"] for row in rows}, t, language),
        "truncated": t["officer_truncated"].format(shown=len(rows), total=len(table)) if len(rows) < len(table) else "",
        "quality": [
            {
                "table": t.get(f"table_{name}", name),
                "read": number(c["read"], language, 0),
                "accepted": number(c["accepted"], language, 0),
                "refused": number(c["rejected"], language, 0),
                "refused_share": percent(c["rejected"] / c["read"] if c["read"] else None, language),
            }
            for name, c in sorted((counts or {}).items())
        ],  # fmt: skip
        "low_coverage": [
            {"name": row.get("name") or row["cluster_id"], "coverage_text": percent(row["coverage"], language)}
            for row in low.to_dict("records")
        ],
        "delivery_totals": _delivery_totals(delivery, language, t),
        "interrupted": [t[f"interrupted_{item['kind']}"].format(**item) for item in interrupted or []],
        "footer": t["footer"].format(run_id=run_id, grid=grid_hash[:12]),
    }


def _alert_groups(groups: list[dict], shown: set[str], t: dict, language: str) -> dict:
    """The review's alerts: how many in how many clusters, and the lines of the clusters shown."""
    n = sum(len(group["items"]) for group in groups)
    listed = [group for group in groups if group["items"] and group["cluster_id"] in shown]
    clusters = sum(1 for group in groups if group["items"])
    count = (
        t["officer_review_alerts_count"].format(
            n=counted(n, "n_alerts", t, language), clusters=counted(clusters, "n_clusters", t, language)
        )
        if n
        else t["officer_review_alerts_none"]
    )
    return {"count_text": count, "groups": listed}


def _level(key, levels: dict[str, dict[str, str]], language: str, t: dict) -> str:
    return t["insufficient"] if missing(key) or key not in levels else levels[key].get(language, str(key))


def _delivery_by_scope(delivery: pd.DataFrame | None, t: dict) -> dict[str, str]:
    """Cluster id -> `2 envoyés · 1 en attente`."""
    if delivery is None or delivery.empty:
        return {}
    texts: dict[str, list[str]] = {}
    for row in delivery.sort_values(["scope", "status"]).to_dict("records"):
        texts.setdefault(row["scope"], []).append(f"{int(row['n'])} {t.get('outbox_' + row['status'], row['status'])}")
    return {scope: " · ".join(parts) for scope, parts in texts.items()}


def _delivery_totals(delivery: pd.DataFrame | None, language: str, t: dict) -> list[dict]:
    if delivery is None or delivery.empty:
        return []
    totals = delivery.groupby("status")["n"].sum()
    return [
        {"status": t.get(f"outbox_{status}", status), "n": number(totals[status], language, 0)}
        for status in OUTBOX_STATUSES
        if status in totals
    ]
