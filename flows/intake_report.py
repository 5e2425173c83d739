"""The officers' validation reports: one per file submitted alone, one digest per batch (a folder, several files
at once) listing each file's counts and problems. Outbox kind `validation_report`; scope the submission id, or
`batch:<hash of the batch's submission ids>` (stable: the same batch never queues twice)."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.adapters import engine_for
from flows.reporting import queue_rendered
from flows.settings import TASK_TIMEOUT_S, Settings
from reports.budget import measure
from reports.i18n import catalogue
from reports.render import Rendered, environment
from validations.report import report_context, subject

KIND = "validation_report"


def batch_scope(summaries: list[dict]) -> str:
    """`batch:` and a hash of the batch's submission ids (order aside): the same batch, the same key."""
    ids = "\n".join(sorted(s["submission_id"] for s in summaries))
    return "batch:" + hashlib.sha256(ids.encode("utf-8")).hexdigest()[:16]


def batch_subject(summaries: list[dict], t: dict[str, str]) -> str:
    """The digest's subject and summary figures: files, rows accepted and quarantined, files refused."""
    return t["validation_batch_subject"].format(**_figures(summaries))


def render_batch(summaries: list[dict], scope: str, t: dict[str, str]) -> Rendered:
    """One digest of several submissions: a short summary, then each file's report in submission order; with
    many files, the example rows are left out, then each file is one line (its counts) to stay within budget."""
    env = environment()
    reports = [report_context(s, t, docs_link=s.get("docs_link")) for s in summaries]
    for trim in (None, "examples", "compact"):
        shown = [_trimmed(report, trim) for report in reports]
        context = {"t": t, "batch": scope, "summary": t["validation_batch_summary"].format(**_figures(summaries)),
                   "reports": shown, "compact": trim == "compact"}  # fmt: skip
        rendered = Rendered(
            subject=batch_subject(summaries, t),
            html=env.get_template("validation_batch.html.j2").render(**context),
            text=env.get_template("validation_batch.txt.j2").render(**context),
        )
        if measure(rendered).fits():
            break
    return rendered


def _trimmed(report: dict, trim: str | None) -> dict:
    """A file's report without example rows and Data Docs path (any `trim`); the counts always stay."""
    if trim is None:
        return report
    return {**report, "problems": [{**p, "examples": []} for p in report["problems"]], "data_docs": None}


def render_single(summary: dict, t: dict[str, str]) -> Rendered:
    """The report of one file submitted on its own."""
    env = environment()
    context = report_context(summary, t, docs_link=summary.get("docs_link"))
    return Rendered(
        subject=subject(summary, t),
        html=env.get_template("validation.html.j2").render(**context),
        text=env.get_template("validation.txt.j2").render(**context),
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def queue_validation_reports(settings: Settings, summaries: list[dict]) -> int:
    """Queue what the officers hear of these submissions: one report for a single file, else one digest per
    officer listing the files that concern them; how many messages are new."""
    if not summaries:
        return 0
    engine = engine_for(settings)
    t = catalogue("fr")
    summaries = [{**s, "docs_link": settings.site_link(s.get("data_docs"))} for s in summaries]  # VIGIE_SITE_URL
    by_officer: dict[str, list[dict]] = {}
    for summary in summaries:
        for recipient in officers(settings.officer_emails, summary.get("clusters") or [], settings.store_dir):
            by_officer.setdefault(recipient, []).append(summary)
    scope = summaries[0]["submission_id"] if len(summaries) == 1 else batch_scope(summaries)
    queued = 0
    for recipient, mine in by_officer.items():
        render = partial(render_single, mine[0], t) if len(summaries) == 1 else partial(render_batch, mine, scope, t)
        headers = {"X-Vigie-Submission": " ".join(s["submission_id"] for s in mine)}
        key = (KIND, scope, _campaign(mine), recipient)
        queued += queue_rendered(settings, engine, render, key, None, headers)  # one that cannot be built: failed
    return queued


def officers(programme: tuple[str, ...], clusters: list[str], store_dir: Path) -> list[str]:
    """The programme's officers and the officers named by the clusters touched, each once."""
    from warehouse.parquet_store import read_rows

    found = list(programme)
    registry = read_rows(store_dir, "clusters", ["cluster_id", "officer_emails"]) if clusters else None
    if registry is not None:
        for cluster_id, emails in zip(*(registry.column(c).to_pylist() for c in registry.column_names), strict=True):
            if cluster_id in clusters:
                found += [a.strip() for a in str(emails or "").replace(",", ";").split(";") if a.strip()]
    return list(dict.fromkeys(found))


def _campaign(summaries: list[dict]) -> str:
    campaigns = sorted({c for s in summaries for c in s.get("campaigns") or []})
    return campaigns[0] if len(campaigns) == 1 else ("*" if campaigns else "-")


def _figures(summaries: list[dict]) -> dict[str, int]:
    rejected = sum(1 for s in summaries if s["status"] == "rejected")
    return {
        "n": len(summaries),
        "validated": sum(1 for s in summaries if s["status"] == "validated"),
        "rejected": rejected,
        "accepted": sum(int(s.get("rows_accepted") or 0) for s in summaries),
        "quarantined": sum(int(s.get("rows_quarantined") or 0) for s in summaries),
    }
