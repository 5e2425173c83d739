"""Delivery: queue the day's messages of in-season alerts other flows stored (flows/alert_mail.py), then send
whatever the outbox holds, each message claimed first (never sent twice, even by two runs at once) and marked sent
or failed; a message given up raises one delivery-failure alert to the officers."""

from __future__ import annotations

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.adapters import engine_for, sender_for
from flows.alert_mail import FAILURE_RULE, IN_SEASON_RULES, queue_stored_alerts
from flows.events import announce_alerts
from flows.reporting import refresh_officer_page
from flows.settings import FLOW_TIMEOUT_S, Settings, load_settings
from flows.ui import delivery_run_name
from reports.senders import Sender, SendError
from warehouse import store
from warehouse.models import Alert
from warehouse.outbox import Queued, claim, mark_failed, mark_sent, pending

MAX_ATTEMPTS = 5
SWEPT_RULES = tuple(rule for rule in IN_SEASON_RULES if rule != FAILURE_RULE)
"""The in-season rules mailed at the start of a delivery; delivery failures are mailed when they happen."""


@flow(name="deliver-outbox", flow_run_name=delivery_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def deliver_outbox(include_failed: bool = True) -> dict[str, int]:
    """Queue new alerts' emails, then send every queued (and by default failed) message once; counts by outcome.

    Args:
        include_failed: Try again the messages that failed before (untick to send only the new ones).
    """
    settings = load_settings()
    engine = engine_for(settings)
    sender = sender_for(settings)
    logger = get_run_logger()
    run_id = str(flow_run.id or "")
    statuses = ("queued", "failed") if include_failed else ("queued",)
    counts = {"sent": 0, "failed": 0, "given_up": 0}
    given_up = send_until_done(settings, engine, sender, statuses, counts, logger)
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


def send_until_done(settings: Settings, engine, sender: Sender, statuses: tuple[str, ...], counts: dict[str, int],
                    logger) -> list[Queued]:  # fmt: skip
    """Queue the new alerts' emails and send what waits, again until a look finds nothing new: what was queued while
    this run was sending goes out with it (the deployment's limit cancels the run asked for meanwhile). Each message
    is tried once a run; the messages given up."""
    tried: set[int] = set()
    given_up: list[Queued] = []
    while True:
        queue_stored_alerts(settings, engine, SWEPT_RULES)
        fresh = [message for message in pending(engine, statuses) if message.id not in tried]
        if not fresh:
            return given_up
        tried.update(message.id for message in fresh)
        given_up += send_all(engine, sender, fresh, counts, logger)


def send_all(engine, sender: Sender, messages: list[Queued], counts: dict[str, int], logger) -> list[Queued]:
    """Send each message this run can claim; count outcomes; return the messages given up. A message that cannot
    be built or sent is marked with its reason and the others still go out."""
    given_up = []
    for message in messages:
        if not claim(engine, message.id):
            continue  # another delivery took it, or its status changed since it was listed
        try:
            if not message.mime:  # its data could not make a message (flows/reporting.py): nothing to send
                raise SendError(message.last_error or "message not built", retryable=False)
            name_hint = f"{message.kind}_{message.scope}_{message.campaign}"
            provider_id = sender.send(message.mime, message.recipient, name_hint)
        except Exception as error:  # SendError from the senders; anything else is this message's fault alone
            retryable = error.retryable if isinstance(error, SendError) else True
            reason = str(error) if isinstance(error, SendError) else f"{type(error).__name__}: {error}"
            give_up = not retryable or message.attempts + 1 >= MAX_ATTEMPTS
            mark_failed(engine, message.id, reason, give_up=give_up)
            counts["given_up" if give_up else "failed"] += 1
            logger.warning("message %s to %s not sent: %s", message.id, message.recipient, reason)
            if give_up:
                given_up.append(message)
            continue
        mark_sent(engine, message.id, provider_id)
        counts["sent"] += 1
    return given_up


def notify_delivery_failures(engine, settings: Settings, messages: list[Queued], run_id: str) -> set[str]:
    """Store one `delivery_failure` alert per given-up message (never twice) and queue the officers' notice of
    the day (one per cluster); return the outbox kinds of the notices queued."""
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
    return queue_stored_alerts(settings, engine, (FAILURE_RULE,))


def is_failure_notice(engine, message: Queued) -> bool:
    """True for the notice of a delivery failure itself (its failure is logged, never notified again)."""
    if message.kind.startswith(f"alert:{FAILURE_RULE}:"):
        return True
    alert_id = message.kind.removeprefix("alert:")
    if not message.kind.startswith("alert:") or not alert_id.isdigit():
        return False
    found = store.read_table(engine, Alert, id=int(alert_id))
    return bool(len(found)) and found.iloc[0]["rule"] == FAILURE_RULE
