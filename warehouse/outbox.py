"""The email outbox: one message per (kind, scope, campaign, recipient), so nothing is queued or sent twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update

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


def queue_message(
    engine: Engine,
    *,
    kind: str,
    scope: str,
    campaign: str,
    recipient: str,
    subject: str,
    mime: bytes,
    run_id: str | None = None,
) -> bool:
    """Queue a message; a message already queued under the same key gets the new content, one already sent
    is left alone. Returns True when the message is new."""
    row = {
        "kind": kind,
        "scope": scope,
        "campaign": campaign,
        "recipient": recipient,
        "subject": subject,
        "mime": mime,
        "status": "queued",
        "attempts": 0,
        "created_at": utcnow(),
        "run_id": run_id,
    }
    table = OutboxMessage.__table__
    with engine.begin() as connection:
        existed = connection.execute(
            select(table.c.status).where(*(table.c[k] == row[k] for k in OUTBOX_KEY))
        ).scalar_one_or_none()
        statement = dialect_insert(connection, table).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=list(OUTBOX_KEY),
            set_={
                "subject": statement.excluded.subject,
                "mime": statement.excluded.mime,
                "run_id": statement.excluded.run_id,
            },
            where=table.c.status == "queued",
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
    )


def _set(engine: Engine, message_id: int, **values) -> None:
    with engine.begin() as connection:
        connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
