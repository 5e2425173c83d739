"""When the mail account itself is refused (a wrong or revoked SendGrid key), it cannot carry the news: the
officers are told through the file outbox (one message per officer and day, in VIGIE_OUTBOX_DIR) and the flow
run's artifact, when the delivery runs as a Prefect flow."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from flows.settings import Settings
from reports.i18n import catalogue
from reports.message import build_mime
from reports.recipients import officer_addresses
from reports.render import Rendered
from reports.senders import FileSender, slug
from warehouse import store
from warehouse.models import Cluster

ARTIFACT_KEY = "delivery-account-refused"
NO_OFFICER = "officers"
"""The file's recipient when no officer address is configured (the file is still written, for whoever looks)."""


def tell_officers_account_refused(settings: Settings, engine, reason: str, language: str = "fr") -> list[Path]:
    """Write the notice to the file outbox for each officer and publish it as the run's artifact; the files."""
    t = catalogue(language)
    waiting = _waiting(engine)
    text = t["account_refused_body"].format(reason=reason, n=waiting)
    rendered = Rendered(
        subject=t["account_refused_subject"],
        html=f"<p>{html.escape(text).replace(chr(10), '<br>')}</p>",
        text=text,
    )
    day = datetime.now(UTC).date().isoformat()
    files = [
        Path(FileSender(settings.outbox_dir).write(
            build_mime(rendered, settings.sender, officer, {"X-Vigie-Kind": "account_refused"}),
            f"account_refused_{day}__{slug(officer)}.eml",
        ))
        for officer in _officers(settings, engine) or [NO_OFFICER]
    ]  # fmt: skip
    _artifact(f"# {t['account_refused_subject']}\n\n{text}\n")
    return files


def _officers(settings: Settings, engine) -> list[str]:
    """VIGIE_OFFICER_EMAILS and the registry's officer addresses."""
    clusters = store.read_table(engine, Cluster)
    return officer_addresses(settings.officer_emails, clusters["officer_emails"] if len(clusters) else [])


def _waiting(engine) -> int:
    """How many messages wait to be sent (queued or failed)."""
    from warehouse.outbox import pending

    return len(pending(engine, ("queued", "failed")))


def _artifact(markdown: str) -> None:
    """A markdown artifact on the flow run, when there is one (never fails the delivery)."""
    from prefect.artifacts import create_markdown_artifact
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is None:
        return
    create_markdown_artifact(markdown=markdown, key=ARTIFACT_KEY, description="Delivery stopped: account refused")
