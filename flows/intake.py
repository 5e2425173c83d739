"""The intake flow: one submitted file (or a folder of them) read, validated, stored or quarantined, announced,
and reported to the officers. Wiring only: the work is in flows/intake_run.py, schemas/readers, validations/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run

from flows.adapters import engine_for
from flows.events import announce_alerts
from flows.intake_run import ingest_file
from flows.intake_store import stored_inputs
from flows.settings import load_settings
from reports.i18n import catalogue
from reports.message import build_mime
from reports.render import Rendered, environment
from schemas.readers.names import table_from_name
from schemas.tables import CONTRACTS
from validations.report import quality_alert, report_context, subject
from warehouse import store
from warehouse.outbox import queue_message

RECEIVED = "vigie.submission.received"
VALIDATED = "vigie.submission.validated"
REJECTED = "vigie.submission.rejected"
ARCHIVE, REJECTED_DIR, PROCESSING = "archive", "rejected", "processing"
SUMMARY_FIELDS = ("submission_id", "file", "status", "rows_read", "rows_accepted", "rows_quarantined", "rows_warned",
                  "duplicate", "tables", "campaigns")  # fmt: skip


@task(cache_policy=NO_CACHE)
def ingest(path: str, table: str | None, expectations: bool = True) -> dict:
    """Read, validate, store or quarantine one file; its summary."""
    settings = load_settings()
    run_id = str(flow_run.id) if flow_run.id else None
    return ingest_file(
        path, table, settings, engine_for(settings), expectations=expectations, flow_run_id=run_id
    ).as_dict()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def raise_quality_alerts(summary: dict) -> int:
    """Store a data_quality alert (officers) for each cluster a poor submission touched, once; announce new ones."""
    alerts = quality_alerts(summary)
    if alerts.empty:
        return 0
    new = store.save_alerts(engine_for(load_settings()), None, alerts)
    announce_alerts(summary["submission_id"], new)
    return len(new)


def quality_alerts(summary: dict) -> pd.DataFrame:
    """The data_quality alerts a submission calls for: refused whole, or too many rows quarantined (rules.yaml).
    One per cluster touched (`*` when none is known); the subject names the file and the submission."""
    if summary["duplicate"] or not quality_alert(summary):
        return pd.DataFrame()
    campaigns = summary.get("campaigns") or []
    read = summary.get("rows_read") or 0
    share = 100.0 if summary["status"] == "rejected" or not read else 100.0 * summary["rows_quarantined"] / read
    return pd.DataFrame(
        {
            "rule": "data_quality",
            "cluster_id": summary.get("clusters") or ["*"],
            "campaign": campaigns[0] if len(campaigns) == 1 else ("*" if campaigns else "-"),
            "subject": f"{summary['file'][:50]} ({summary['submission_id'][:8]})",
            "severity": "high" if summary["status"] == "rejected" else "medium",
            "value": round(share, 2),
            "previous": None,
        }
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def read_store() -> tuple[dict, dict[str, dict[str, int]], str]:
    """The tables intake has stored (typed), their counts and a fingerprint of the submissions behind them."""
    settings = load_settings()
    return stored_inputs(settings, engine_for(settings))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def queue_validation_report(summary: dict) -> int:
    """Queue the French validation report for every officer (settings and the clusters touched); how many new."""
    settings = load_settings()
    engine = engine_for(settings)
    t = catalogue("fr")
    context = report_context(summary, t, docs_link=settings.site_link(summary.get("data_docs")))
    env = environment()
    rendered = Rendered(
        subject=subject(summary, t),
        html=env.get_template("validation.html.j2").render(**context),
        text=env.get_template("validation.txt.j2").render(**context),
    )
    campaigns = summary.get("campaigns") or []
    campaign = campaigns[0] if len(campaigns) == 1 else ("*" if campaigns else "-")
    queued = 0
    for recipient in officers(settings.officer_emails, summary.get("clusters") or [], settings.store_dir):
        mime = build_mime(rendered, settings.sender, recipient, {"X-Vigie-Submission": summary["submission_id"]})
        queued += queue_message(
            engine,
            kind="validation_report",
            scope=summary["submission_id"],
            campaign=campaign,
            recipient=recipient,
            subject=rendered.subject,
            mime=mime,
        )
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


def announce(summary: dict) -> None:
    """`vigie.submission.validated` once per cluster with accepted rows (resource vigie.cluster.<id>, so the
    missing-submission automation sees it), or once for the submission; `vigie.submission.rejected` when refused."""
    payload = {k: summary[k] for k in SUMMARY_FIELDS}
    submission = {
        "prefect.resource.id": f"vigie.submission.{summary['submission_id']}",
        "prefect.resource.role": "submission",
    }
    if summary["status"] == "rejected":
        emit_event(REJECTED, resource=submission, payload={**payload, "reason": summary.get("reason")})
        return
    if summary["status"] != "validated":
        return
    clusters = summary.get("clusters") or []
    if not clusters:
        emit_event(VALIDATED, resource=submission, payload=payload)
    for cluster_id in clusters:
        emit_event(
            VALIDATED,
            resource={"prefect.resource.id": f"vigie.cluster.{cluster_id}", "vigie.cluster": cluster_id},
            related=[submission],
            payload={**payload, "cluster_id": cluster_id},
        )


def file_away(path: Path, summary: dict) -> Path:
    """Move a file taken from the inbox to archive/ (processed) or rejected/ (with a reason file beside it)."""
    in_processing = path.parent.parent.name == PROCESSING
    inbox = path.parents[2] if in_processing else path.parent
    refused = summary["status"] != "validated"
    folder = inbox / (REJECTED_DIR if refused else ARCHIVE)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder / path.name)
    shutil.move(str(path), target)
    if in_processing and not any(path.parent.iterdir()):
        path.parent.rmdir()
    if refused:
        t = catalogue("fr")
        reason = report_context(summary, t)["refusal"] if summary["status"] == "rejected" else summary.get("reason")
        target.with_name(target.name + ".raison.txt").write_text(
            f"{summary['file']} : {reason}\n({summary.get('reason') or summary['status']})\n", encoding="utf-8"
        )
    return target


def _free_name(target: Path) -> Path:
    stem, n = target.name, 1
    while target.exists():
        n += 1
        target = target.with_name(f"{n}-{stem}")
    return target


def submission_order(folder: Path) -> list[Path]:
    """The files of `folder`, reference tables first (clusters, actors, ...), unknown names last."""
    order = list(CONTRACTS)

    def rank(path: Path) -> tuple[int, str]:
        try:
            table = table_from_name(path.name)
        except ValueError:
            table = None
        return (order.index(table) if table else len(order), path.name)

    return sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))), key=rank)


@flow(name="intake")
def intake(path: str, table: str | None = None, archive: bool = False, expectations: bool = True) -> dict | list[dict]:
    """Take in the file at `path` (a folder: each of its files, reference tables first); `table` names the table
    when the file's name does not; `archive` files the file away (inbox/archive or inbox/rejected) when done."""
    logger = get_run_logger()
    target = Path(path)
    files = submission_order(target) if target.is_dir() else [target]
    summaries = []
    for file in files:
        summary = ingest(str(file), table or None, expectations)
        if not summary["duplicate"]:  # a file already taken in changes nothing, and says nothing again
            announce(summary)
            queue_validation_report(summary)
            raise_quality_alerts(summary)
        if archive:
            file_away(file, summary)
        logger.info(
            "%s: %s, %d rows read, %d accepted, %d quarantined, %d warned%s",
            file.name, summary["status"], summary["rows_read"], summary["rows_accepted"],
            summary["rows_quarantined"], summary["rows_warned"], " (already received)" if summary["duplicate"] else "",
        )  # fmt: skip
        summaries.append(summary)
    return summaries if target.is_dir() else summaries[0]
