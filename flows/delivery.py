"""Delivery: queue the day's messages of in-season alerts other flows stored (flows/alert_mail.py), then send
whatever the outbox holds, each message claimed first (never sent twice, even by two runs at once) and marked sent
or failed; a message given up raises one delivery-failure alert to the officers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows import progress
from flows.adapters import engine_for, sender_for
from flows.alert_mail import FAILURE_RULE, IN_SEASON_RULES, queue_stored_alerts
from flows.delivery_notice import tell_officers_account_refused
from flows.events import announce_alerts
from flows.officer_reporting import refresh_officer_page
from flows.settings import FLOW_TIMEOUT_S, Settings, load_settings
from flows.ui import delivery_run_name
from reports.senders import AccountRefused, Sender, SendError
from warehouse import store
from warehouse.leftovers import mark_interrupted
from warehouse.models import Alert
from warehouse.outbox import Queued, claim, mark_failed, mark_sent, pending, release

MAX_ATTEMPTS = 5
SWEPT_RULES = tuple(rule for rule in IN_SEASON_RULES if rule != FAILURE_RULE)
"""The in-season rules mailed at the start of a delivery; delivery failures are mailed when they happen."""


@dataclass(frozen=True)
class Budget:
    """A delivery's time budget (VIGIE_DELIVERY_BUDGET_S): no message is started, no request runs, past it."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        """The end of the budget, in time.monotonic() seconds."""
        return self.started + self.seconds

    def spent(self) -> bool:
        """True once the budget is used up."""
        return time.monotonic() >= self.deadline


@flow(name="deliver-outbox", flow_run_name=delivery_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def deliver_outbox(include_failed: bool = True) -> dict[str, int | str | None]:
    """Queue new alerts' emails, then send every queued (and by default failed) message once, within the time
    budget; counts by outcome (`deferred`: left queued when the budget ran out; `account_refused`: why the mail
    account refused every message, None when it did not).

    Args:
        include_failed: Try again the messages that failed before (untick to send only the new ones).
    """
    settings = load_settings()
    engine = engine_for(settings)
    sender = sender_for(settings)
    logger = get_run_logger()
    swept = mark_interrupted(engine, settings.stale_after_s)
    if swept:
        logger.warning("%s", swept)
    budget = Budget(settings.delivery_budget_s)
    if hasattr(sender, "set_deadline"):
        sender.set_deadline(budget.deadline)
    statuses = ("queued", "failed") if include_failed else ("queued",)
    counts: dict = {"sent": 0, "failed": 0, "given_up": 0, "deferred": 0, "account_refused": None}
    try:
        _send_and_notify(settings, engine, sender, statuses, counts, budget)
    except AccountRefused as refusal:  # said once, not once per message; the officers hear of it another way
        counts["account_refused"] = str(refusal)
        logger.error("%s: delivery stopped, the messages stay queued", refusal)
        tell_officers_account_refused(settings, engine, str(refusal))
    if any(counts[name] for name in ("sent", "failed", "given_up")):
        try:
            refresh_officer_page(settings, engine)
        except (OSError, ValueError, KeyError) as error:  # the site is a convenience: it never fails a delivery
            logger.warning("site officers' page not refreshed: %s", error)
    if counts["deferred"]:
        logger.warning("delivery budget of %.0f s spent: %d message(s) left for the next run", budget.seconds,
                       counts["deferred"])  # fmt: skip
    logger.info("delivery: %s", counts)
    return counts


def _send_and_notify(settings: Settings, engine, sender: Sender, statuses: tuple[str, ...], counts: dict,
                     budget: Budget) -> None:  # fmt: skip
    """Send what waits, then the officers' notices of the messages given up (a failed notice raises no other)."""
    logger = get_run_logger()
    given_up = send_until_done(settings, engine, sender, statuses, counts, logger, budget)
    given_up = [message for message in given_up if not is_failure_notice(engine, message)]
    notices = notify_delivery_failures(engine, settings, given_up, str(flow_run.id or ""))
    if notices:  # the officers hear of a failure in the same run
        queued = [m for m in pending(engine, ("queued",)) if m.kind in notices]
        send_all(engine, sender, queued, counts, logger, budget)


def send_until_done(settings: Settings, engine, sender: Sender, statuses: tuple[str, ...], counts: dict, logger,
                    budget: Budget | None = None) -> list[Queued]:  # fmt: skip
    """Queue the new alerts' emails and send what waits, again until a look finds nothing new or the budget is
    spent: what was queued while this run was sending goes out with it (the deployment's limit cancels the run
    asked for meanwhile). Each message is tried once a run; the messages given up."""
    tried: set[int] = set()
    given_up: list[Queued] = []
    while budget is None or not budget.spent():
        queue_stored_alerts(settings, engine, SWEPT_RULES)
        fresh = [message for message in pending(engine, statuses) if message.id not in tried]
        if not fresh:
            break
        tried.update(message.id for message in fresh)
        given_up += send_all(engine, sender, fresh, counts, logger, budget)
    return given_up


def send_all(
    engine, sender: Sender, messages: list[Queued], counts: dict, logger, budget: Budget | None = None
) -> list[Queued]:
    """Send each message this run can claim, while the budget lasts (the rest stays queued, counted `deferred`);
    count outcomes; return the messages given up. A message that cannot be built or sent is marked with its
    reason and the others still go out; an AccountRefused puts its message back and stops the delivery."""
    given_up = []
    for index, message in enumerate(messages):
        if budget is not None and budget.spent():
            counts["deferred"] = counts.get("deferred", 0) + len(messages) - index
            break
        progress.report(f"delivery: {index + 1}/{len(messages)} messages")
        if not claim(engine, message.id):
            continue  # another delivery took it, or its status changed since it was listed
        try:
            if not message.mime:  # its data could not make a message (flows/queueing.py): nothing to send
                raise SendError(message.last_error or "message not built", retryable=False)
            name_hint = f"{message.kind}_{message.scope}_{message.campaign}"
            provider_id = sender.send(message.mime, message.recipient, name_hint)
        except AccountRefused:
            release(engine, message.id)  # the account is at fault, not the message: it waits for a fixed key
            raise
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
