"""What the officer reads in the Prefect UI after a run, as pure functions: a review's summary (markdown) and its
scores (table rows), an intake's validation summary (markdown). Every word comes from reports/i18n; flows/ui.py
posts them as artifacts."""

from __future__ import annotations

import re

import pandas as pd

from indicators import LEVELS, Review
from reports.formatting import missing, number, percent, signed
from reports.officer_context import cluster_table
from reports.site import INDEX, OFFICER_PAGE, cluster_page
from reports.words import counted
from validations.report import report_context

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")


def plain(value: object) -> str:
    """A text shown as it is in markdown: special characters escaped, `<` and `>` as entities, on one line."""
    text = re.sub(r"[ \t\r\n]+", " ", str(value)).strip()  # no-break spaces stay (French typography)
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def artifact_key(*parts: str) -> str:
    """An artifact key from `parts`: lowercase letters, digits and dashes only, as Prefect requires."""
    key = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")
    return key[:100].strip("-") or "vigie"


def site_link(site_url: str | None, page: str) -> str | None:
    """The address of a page of the static site under VIGIE_SITE_URL; None without it."""
    return f"{site_url.rstrip('/')}/{page}" if site_url else None


def previous_overall(review: Review) -> dict[str, float]:
    """Cluster id -> its overall score of the campaign before the reviewed one (when there is one)."""
    trend, current = review.trend, dict(zip(review.overall["cluster_id"], review.overall["campaign"], strict=True))
    if trend is None or trend.empty:
        return {}
    earlier = trend[(trend["axis"] == 0) & trend["score"].notna()]
    earlier = earlier[earlier["campaign"].astype(str) < earlier["cluster_id"].map(current).astype(str)]
    last = earlier.sort_values("campaign").groupby("cluster_id")["score"].last()
    return {cluster_id: float(score) for cluster_id, score in last.items()}


def review_rows(review: Review, clusters: pd.DataFrame, t: dict[str, str], site_url: str | None = None) -> list[dict]:
    """One row per reviewed cluster, best first, headed in the officer's words: rank, name, value chain,
    campaign, overall score, level, change, alerts, coverage, the 6 axes and the dashboard's address."""
    table = cluster_table(review.overall, review.axes, review.alerts, clusters)
    before = previous_overall(review)
    return [
        {
            t["officer_rank"]: int(row["rank"]),
            t["officer_cluster"]: row.get("name") or row["cluster_id"],
            t["artifact_cluster_id"]: row["cluster_id"],
            t["value_chain"]: row.get("value_chain") or "",
            t["campaign"]: str(row["campaign"]),
            t["overall_score"]: number(row["score"], "fr", 2),
            t["level"]: level_label(row.get("level"), t),
            t["change"]: _change(row["score"], before.get(row["cluster_id"])),
            t["officer_alerts"]: int(row["alerts"]),
            t["coverage"]: percent(row["coverage"], "fr"),
            **{t["axis_short"].format(n=a): number(row[f"axis_{a}"], "fr", 1) for a in range(1, 7)},
            t["artifact_dashboard"]: site_link(site_url, cluster_page(row["cluster_id"])) or "",
        }
        for row in table.to_dict("records")
    ]


def level_label(level: object, t: dict[str, str]) -> str:
    """A level's French word (`en progrès`), `pas assez de données` when the cluster has none."""
    return t["insufficient"] if missing(level) or level not in LEVELS else LEVELS[level]["fr"]


def _change(score: object, previous: float | None) -> str:
    """The change of the overall score since the previous campaign (`+0,25`), `–` without one."""
    return "–" if previous is None or missing(score) else signed(float(score) - previous, "fr", 2)


def review_markdown(
    review: Review,
    clusters: pd.DataFrame,
    t: dict[str, str],
    new_alerts: int,
    counts: dict[str, dict[str, int]] | None = None,
    site_url: str | None = None,
) -> str:
    """The review's summary: clusters reviewed and mean score, alerts, each cluster's score, level, change,
    alerts and coverage (linked to its dashboard), rows used per table, where the dashboards are."""
    rows = review_rows(review, clusters, t, site_url)
    mean = review.overall["score"].astype("float64").mean()
    lines = [f"# {plain(t['artifact_review_title'].format(season=review.campaign))}", ""]
    lines += [plain(t["officer_summary"].format(n=len(rows), mean=number(mean, "fr", 2))), ""]
    lines += [plain(alerts_sentence(rows, t)), "", plain(t["artifact_new_alerts"].format(n=new_alerts)), ""]
    lines += _cluster_table(rows, t) + [""] + _quality_table(counts or {}, t) + [_site_sentence(site_url, t)]
    return "\n".join(lines) + "\n"


def alerts_sentence(rows: list[dict], t: dict[str, str]) -> str:
    """`Alertes du bilan : 5 alertes dans 2 clusters`, or that the review raised none."""
    per_cluster = [row[t["officer_alerts"]] for row in rows]
    if not sum(per_cluster):
        return t["officer_review_alerts_none"]
    n, where = sum(per_cluster), sum(1 for n in per_cluster if n)
    said = t["officer_review_alerts_count"].format(
        n=counted(n, "n_alerts", t, "fr"), clusters=counted(where, "n_clusters", t, "fr")
    )
    return f"{t['officer_review_alerts']} : {said}"


