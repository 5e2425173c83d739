"""The email outbox: one message per (kind, scope, campaign, recipient), so nothing is queued or sent twice."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, or_, select, update

from warehouse.models import OutboxMessage, utcnow
from warehouse.upsert import dialect_insert

OUTBOX_KEY = ("kind", "scope", "campaign", "recipient")


@dataclass(frozen=True)
class Queued:
    """A message waiting to be sent, as the senders need it."""

    id: int
    kind: str
    scope: str
    campaign: str
    recipient: str
    subject: str
    mime: bytes
    attempts: int
    last_error: str | None = None


def queue_message(
    engine: Engine | Connection,
    *,
    kind: str,
    scope: str,
    campaign: str,
    recipient: str,
    subject: str,
    mime: bytes,
    run_id: str | None = None,
    error: str | None = None,
) -> bool:
    """Queue a message; a message already queued (or never built) under the same key gets the new content, one
    already sent is left alone. With `error`, the message could not be built: it is kept `failed` with that reason
    and no content, never sent, until a later build succeeds. Returns True when the message is new. Given a
    connection, it queues inside that connection's transaction (many messages, one commit)."""
    row = {
        "kind": kind,
        "scope": scope,
        "campaign": campaign,
        "recipient": recipient,
        "subject": subject,
        "mime": b"" if error else mime,
        "status": "failed" if error else "queued",
        "attempts": 0,
        "last_error": error[:2000] if error else None,
        "created_at": utcnow(),
        "run_id": run_id,
    }
    table = OutboxMessage.__table__
    with engine.begin() if isinstance(engine, Engine) else nullcontext(engine) as connection:
        existed = connection.execute(
            select(table.c.status).where(*(table.c[k] == row[k] for k in OUTBOX_KEY))
        ).scalar_one_or_none()
        statement = dialect_insert(connection, table).values(**row)
        refreshed = ("subject", "mime", "run_id", "status", "attempts", "last_error")
        statement = statement.on_conflict_do_update(
            index_elements=list(OUTBOX_KEY),
            set_={name: statement.excluded[name] for name in refreshed},
            where=or_(table.c.status == "queued", func.length(table.c.mime) == 0),
        )
        connection.execute(statement)
    return existed is None


def pending(engine: Engine, statuses: tuple[str, ...] = ("queued",)) -> list[Queued]:
    """Messages in the given statuses, oldest first."""
    table = OutboxMessage.__table__
    statement = select(table).where(table.c.status.in_(statuses)).order_by(table.c.id)
    with engine.connect() as connection:
        return [
            Queued(**{f: row[f] for f in Queued.__dataclass_fields__})
            for row in connection.execute(statement).mappings()
        ]


def mark_sent(engine: Engine, message_id: int, provider_message_id: str | None) -> None:
    """Record a delivered message."""
    _set(
        engine,
        message_id,
        status="sent",
        sent_at=utcnow(),
        provider_message_id=provider_message_id,
        last_error=None,
        attempts=OutboxMessage.attempts + 1,
    )


def mark_failed(engine: Engine, message_id: int, error: str, give_up: bool) -> None:
    """Record a failed attempt; `give_up` when retrying cannot help or the attempts are spent."""
    _set(
        engine,
        message_id,
        status="given_up" if give_up else "failed",
        last_error=error[:2000],
        attempts=OutboxMessage.attempts + 1,
        sent_at=None,
    )


def _set(engine: Engine, message_id: int, **values) -> None:
    with engine.begin() as connection:
        connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


LISTED = ("id", "kind", "scope", "campaign", "recipient", "subject", "status", "attempts", "last_error",
          "provider_message_id", "created_at", "sent_at", "run_id")  # fmt: skip
RETRYABLE = ("failed", "given_up")


def claim(engine: Engine, message_id: int, statuses: tuple[str, ...] = ("queued", "failed")) -> bool:
    """Take a message for sending (status `sending`) unless another delivery took it first; True when taken.

    One UPDATE guarded by the status, so two deliveries running at once never both send the same message. While
    `sending`, `sent_at` holds the time of the claim (warehouse/leftovers.py finds a crash's leftover by it). A
    message left `sending` by a crash may or may not have gone out: only an officer requeues it (`retry --id`).
    """
    table = OutboxMessage.__table__
    with engine.begin() as connection:
        result = connection.execute(
            update(table)
            .where(table.c.id == message_id, table.c.status.in_(statuses))
            .values(status="sending", sent_at=utcnow())
        )
    return result.rowcount == 1


def release(engine: Engine, message_id: int) -> None:
    """Put a claimed message back in the queue without counting an attempt (it was never really tried)."""
    table = OutboxMessage.__table__
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == message_id, table.c.status == "sending")
            .values(status="queued", sent_at=None)
        )


def list_messages(
    engine: Engine, statuses: tuple[str, ...] | None = None, ids: tuple[int, ...] | None = None
) -> list[dict]:
    """Messages (without their MIME bytes), oldest first, optionally only in `statuses` or with `ids`."""
    table = OutboxMessage.__table__
    statement = select(*(table.c[name] for name in LISTED)).order_by(table.c.id)
    if statuses:
        statement = statement.where(table.c.status.in_(statuses))
    if ids:
        statement = statement.where(table.c.id.in_(ids))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]


def requeue(engine: Engine, ids: tuple[int, ...] | None = None, statuses: tuple[str, ...] = RETRYABLE) -> list[int]:
    """Put failed (or given-up) messages back in the queue with a fresh attempt budget; return their ids.

    A sent message is never requeued: what was delivered stays delivered once.
    """
    statuses = tuple(status for status in statuses if status not in ("sent", "queued"))
    table = OutboxMessage.__table__
    chosen = select(table.c.id).where(table.c.status.in_(statuses))
    if ids:
        chosen = chosen.where(table.c.id.in_(ids))
    with engine.begin() as connection:
        found = [row[0] for row in connection.execute(chosen.order_by(table.c.id))]
        if found:
            connection.execute(
                update(table)
                .where(table.c.id.in_(found), table.c.status.in_(statuses))
                .values(status="queued", attempts=0, sent_at=None)
            )
    return found


def status_counts(engine: Engine, campaigns: tuple[str, ...]) -> list[dict]:
    """How many messages of these campaigns are in each status, per scope: rows of scope, status, n."""
    table = OutboxMessage.__table__
    statement = (
        select(table.c.scope, table.c.status, func.count().label("n"))
        .where(table.c.campaign.in_(campaigns))
        .group_by(table.c.scope, table.c.status)
        .order_by(table.c.scope, table.c.status)
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]


def alert_messages(engine: Engine) -> list[dict]:
    """The alert messages (kind `alert:...`) with their recipient, status and MIME bytes, oldest first."""
    table = OutboxMessage.__table__
    statement = (
        select(table.c.kind, table.c.recipient, table.c.status, table.c.mime)
        .where(table.c.kind.like("alert:%"))
        .order_by(table.c.id)
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]
