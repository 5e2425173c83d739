"""The programme view (officers only): per indicator the spread of scores across clusters, the programme's trend
over the seasons, the ranking by change, and what data each cluster has not sent.

`programme_facts` gathers plain numbers and names from a review (JSON-ready: kept beside the site with the other
officer facts); `programme_panel` words them. Never given to a committee: `programme_medians` is the one figure a
committee may see, without any name, when VIGIE_SHOW_PROGRAMME_MEDIAN allows it.
"""

from __future__ import annotations

import pandas as pd

from reports.formatting import missing, number, signed
from reports.people_context import programme_people
from reports.words import counted
from schemas.campaign import season_year

NAMES_SHOWN = 5
"""Clusters named at most per list in the digest (the attached CSV has them all)."""
RANKED_SHOWN = 10
"""Clusters shown at each end of the ranking by change."""
CHASED_SHOWN = 20
"""Clusters listed with missing or thin tables."""


def programme_facts(review, names: dict[str, str]) -> dict:
    """Distribution per indicator, trend per season, ranking by change, completeness, jobs (JSON-ready)."""
    return {
        "indicators": _distribution(review.indicators, review.history, names),
        "trend": _trend(review.trend),
        "ranking": _by_change(review.overall, review.trend, names),
        "completeness": chase_rows(review.completeness, names),
        "people": json_ready(review.people),
    }


def programme_medians(indicators: pd.DataFrame) -> dict[str, float]:
    """Indicator id -> the median score across the reviewed clusters (scored ones only); no cluster named."""
    scored = indicators[indicators["score"].notna()]
    return {key: float(value) for key, value in scored.groupby("indicator_id")["score"].median().items()}


def with_programme_medians(rows: list[dict], medians: dict[str, float] | None, language: str, t: dict) -> list[dict]:
    """A committee's indicator rows, each with `programme_median_text` (empty unless the setting gave medians)."""
    medians = medians or {}
    return [
        {**row, "programme_median_text": t["programme_committee_median"].format(median=_score(medians[row["id"]],
         language)) if row["id"] in medians else ""}
        for row in rows
    ]  # fmt: skip