def _cluster_table(rows: list[dict], t: dict[str, str]) -> list[str]:
    """The clusters as a markdown table, each name linked to its dashboard when the site has an address."""
    heads = [t[k] for k in ("officer_rank", "officer_cluster", "value_chain", "campaign", "overall_score", "level",
                            "change", "officer_alerts", "coverage")]  # fmt: skip
    lines = ["| " + " | ".join(plain(h) for h in heads) + " |", "|" + " --- |" * len(heads)]
    for row in rows:
        name, link = plain(row[t["officer_cluster"]]), row[t["artifact_dashboard"]]
        cells = [plain(row[h]) for h in heads]
        cells[1] = f"[{name}]({link})" if link else name
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _quality_table(counts: dict[str, dict[str, int]], t: dict[str, str]) -> list[str]:
    """Rows read, kept and refused per table, as a markdown table (nothing when the counts are unknown)."""
    if not counts:
        return []
    heads = [plain(t[k]) for k in ("validation_tables", "officer_read", "officer_accepted", "officer_refused")]
    lines = [f"## {plain(t['officer_rows'])}", "", "| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
    for name, c in sorted(counts.items()):
        figures = [number(c[k], "fr", 0) for k in ("read", "accepted", "rejected")]
        lines.append("| " + " | ".join([plain(t.get(f"table_{name}", name)), *figures]) + " |")
    return [*lines, ""]


def _site_sentence(site_url: str | None, t: dict[str, str]) -> str:
    """Where the dashboards are: the site's index and officers' page linked, or the site named in words."""
    if not site_url:
        return plain(t["artifact_site_words"])
    index, officer = site_link(site_url, INDEX), site_link(site_url, OFFICER_PAGE)
    return f"[{plain(t['artifact_site_index'])}]({index}) · [{plain(t['site_officer_link'])}]({officer})"


def intake_markdown(summary: dict, t: dict[str, str], docs_link: str | None = None) -> str:
    """One submitted file's summary: counts, the most frequent problems with examples and what to fix, the
    columns not used, the table-wide checks, and the link to its validation page (`docs_link`)."""
    report = report_context(summary, t, docs_link=docs_link)
    title = t["artifact_intake_title"].format(file=summary["file"], status=report["status_label"])
    lines = [f"# {plain(title)}", ""]
    facts = [("validation_submission", "short_id"), ("validation_tables", "tables"),
             ("validation_clusters", "clusters"), ("validation_campaigns", "campaigns")]  # fmt: skip
    lines += [f"- {plain(t[label])} : {plain(report[key])}" for label, key in facts] + [""]
    if report["duplicate"]:
        lines += [plain(t["validation_duplicate"]), ""]
    if report["rejected"]:
        lines += [plain(t["validation_refused_intro"]), f"> {plain(report['refusal'])}", "",
                  plain(t["validation_refused_fix"]), ""]  # fmt: skip
    else:
        lines += _intake_body(report, t)
    return "\n".join([*lines, _docs_sentence(report, t)]).rstrip() + "\n"


def _intake_body(report: dict, t: dict[str, str]) -> list[str]:
    """Counts, quality alert, problems with examples, columns, table-wide checks, how to fix."""
    lines = [f"- {plain(label)} : {number(value, 'fr', 0)}" for label, value in report["counts"]] + [""]
    if report["quality_alert"]:
        lines += [f"**{plain(t['validation_quality_alert'])}**", ""]
    lines += [f"## {plain(t['validation_problems'])}", ""]
    for p in report["problems"]:
        lines.append(f"- **{plain(p['title'])}** ({plain(p['count_text'])})")
        lines += [f"    - {plain(example)}" for example in p["examples"]]
        lines.append(f"    - {plain(t['validation_fix'])} : {plain(p['fix'])}")
    if not report["problems"]:
        lines.append(plain(t["validation_no_problem"]))
    columns = report["column_warnings"] + report["unused_columns"]
    if columns:
        lines += ["", f"## {plain(t['validation_columns'])}", ""] + [f"- {plain(line)}" for line in columns]
    lines += ["", f"## {plain(t['validation_expectations'])}", ""]
    lines += [f"- {plain(line)}" for line in report["expectations"]] or [plain(t["validation_expectations_ok"])]
    if report["how_to_fix"]:
        lines += ["", plain(report["how_to_fix"]), "", plain(t["validation_row_numbers"])]
    return [*lines, ""]


def _docs_sentence(report: dict, t: dict[str, str]) -> str:
    """Where the file's validation page is: linked on the site, or named in words; nothing without one."""
    if not report["data_docs"]:
        return ""
    said = plain(t["validation_data_docs"].format(where=report["data_docs"]))
    return f"[{said}]({report['docs_link']})" if report["docs_link"] else said
