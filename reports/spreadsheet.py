"""The attached tables as a spreadsheet in the reader's locale opens them: headers and values in the reader's
language; in French `;` between columns and a decimal comma (what French-locale Excel expects)."""

from __future__ import annotations

import pandas as pd

from reports.formatting import PERCENT_UNITS, missing
from reports.i18n import catalogue
from reports.people_context import LINK_ORDER
from reports.render import safe_csv

INDICATOR_COLUMNS = (
    "indicator", "axis", "campaign", "value", "unit", "score", "score_label", "status", "reason", "previous_score",
    "score_change", "n_rows", "band_low", "band_high", "computed_score", "assessed_score", "assessed_by",
)  # fmt: skip
CLUSTER_COLUMNS = (
    "rank", "cluster_id", "name", "value_chain", "campaign", "score", "coverage", "axis_1", "axis_2", "axis_3",
    "axis_4", "axis_5", "axis_6", "alerts",
)  # fmt: skip

ACCOUNT_COLUMNS = (
    "link", "actor_count", "volume_kg", "production_value_xof", "value_added_xof", "net_income_xof", "note",
)  # fmt: skip
PEOPLE_COLUMNS = (
    "jobs", "women_jobs", "youth_jobs", "jobs_change", "active_members", "women_share", "youth_share",
)  # fmt: skip


def indicators_csv(indicators: pd.DataFrame, language: str) -> bytes:
    """One cluster's indicators, one row per indicator: value in its unit (shares in %), score and its word,
    computed or assessed or not enough data, the reason, the rows used, the bounds of the score reached."""
    t = catalogue(language)
    rows = []
    for row in indicators.sort_values("indicator_id").to_dict("records"):
        unit, score, status = row.get("unit"), row.get("score"), str(row.get("status") or "insufficient_data")
        label = row.get(f"label_{language}") or row.get("label_fr") or ""
        rows.append(
            {
                "indicator": f"{row['indicator_id']} {label}",  # one text cell: French Excel reads `1.1` as a date
                "axis": row.get("axis"),
                "campaign": str(row.get("campaign") or ""),
                "value": _in_unit(row.get("value"), unit),
                "unit": t.get(f"csv_unit_{unit}", unit or ""),
                "score": None if missing(score) else int(score),
                "score_label": t["not_scored"] if missing(score) else t[f"score_{int(score)}"],
                "status": t.get(f"status_{status}", status),  # who assessed is in its own column
                "reason": "" if missing(row.get("reason")) else t.get(f"reason_{row['reason']}", str(row["reason"])),
                "previous_score": _whole(row.get("previous_score")),
                "score_change": _whole(row.get("score_change")),
                "n_rows": _whole(row.get("n_rows")),
                "band_low": _in_unit(row.get("band_low"), unit),
                "band_high": _in_unit(row.get("band_high"), unit),
                "computed_score": _whole(row.get("computed_score")),
                "assessed_score": _whole(row.get("assessed_score")),
                "assessed_by": "" if missing(row.get("assessed_by")) else str(row["assessed_by"]),
            }
        )
    frame = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    return safe_csv(frame.rename(columns=lambda c: t[f"csv_{c}"]), language)


def clusters_csv(table: pd.DataFrame, language: str = "fr") -> bytes:
    """The officers' table of every cluster (`cluster_table`, with `with_people`'s columns when given): coverage in
    %, headers in the reader's language."""
    t = catalogue(language)
    frame = table.reindex(
        columns=[c for c in (*CLUSTER_COLUMNS, *PEOPLE_COLUMNS) if c in CLUSTER_COLUMNS or c in table]
    )
    frame = frame.copy()
    frame["coverage"] = [_in_unit(v, "share") for v in frame["coverage"]]
    return safe_csv(frame.rename(columns=lambda c: t[f"csv_{c}"]), language)


def accounts_csv(accounts: pd.DataFrame, language: str) -> bytes:
    """One cluster's Table 7 (indicators.people.link_accounts), one row per link: actors, volume, production
    value, value added, net operating income, and why a figure is missing."""
    t = catalogue(language)
    order = {link: place for place, link in enumerate(LINK_ORDER)}
    frame = accounts.sort_values("link", key=lambda links: links.map(order).fillna(len(order)), kind="stable")
    frame = frame.reindex(columns=[*ACCOUNT_COLUMNS, "reason"]).reset_index(drop=True)
    frame["link"] = [t.get(f"link_{link}", link) for link in frame["link"]]
    frame["note"] = ["" if missing(r) else t.get(f"reason_{r}", str(r)) for r in frame["reason"]]
    for column in ACCOUNT_COLUMNS[1:-1]:
        frame[column] = [None if missing(v) else round(float(v)) for v in frame[column]]
    frame = frame[list(ACCOUNT_COLUMNS)]
    return safe_csv(frame.rename(columns=lambda c: t[f"csv_{c}"]), language)


def with_people(table: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The officers' cluster table with each cluster's jobs, their change and its members' shares (in %)."""
    figures = people.reindex(columns=["cluster_id", *PEOPLE_COLUMNS]).copy()
    for column in ("women_share", "youth_share"):
        figures[column] = [_in_unit(v, "share") for v in figures[column]]
    for column in ("jobs", "women_jobs", "youth_jobs", "jobs_change"):
        figures[column] = [None if missing(v) else round(float(v), 1) for v in figures[column]]
    return table.merge(figures, how="left", on="cluster_id")


def _in_unit(value, unit: str | None):
    """A share or a yearly rate as a percentage (one decimal), other values as they are; None when missing."""
    if missing(value):
        return None
    return round(float(value) * 100, 1) if unit in (*PERCENT_UNITS, "points_per_year") else round(float(value), 2)


def _whole(value) -> int | None:
    return None if missing(value) else int(value)