def _distribution(indicators: pd.DataFrame, history: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """Per indicator: clusters at each score, not scored, the median, the names at 1, the median per season."""
    by_season = _season_medians(history)
    rows = []
    for indicator_id, group in indicators.groupby("indicator_id", sort=True):
        scores = group["score"].astype("Float64")
        at_one = sorted(names.get(c, c) for c in group.loc[(scores == 1).fillna(False), "cluster_id"])
        rows.append(
            {
                "id": str(indicator_id),
                "label_fr": str(group["label_fr"].iloc[0]),
                "label_en": str(group["label_en"].iloc[0]),
                "counts": [int((scores == s).sum()) for s in (1, 2, 3, 4)],
                "not_scored": int(scores.isna().sum()),
                "median": None if scores.notna().sum() == 0 else float(scores.median()),
                "at_one": at_one,
                "medians": by_season.get(str(indicator_id), []),
            }
        )
    return rows


def _season_medians(history: pd.DataFrame) -> dict[str, list[list]]:
    """Indicator id -> [[season year, median score], ...] over the campaigns reviewed (oldest first)."""
    scored = history[history["score"].notna()]
    if scored.empty:
        return {}
    medians = scored.assign(year=_years(scored["campaign"])).groupby(["indicator_id", "year"])["score"].median()
    out: dict[str, list[list]] = {}
    for (indicator_id, year), value in medians.items():
        out.setdefault(str(indicator_id), []).append([int(year), float(value)])
    return out


def _years(campaigns: pd.Series) -> pd.Series:
    """The year each campaign ends in, parsed once per distinct name."""
    names = campaigns.astype("str")
    return names.map({name: season_year(name) for name in names.unique()})


def _trend(trend: pd.DataFrame) -> list[dict]:
    """Per season year: the median overall score across clusters and how many clusters it covers."""
    overall = trend[(trend["axis"] == 0) & trend["score"].notna()]
    if overall.empty:
        return []
    seasons = overall.assign(year=_years(overall["campaign"])).groupby("year")["score"]
    medians, sizes = seasons.median(), seasons.size()
    return [{"year": int(year), "median": float(medians[year]), "n": int(sizes[year])} for year in medians.index]


def _by_change(overall: pd.DataFrame, trend: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """Clusters by the change of their overall score since their previous campaign, largest rise first; those
    without a previous score last (change None)."""
    earlier = trend.loc[(trend["axis"] == 0) & trend["score"].notna(), ["cluster_id", "campaign", "score"]]
    pairs = overall[["cluster_id", "campaign", "score"]].merge(earlier, on="cluster_id", suffixes=("", "_before"))
    pairs = pairs[pairs["campaign_before"].astype(str) < pairs["campaign"].astype(str)]
    previous = pairs.sort_values("campaign_before").groupby("cluster_id")["score_before"].last()
    rows = []
    for row in overall.to_dict("records"):
        before = previous.get(row["cluster_id"])
        score = None if missing(row["score"]) else float(row["score"])
        change = None if missing(before) or score is None else round(score - float(before), 2)
        rows.append({"name": names.get(row["cluster_id"], row["cluster_id"]), "score": score,
                     "previous": None if missing(before) else float(before), "change": change})  # fmt: skip
    return sorted(rows, key=lambda r: (r["change"] is None, -(r["change"] or 0), r["name"]))


def chase_rows(completeness: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """Clusters with a missing or thin table: name, campaign, the missing tables, the thin ones with their rows
    (table, rows, rows the campaign before, the grid's minimum); the most gaps first."""
    gaps: dict[tuple[str, str], dict] = {}
    for row in completeness[completeness["status"] != "ok"].to_dict("records"):
        key = (row["cluster_id"], str(row["campaign"]))
        entry = gaps.setdefault(key, {"name": names.get(key[0], key[0]), "campaign": key[1], "missing": [], "thin": []})
        if row["status"] == "missing":
            entry["missing"].append(row["table"])
        else:
            before = None if missing(row["previous_rows"]) else int(row["previous_rows"])
            entry["thin"].append([row["table"], int(row["rows"]), before, int(row["min_rows"])])
    out = [{**entry, "missing": sorted(entry["missing"])} for entry in gaps.values()]
    return sorted(out, key=lambda r: (-len(r["missing"]) - len(r["thin"]), r["name"]))


def json_ready(frame: pd.DataFrame) -> list[dict]:
    """A frame as records of plain Python values (None for missing)."""
    return [{k: (None if missing(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.to_dict("records")]  # fmt: skip


def programme_panel(facts: dict | None, language: str, t: dict) -> dict | None:
    """The programme view in words for the officers' digest (None for a digest without programme facts)."""
    if not facts:
        return None
    ranking = facts["ranking"]
    shown = ranking if len(ranking) <= 2 * RANKED_SHOWN else ranking[:RANKED_SHOWN] + ranking[-RANKED_SHOWN:]
    return {
        "indicators": [_indicator_line(row, language, t) for row in facts["indicators"]],
        "trend": " → ".join(
            t["programme_trend_item"].format(year=r["year"], median=number(r["median"], language, 2), n=r["n"])
            for r in facts["trend"]
        ),
        "ranking": [
            {
                "name": r["name"],
                "change": t["programme_no_previous"] if r["change"] is None else signed(r["change"], language, 2),
                "path": f"{number(r['previous'], language, 2)} → {number(r['score'], language, 2)}",
            }
            for r in shown
        ],
        "ranking_cut": t["programme_ranking_cut"].format(n=len(ranking) - len(shown))
        if len(shown) < len(ranking)
        else "",  # fmt: skip
        "chase": [chase_line(row, language, t) for row in facts["completeness"][:CHASED_SHOWN]],
        "chase_more": max(0, len(facts["completeness"]) - CHASED_SHOWN),
        "people": _people_lines(facts["people"], language, t),
    }


def _indicator_line(row: dict, language: str, t: dict) -> dict:
    """`1 : 2 · 2 : 1 · 3 : 0 · 4 : 3`, the median, its seasons, and the clusters at 1 (a few, then a count)."""
    at_one = row["at_one"][:NAMES_SHOWN]
    more = len(row["at_one"]) - len(at_one)
    return {
        "id": row["id"],
        "label": row.get(f"label_{language}") or row["label_fr"],
        "counts": [{"score": s, "n": n} for s, n in zip((1, 2, 3, 4), row["counts"], strict=True)],
        "not_scored": row["not_scored"],
        "median": t["programme_no_median"] if row["median"] is None else _score(row["median"], language),
        "medians": " → ".join(f"{year} : {_score(m, language)}" for year, m in row["medians"]),
        "at_one": ", ".join(at_one) + (t["programme_more"].format(n=more) if more else ""),
    }


def _score(value: float, language: str) -> str:
    """A median score: whole when it is (`3`), else one decimal (`2,5`)."""
    return number(value, language, 0 if float(value) == int(value) else 1)


def chase_line(row: dict, language: str, t: dict) -> str:
    """`Cluster X (2024-2025) : manquent ventes, contrats · peu de lignes : livraisons 12 (30 avant)`."""
    parts = []
    if row["missing"]:
        parts.append(t["programme_missing"].format(tables=", ".join(t.get(f"table_{x}", x) for x in row["missing"])))
    if row["thin"]:
        thin = [
            t["programme_thin_item"].format(table=t.get(f"table_{name}", name), rows=number(rows, language, 0))
            + " "
            + (
                t["programme_thin_min"].format(rows=number(least, language, 0))
                if rows < least
                else t["programme_thin_before"].format(rows=number(before, language, 0))
            )
            for name, rows, before, least in row["thin"]
        ]
        parts.append(t["programme_thin"].format(tables=", ".join(thin)))
    return f"{row['name']} ({row['campaign']}) : " + " · ".join(parts)


def _people_lines(people: list[dict], language: str, t: dict) -> list[str]:
    """Jobs and members across clusters, in two or three sentences."""
    if not people:
        return []
    figures = programme_people(pd.DataFrame(people), language)
    lines = [
        t["people_programme_jobs"].format(
            n=figures["jobs"],
            clusters=counted(figures["n_with_jobs"], "n_clusters", t, language),
            women=figures["women_jobs"],
            youth=figures["youth_jobs"],
        ),  # fmt: skip
        t["people_programme_members"].format(women=figures["women_members"], youth=figures["youth_members"]),
    ]
    if figures["n_without_jobs"] or figures["n_without_members"]:
        lines.append(t["people_programme_missing"].format(jobs=figures["n_without_jobs"],
                                                          members=figures["n_without_members"]))  # fmt: skip
    return lines
