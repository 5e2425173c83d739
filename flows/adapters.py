"""Outside systems chosen once from settings: the warehouse engine and the mail sender."""

from __future__ import annotations

from sqlalchemy import Engine

from flows.settings import Settings
from reports.senders import FileSender, Sender
from warehouse.db import get_engine


def engine_for(settings: Settings) -> Engine:
    """The warehouse engine of these settings (SQLite is created and migrated on first use)."""
    return get_engine(settings.database_url)


def sender_for(settings: Settings) -> Sender:
    """The mail sender named by VIGIE_EMAIL_BACKEND."""
    if settings.email_backend == "file":
        return FileSender(settings.outbox_dir)
    from reports.sendgrid_sender import SendGridSender  # imported only when used: it pulls the HTTP client

    return SendGridSender.from_settings(settings)
