"""Women, youth and Table 7 in words: one cluster's block of the committee dashboard, and the officers' summary
across clusters. Figures come from the review (indicators.people); missing ones are said, never shown as zero."""

from __future__ import annotations

import pandas as pd

from indicators.people import PEOPLE_COLUMNS
from reports.formatting import measure, missing, number, percent, signed
from reports.words import counted

LINK_ORDER = (
    "input_supplier", "producer", "processor", "trader", "distributor", "financial_service",
    "non_financial_service", "public_support",
)  # fmt: skip


def people_panel(people: pd.DataFrame | None, accounts: pd.DataFrame | None, language: str, t: dict) -> dict | None:
    """The block of one cluster (its rows only): jobs, their change, active members, Table 7 per link; None when
    the review carried no such frames (an older review)."""
    if people is None or people.empty:
        return None
    row = people.iloc[0].to_dict()
    return {
        "jobs": _jobs_lines(row, language, t),
        "members": _members_line(row, language, t),
        "links": link_lines(accounts, language, t),
        "links_none": t["people_accounts_none"],
    }


def _jobs_lines(row: dict, language: str, t: dict) -> list[str]:
    """`22 emplois …, dont 8 tenus par des femmes (36 %) …` and the change since the previous campaign."""
    if missing(row.get("jobs")):
        return [_reason(row.get("jobs_reason"), t)]
    total = float(row["jobs"])
    lines = [counted(round(total), "people_jobs", t, language)]
    for figure in ("women_jobs", "youth_jobs"):
        value = row.get(figure)
        if missing(value):
            lines.append(t[f"people_{figure}_unknown"])
        else:
            base = row.get(f"{figure}_of")
            share = percent(float(value) / float(base) if not missing(base) and float(base) > 0 else None, language)
            lines.append(counted(round(float(value)), f"people_{figure}", t, language, share=share))
    if missing(row.get("previous")) or missing(row.get("jobs_change")):
        lines.append(t["people_jobs_no_change"])
    else:
        parts = [
            t[f"people_change_{figure}"].format(n=signed(row.get(f"{figure}_change"), language, 0))
            for figure in ("jobs", "women_jobs", "youth_jobs")
            if not missing(row.get(f"{figure}_change"))
        ]
        lines.append(t["people_jobs_change"].format(previous=row["previous"], changes=", ".join(parts)))
    return lines


def _members_line(row: dict, language: str, t: dict) -> str:
    """`40 membres actifs : 45 % de femmes, 30 % de jeunes` (a share not recorded is said so), or why none."""
    active = int(row.get("active_members") or 0)
    if not active:
        return _reason(row.get("members_reason"), t)
    parts = {
        who: t[f"people_members_{who}_unknown"]
        if missing(row.get(f"{who}_share"))
        else t[f"people_members_{who}"].format(share=percent(row[f"{who}_share"], language))
        for who in ("women", "youth")
    }
    return t["people_members"].format(members=counted(active, "n_active_members", t, language), **parts)


def link_lines(accounts: pd.DataFrame | None, language: str, t: dict) -> list[dict]:
    """Table 7, one line per link in value-chain order: its name, actors, volume, value added, net income."""
    if accounts is None or accounts.empty:
        return []
    order = {link: place for place, link in enumerate(LINK_ORDER)}
    rows = sorted(accounts.to_dict("records"), key=lambda r: order.get(r["link"], len(order)))
    return [
        {
            "link": t.get(f"link_{row['link']}", row["link"]),
            "actors": "" if missing(row.get("actor_count")) else counted(row["actor_count"], "n_actors", t, language),
            "volume": "" if missing(row.get("volume_kg")) else measure(row["volume_kg"], "kg", language),
            "value_added": measure(row.get("value_added_xof"), "xof", language),
            "net_income": measure(row.get("net_income_xof"), "xof", language),
            "note": "" if missing(row.get("reason")) else _reason(row["reason"], t),
        }
        for row in rows
    ]


def programme_people(people: pd.DataFrame, language: str) -> dict:
    """Across clusters (officers only): jobs summed over the clusters that report them, the share held by women
    and by youth of the jobs of the links that recorded them, the median shares of active members, and how many
    clusters sent no employment or no membership figures (facts kept by an older version lack some columns)."""
    people = people.reindex(columns=PEOPLE_COLUMNS)
    jobs = people["jobs"].astype("float64")
    return {
        "jobs": number(jobs.sum(), language, 0),
        "women_jobs": percent(_share_of_jobs(people["women_jobs"], people["women_jobs_of"]), language),
        "youth_jobs": percent(_share_of_jobs(people["youth_jobs"], people["youth_jobs_of"]), language),
        "women_members": percent(people["women_share"].astype("float64").median(), language),
        "youth_members": percent(people["youth_share"].astype("float64").median(), language),
        "n_with_jobs": int(jobs.notna().sum()),
        "n_without_jobs": int(jobs.isna().sum()),
        "n_without_members": int((people["active_members"].fillna(0) == 0).sum()),
    }


def _share_of_jobs(part: pd.Series, jobs: pd.Series) -> float | None:
    """Sum of `part` / sum of the jobs it is taken of, over the clusters where both are known (None when none is)."""
    part, jobs = part.astype("float64"), jobs.astype("float64")
    both = part.notna() & jobs.notna()
    return float(part[both].sum() / jobs[both].sum()) if both.any() and jobs[both].sum() > 0 else None


def _reason(key, t: dict) -> str:
    """A reason's words, capitalised as a sentence of its own."""
    text = t.get(f"reason_{key}", t["people_unknown"]) if not missing(key) else t["people_unknown"]
    return text[:1].upper() + text[1:]
