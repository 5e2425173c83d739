"""Delivery: send whatever the outbox holds, marking each message sent or failed (never sent twice)."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.adapters import engine_for, sender_for
from flows.settings import load_settings
from reports.senders import SendError
from warehouse.outbox import mark_failed, mark_sent, pending

MAX_ATTEMPTS = 5


@flow(name="deliver-outbox")
def deliver_outbox(include_failed: bool = True) -> dict[str, int]:
    """Send every queued (and, by default, previously failed) message once; return counts by outcome."""
    settings = load_settings()
    engine = engine_for(settings)
    sender = sender_for(settings)
    logger = get_run_logger()
    statuses = ("queued", "failed") if include_failed else ("queued",)
    counts = {"sent": 0, "failed": 0, "given_up": 0}
    for message in pending(engine, statuses):
        try:
            provider_id = sender.send(
                message.mime, message.recipient, f"{message.kind}_{message.scope}_{message.campaign}"
            )
        except SendError as error:
            give_up = not error.retryable or message.attempts + 1 >= MAX_ATTEMPTS
            mark_failed(engine, message.id, str(error), give_up=give_up)
            counts["given_up" if give_up else "failed"] += 1
            logger.warning("message %s to %s not sent: %s", message.id, message.recipient, error)
            continue
        mark_sent(engine, message.id, provider_id)
        counts["sent"] += 1
    logger.info("delivery: %s", counts)
    return counts
