"""Alerts that cannot wait for a review (in season, at intake, a delivery failure): at most one message per cluster,
rule, recipient and day, listing every alert of that rule and cluster not yet mailed to that recipient.

Outbox key: kind `alert:<rule>:<day>` (the day in the calendars' timezone), scope the cluster id. Each message names
the alert ids it carries in its `X-Vigie-Alerts` header, so an alert is mailed to a recipient once. An alert stored
after its day's message was sent waits for the next day's message (the next delivery on a later day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.parser import BytesHeaderParser
from zoneinfo import ZoneInfo

import pandas as pd
from prefect.utilities.urls import url_for

from flows.calendars import load_calendars
from flows.failed_runs import RULE as RUN_FAILED
from flows.failed_runs import run_failed_context
from flows.reporting import queue_rendered
from flows.settings import Settings
from reports.alert_context import alert_context, delivery_failure_context, digest_context
from reports.recipients import alert_recipients
from reports.render import Rendered, render_alert
from warehouse import outbox, store
from warehouse.models import Alert, Cluster, Run

IN_SEASON_RULES = ("contract_slippage", "missing_submission", "data_quality", "delivery_failure", RUN_FAILED,
                   "pull_failed")  # fmt: skip
"""Rules mailed on their own; a review's alerts reach people in the review's messages only."""
FAILURE_RULE = "delivery_failure"
ALERTS_HEADER = "X-Vigie-Alerts"
SWEEP_DAYS = 60
"""Alerts stored in the last SWEEP_DAYS days without an email get one; older ones are history, not news."""


def today() -> date:
    """The day in the calendars' timezone (Africa/Porto-Novo), which names the day's message."""
    return datetime.now(ZoneInfo(load_calendars().timezone)).date()


def day_kind(rule: str, day: date) -> str:
    """The outbox kind of one rule's message of the day: `alert:contract_slippage:2026-03-01`."""
    return f"alert:{rule}:{day.isoformat()}"


def mailed(engine) -> dict[tuple[int, str], str]:
    """(alert id, recipient) -> kind of the message that carries it (old `alert:<id>` messages carry their id)."""
    parser = BytesHeaderParser()
    found: dict[tuple[int, str], str] = {}
    for row in outbox.alert_messages(engine):
        suffix = row["kind"].removeprefix("alert:")
        listed = suffix if suffix.isdigit() else str(parser.parsebytes(row["mime"]).get(ALERTS_HEADER) or "")
        for alert_id in listed.split():
            found[(int(alert_id), row["recipient"].lower())] = row["kind"]
    return found


def queue_stored_alerts(
    settings: Settings, engine, rules: tuple[str, ...] = IN_SEASON_RULES, day: date | None = None
) -> set[str]:
    """Queue today's message per rule, cluster and recipient for recent alerts of `rules` not yet mailed to them;
    return the kinds of the messages queued or refreshed."""
    alerts = store.read_table(engine, Alert)
    raised = pd.to_datetime(alerts["raised_at"], utc=True, format="mixed")
    recent = alerts[alerts["rule"].isin(rules) & (raised >= datetime.now(UTC) - timedelta(SWEEP_DAYS))]
    if recent.empty:
        return set()
    day = day or today()
    carried = mailed(engine)
    registry = store.read_table(engine, Cluster).set_index("cluster_id", drop=False)
    listed = outbox.list_messages(engine)
    failed = {m["id"]: m for m in listed}
    status = {(m["kind"], m["scope"], m["campaign"], m["recipient"]): m["status"] for m in listed}
    found = (failed, _failed_runs(engine, recent))  # what delivery_failure and run_failed alerts are about
    kinds: set[str] = set()
    for (rule, cluster_id), group in recent.sort_values("id").groupby(["rule", "cluster_id"], sort=True):
        cluster = registry.loc[cluster_id].to_dict() if cluster_id in registry.index else {}
        cluster = {"cluster_id": cluster_id, "name": cluster_id, **{k: v for k, v in cluster.items() if _known(v)}}
        kind = day_kind(str(rule), day)
        for recipients, language in alert_recipients(str(rule), cluster, settings.officer_emails):
            for recipient in recipients:
                todo = [a for a in group.to_dict("records") if carried.get((a["id"], recipient.lower()), kind) == kind]
                if todo and _queue(settings, engine, todo, cluster, (kind, recipient, language), found, status):
                    kinds.add(kind)
    return kinds


def _queue(settings: Settings, engine, alerts: list[dict], cluster: dict, target: tuple[str, str, str],
           found: tuple[dict[int, dict], dict[str, dict]], status: dict[tuple, str]) -> bool:  # fmt: skip
    """Render and queue one recipient's message of the day; True when queued or refreshed (not already sent)."""
    kind, recipient, language = target
    run_id = next((a["run_id"] for a in alerts if isinstance(a.get("run_id"), str)), None)
    campaigns = {str(a["campaign"]) for a in alerts}
    key = (kind, str(cluster["cluster_id"]), campaigns.pop() if len(campaigns) == 1 else "*", recipient)
    headers = {ALERTS_HEADER: " ".join(str(a["id"]) for a in alerts)}

    def render() -> Rendered:  # rendered inside queue_rendered: an alert whose data cannot make a message is failed
        return render_alert(digest_context([_context(a, cluster, run_id, language, *found) for a in alerts]))

    queue_rendered(settings, engine, render, key, run_id, headers)
    return status.get(key, "queued") == "queued"


def _context(alert: dict, cluster: dict, run_id: str | None, language: str, failed: dict[int, dict],
             runs: dict[str, dict]) -> dict:  # fmt: skip
    """One alert's part of the message; a delivery failure names the message that could not be delivered, a failed
    run the run (its row of `runs`) and its page in the Prefect UI."""
    if alert["rule"] == RUN_FAILED:
        flow_run_id = str(alert.get("run_id") or "")
        url = url_for("flow-run", obj_id=flow_run_id) if flow_run_id else None
        return run_failed_context(alert, runs.get(flow_run_id), url, language)
    if alert["rule"] != FAILURE_RULE:
        return alert_context(alert, cluster, None, None, run_id or "-", language)
    message = failed.get(int(str(alert["subject"]).removeprefix("outbox-") or 0), {})
    message = {"id": "?", "subject": alert["subject"], "recipient": "?", "campaign": alert["campaign"],
               "attempts": int(alert.get("value") or 0), "last_error": None, **message}  # fmt: skip
    return delivery_failure_context({**message, "cluster_name": cluster.get("name")}, run_id or "-", language)


def _failed_runs(engine, alerts: pd.DataFrame) -> dict[str, dict]:
    """run_id -> row of `runs`, for the failed runs the `run_failed` alerts among `alerts` are about."""
    wanted = set(alerts.loc[alerts["rule"] == RUN_FAILED, "run_id"].dropna().astype(str))
    if not wanted:
        return {}
    rows = store.read_table(engine, Run)
    return {row["run_id"]: row for row in rows[rows["run_id"].isin(wanted)].to_dict("records")}


def _known(value) -> bool:
    return value is not None and value == value and value != ""
