"""The intake flow: one submitted file (or a folder of them) read, validated, stored or quarantined, announced,
and reported to the officers (flows/intake_report.py). Wiring only: the work is in flows/intake_run.py,
schemas/readers, validations/."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.runtime import flow_run

from flows.adapters import engine_for
from flows.events import announce_alerts, request_delivery
from flows.inbox import ARCHIVE, REJECTED_DIR, inbox_file, move_inside, refusal, submitted_file
from flows.intake_report import queue_validation_reports
from flows.intake_run import ingest_file
from flows.intake_store import stored_inputs
from flows.settings import FLOW_TIMEOUT_S, TASK_TIMEOUT_S, Settings, load_settings
from flows.ui import cluster_value_chains, intake_run_name, intake_tags, label_run, show_intake
from reports.i18n import catalogue
from schemas.readers.names import table_from_name
from schemas.tables import CONTRACTS
from validations.report import quality_alert, report_context
from warehouse import store
from warehouse.leftovers import mark_interrupted

RECEIVED = "vigie.submission.received"
VALIDATED = "vigie.submission.validated"
REJECTED = "vigie.submission.rejected"
SUMMARY_FIELDS = ("submission_id", "file", "status", "rows_read", "rows_accepted", "rows_quarantined", "rows_warned",
                  "duplicate", "tables", "campaigns")  # fmt: skip


@task(cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_S)
def ingest(settings: Settings, path: str, table: str | None, expectations: bool = True) -> dict:
    """Read, validate, store or quarantine one file; its summary."""
    run_id = str(flow_run.id) if flow_run.id else None
    return ingest_file(
        path, table, settings, engine_for(settings), expectations=expectations, flow_run_id=run_id
    ).as_dict()


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def raise_quality_alerts(settings: Settings, summary: dict) -> int:
    """Store a data_quality alert (officers) for each cluster a poor submission touched, once; announce new ones."""
    alerts = quality_alerts(summary)
    if alerts.empty:
        return 0
    new = store.save_alerts(engine_for(settings), None, alerts)
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


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def read_store(settings: Settings, as_of: str | None = None) -> tuple[dict, dict[str, dict[str, int]], str, dict]:
    """The tables intake has stored (typed), their counts, a fingerprint of the submissions behind them and the
    store versions read (`{"store": 12, "tables": {"deliveries": 7, ...}}`): as of the last store version, or
    of `as_of` (a store version number or an ISO time)."""
    from warehouse import store_log

    manifest = store_log.load(settings.store_dir, store_log.as_of_value(as_of))
    tables, counts, inputs = stored_inputs(settings, engine_for(settings), manifest if as_of else None)
    return tables, counts, inputs, {"store": manifest.version, "tables": manifest.versions}


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


def file_away(path: Path, summary: dict, inbox: Path) -> Path:
    """Move a file taken from the inbox to `inbox/archive` (processed) or `inbox/rejected` (with a reason file)."""
    if summary["status"] == "validated":
        return move_inside(path, inbox, ARCHIVE)
    t = catalogue("fr")
    reason = report_context(summary, t)["refusal"] if summary["status"] == "rejected" else summary.get("reason")
    note = f"{summary['file']} : {reason}\n({summary.get('reason') or summary['status']})\n"
    return move_inside(path, inbox, REJECTED_DIR, note)


def submission_order(folder: Path) -> list[Path]:
    """The regular files of `folder` (no link, fifo or device), reference tables first (clusters, actors, ...),
    unknown names last."""
    order = list(CONTRACTS)

    def rank(path: Path) -> tuple[int, str]:
        try:
            table = table_from_name(path.name)
        except ValueError:
            table = None
        return (order.index(table) if table else len(order), path.name)

    files = (p for p in folder.iterdir() if refusal(p, follow=False) is None and not p.name.startswith((".", "~$")))
    return sorted(files, key=rank)


@flow(name="intake", flow_run_name=intake_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def intake(
    path: str | list[str],
    table: str | None = None,
    archive: bool = False,
    expectations: bool = True,
    inbox: str | None = None,
) -> dict | list[dict]:
    """Take in a submitted file (or a folder of them, reference tables first) as one batch: check every row, store
    the accepted rows, quarantine the others with their reasons, report to the officers.

    With `archive`, each file must be a regular file inside the inbox and is filed away there when done (archive/
    or rejected/); any other path is refused before anything is read or moved.

    Args:
        path: The file to take in (CSV, XLSX, KoboToolbox or ODK export), a folder of such files, or a list of files.
        table: The table the file holds (e.g. deliveries), when its name does not say it (leave empty: from the name).
        archive: The file comes from the inbox: move it to archive/ or rejected/ when done.
        expectations: Also run the table-wide checks (completeness and plausibility) and build their page.
        inbox: The inbox folder, with `archive` (leave empty: VIGIE_INBOX_DIR).
    """
    logger = get_run_logger()
    settings = load_settings()
    swept = mark_interrupted(engine_for(settings), settings.stale_after_s)
    if swept:
        logger.warning("%s", swept)
    targets = [Path(p) for p in ([path] if isinstance(path, str) else path)]
    root = Path(os.path.realpath(inbox or settings.inbox_dir)) if archive else None
    targets = [inbox_file(t, root) if root else submitted_file(t) for t in targets]  # InboxRefusal: nothing moved
    files = [file for target in targets for file in (submission_order(target) if target.is_dir() else [target])]
    summaries: list[dict] = []
    alerts = 0  # new data_quality alerts of the batch
    try:
        for file in files:
            summary, raised = _take_in(settings, file, table, root, expectations, logger)
            summaries.append(summary)
            alerts += raised
    finally:  # what was taken in is reported, even when a later file of the batch fails
        reported = [s for s in summaries if not s["duplicate"]]
        queued = queue_validation_reports(settings, reported)  # one report or digests
        label_run(tags=intake_tags(summaries, cluster_value_chains(settings.store_dir)))
        if queued or alerts:  # the batch asks for delivery once, whatever the number of files and clusters
            request_delivery("intake", str(flow_run.id or ""), queued, alerts)
    return summaries if isinstance(path, list) or targets[0].is_dir() else summaries[0]


def _take_in(
    settings: Settings, file: Path, table: str | None, inbox: Path | None, expectations: bool, logger
) -> tuple[dict, int]:
    """One file of a submission: ingested, announced, its quality alert raised, filed away in `inbox` when given;
    its summary and how many new alerts it raised."""
    summary = ingest(settings, str(file), table or None, expectations)
    raised = 0
    if not summary["duplicate"]:  # a file already taken in changes nothing, and says nothing again
        announce(summary)
        raised = raise_quality_alerts(settings, summary)
    show_intake(settings, summary, return_state=True)  # for the reader: never fails a run
    if inbox is not None:
        file_away(file, summary, inbox)
    logger.info(
        "%s: %s, %d rows read, %d accepted, %d quarantined, %d warned%s",
        file.name, summary["status"], summary["rows_read"], summary["rows_accepted"],
        summary["rows_quarantined"], summary["rows_warned"], " (already received)" if summary["duplicate"] else "",
    )  # fmt: skip
    return summary, raised
