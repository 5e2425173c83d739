"""Missing submissions: the daily deadline check, and the flow a Proactive trigger runs when no data arrived.

The check emits `vigie.submission.due` for each cluster whose data deadline is today and nothing was sent; the
`missing-submission` deployment's Proactive trigger then expects `vigie.submission.validated` for the same
cluster (resource `vigie.cluster.<id>`) within the window, and runs `missing_submission` if none came. The
check also raises the alert itself for any cluster still without deliveries once the window has passed, so a
day missed by the scheduler loses nothing. Either way the alert is keyed and raised once.
"""

from __future__ import annotations

import uuid

import pandas as pd
from prefect import flow, get_run_logger
from prefect.events import emit_event
from prefect.runtime import flow_run

from flows.adapters import engine_for
from flows.calendars import load_calendars
from flows.events import announce_alerts, request_delivery
from flows.intake import read_store
from flows.monitor import monitoring_day, store_alerts
from flows.season import validate_tables
from flows.settings import Settings, load_settings
from indicators.alerts import COLUMNS as ALERT_COLUMNS
from indicators.inseason import load_inseason_rules, missing_alerts, submission_deadlines
from schemas.reading import read_csv_dir
from warehouse import store

SUBMISSION_DUE = "vigie.submission.due"
SUBMISSION_VALIDATED = "vigie.submission.validated"


def announce_due(due: pd.DataFrame) -> None:
    """One `vigie.submission.due` event per cluster whose data deadline is today (opens the Proactive window)."""
    for row in due.to_dict("records"):
        emit_event(
            event=SUBMISSION_DUE,
            resource={"prefect.resource.id": f"vigie.cluster.{row['cluster_id']}", "vigie.campaign": row["campaign"]},
            payload={"cluster_id": row["cluster_id"], "campaign": row["campaign"],
                     "data_deadline": str(row["data_deadline"])},
        )  # fmt: skip


def _raise(settings: Settings, run_id: str, kind: str, label: str, alerts: pd.DataFrame) -> pd.DataFrame:
    engine = engine_for(settings)
    store.start_run(engine, run_id, kind, label, flow_run_id=str(flow_run.id) if flow_run.id else None)
    new_alerts = store_alerts(settings, run_id, alerts)
    store.finish_run(engine, run_id, clusters_count=len(alerts))
    announce_alerts(run_id, new_alerts)
    if len(new_alerts):  # their emails are queued by deliver-outbox, asked once for the run
        request_delivery(kind, run_id, 0, len(new_alerts))
    return new_alerts


@flow(name="submission-deadlines")
def check_submissions(as_of: str | None = None, data_dir: str | None = None) -> dict:
    """Which clusters sent no deliveries by their data deadline (calendars.yaml); alert the officers once."""
    logger = get_run_logger()
    settings = load_settings()
    day = monitoring_day(as_of)
    calendars = load_calendars()
    if data_dir is None:  # default: what intake has stored
        tables = read_store(settings)[0]
    else:
        tables, _ = validate_tables(read_csv_dir(data_dir, tables=["clusters", "deliveries"]))
    deadlines = submission_deadlines(tables["clusters"], tables.get("deliveries"), calendars.deadlines(), day)
    due = deadlines[(deadlines["days_late"] == 0) & (deadlines["n_deliveries"] == 0)]
    announce_due(due)
    alerts = missing_alerts(deadlines, calendars.missing_window_days, load_inseason_rules())
    new_alerts = _raise(settings, str(flow_run.id or uuid.uuid4()), "deadlines", day.isoformat(), alerts)
    logger.info("deadlines on %s: %d due today, %d missing, %d new alerts", day, len(due), len(alerts), len(new_alerts))
    return {"as_of": day.isoformat(), "deadlines": deadlines, "due": len(due), "new_alerts": int(len(new_alerts))}


@flow(name="missing-submission")
def missing_submission(cluster_id: str, campaign: str, data_deadline: str | None = None) -> int:
    """Alert the officers that `cluster_id` sent no validated deliveries for `campaign` in time (raised once)."""
    rule = load_inseason_rules()["missing_submission"]
    if not rule["enabled"]:
        return 0
    alert = pd.DataFrame(
        [("missing_submission", cluster_id, campaign, "deliveries", float("nan"), float("nan"), rule["severity"])],
        columns=ALERT_COLUMNS,
    )
    new_alerts = _raise(load_settings(), str(flow_run.id or uuid.uuid4()), "missing", campaign, alert)
    get_run_logger().info("missing submission of %s for %s (deadline %s)", cluster_id, campaign, data_deadline)
    return int(len(new_alerts))
