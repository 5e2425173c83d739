"""Delivery: queue the emails of alerts other flows stored, then send whatever the outbox holds, each message
claimed first (never sent twice, even by two runs at once) and marked sent or failed; a message given up
raises one delivery-failure alert to the officers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.adapters import engine_for, sender_for
from flows.events import announce_alerts
from flows.reporting import queue_alert, queue_rendered, refresh_officer_page
from flows.settings import Settings, load_settings
from reports.alert_context import delivery_failure_context
from reports.recipients import officer_addresses
from reports.render import render_alert
from reports.senders import Sender, SendError
from warehouse import outbox, store
from warehouse.models import Alert, Cluster
from warehouse.outbox import Queued, claim, mark_failed, mark_sent, pending

MAX_ATTEMPTS = 5
FAILURE_RULE = "delivery_failure"
REVIEW_RULES = ("critical_indicator", "sharp_decline_indicator", "sharp_decline_axis")
"""Queued by the review itself, with the review's frames; the sweep leaves them to it."""
SWEEP_DAYS = 60
"""Alerts stored in the last SWEEP_DAYS days without an email get one; older ones are history, not news."""


@flow(name="deliver-outbox")
def deliver_outbox(include_failed: bool = True) -> dict[str, int]:
    """Queue new alerts' emails, then send every queued (and by default failed) message once; counts by outcome."""
    settings = load_settings()
    engine = engine_for(settings)
    sender = sender_for(settings)
    logger = get_run_logger()
    run_id = str(flow_run.id or "")
    queue_stored_alerts(settings, engine)
    statuses = ("queued", "failed") if include_failed else ("queued",)
    counts = {"sent": 0, "failed": 0, "given_up": 0}
    given_up = send_all(engine, sender, pending(engine, statuses), counts, logger)
    given_up = [message for message in given_up if not is_failure_notice(engine, message)]
    notices = notify_delivery_failures(engine, settings, given_up, run_id)
    if notices:  # the officers hear of a failure in the same run; a notice that fails raises no further notice
        send_all(engine, sender, [m for m in pending(engine, ("queued",)) if m.kind in notices], counts, logger)
    if any(counts.values()):
        try:
            refresh_officer_page(settings, engine)
        except (OSError, ValueError, KeyError) as error:  # the site is a convenience: it never fails a delivery
            logger.warning("site officers' page not refreshed: %s", error)
    logger.info("delivery: %s", counts)
    return counts


def send_all(engine, sender: Sender, messages: list[Queued], counts: dict[str, int], logger) -> list[Queued]:
    """Send each message this run can claim; count outcomes; return the messages given up."""
    given_up = []
    for message in messages:
        if not claim(engine, message.id):
            continue  # another delivery took it, or its status changed since it was listed
        try:
            name_hint = f"{message.kind}_{message.scope}_{message.campaign}"
            provider_id = sender.send(message.mime, message.recipient, name_hint)
        except SendError as error:
            give_up = not error.retryable or message.attempts + 1 >= MAX_ATTEMPTS
            mark_failed(engine, message.id, str(error), give_up=give_up)
            counts["given_up" if give_up else "failed"] += 1
            logger.warning("message %s to %s not sent: %s", message.id, message.recipient, error)
            if give_up:
                given_up.append(message)
            continue
        except Exception as error:  # not sent (the senders turn every transport failure into SendError)
            mark_failed(engine, message.id, f"{type(error).__name__}: {error}", give_up=False)
            raise
        mark_sent(engine, message.id, provider_id)
        counts["sent"] += 1
    return given_up


def queue_stored_alerts(settings: Settings, engine) -> int:
    """Queue the emails of recent alerts raised outside a review (in season, at intake) that have none yet."""
    alerts = store.read_table(engine, Alert)
    raised = pd.to_datetime(alerts["raised_at"], utc=True, format="mixed")
    recent = alerts[~alerts["rule"].isin([*REVIEW_RULES, FAILURE_RULE]) & (raised >= _now() - timedelta(SWEEP_DAYS))]
    if recent.empty:
        return 0
    mailed = {row["kind"] for row in outbox.list_messages(engine) if row["kind"].startswith("alert:")}
    registry = store.read_table(engine, Cluster).set_index("cluster_id", drop=False)
    queued = 0
    for alert in recent[~("alert:" + recent["id"].astype(str)).isin(mailed)].to_dict("records"):
        cluster_id = str(alert["cluster_id"])
        known = cluster_id in registry.index
        cluster = registry.loc[cluster_id].to_dict() if known else {"cluster_id": cluster_id, "name": cluster_id}
        run_id = alert.get("run_id") if isinstance(alert.get("run_id"), str) else None
        queued += queue_alert(settings, engine, alert, cluster, run_id)
    return queued


def notify_delivery_failures(engine, settings: Settings, messages: list[Queued], run_id: str) -> set[str]:
    """Store one `delivery_failure` alert per given-up message (never twice) and queue its notice to the
    officers; return the outbox kinds of the notices queued."""
    if not messages:
        return set()
    alerts = pd.DataFrame(
        [{"rule": FAILURE_RULE, "cluster_id": m.scope, "campaign": m.campaign, "subject": f"outbox-{m.id}",
          "severity": "high", "value": float(m.attempts + 1), "previous": None} for m in messages]
    )  # fmt: skip
    new = store.save_alerts(engine, None, alerts)  # a delivery is no review run: the alert has no run_id
    if new.empty:
        return set()
    announce_alerts(run_id, new)
    listed = {row["id"]: row for row in outbox.list_messages(engine, ids=tuple(m.id for m in messages))}
    kinds: set[str] = set()
    for alert in new.to_dict("records"):
        failed = listed[int(alert["subject"].removeprefix("outbox-"))]
        found = store.read_table(engine, Alert, **{k: alert[k] for k in store.ALERT_KEY})
        cluster = _cluster(engine, failed["scope"])
        recipients = officer_addresses(settings.officer_emails, [cluster.get("officer_emails")])
        if not recipients:
            get_run_logger().warning("delivery failure of message %s: no officer address to tell", failed["id"])
            continue
        rendered = render_alert(delivery_failure_context({**failed, "cluster_name": cluster.get("name")}, run_id))
        kind = f"alert:{int(found.iloc[0]['id'])}"
        for recipient in recipients:
            queue_rendered(settings, engine, rendered, (kind, failed["scope"], failed["campaign"], recipient), None)
        kinds.add(kind)
    return kinds


def is_failure_notice(engine, message: Queued) -> bool:
    """True for the notice of a delivery failure itself (its failure is logged, never notified again)."""
    alert_id = message.kind.removeprefix("alert:")
    if not message.kind.startswith("alert:") or not alert_id.isdigit():
        return False
    found = store.read_table(engine, Alert, id=int(alert_id))
    return bool(len(found)) and found.iloc[0]["rule"] == FAILURE_RULE


def _cluster(engine, scope: str) -> dict:
    found = store.read_table(engine, Cluster, cluster_id=scope) if scope != "*" else pd.DataFrame()
    return found.iloc[0].to_dict() if len(found) else {"name": None, "officer_emails": None}


def _now() -> datetime:
    return datetime.now(UTC)
