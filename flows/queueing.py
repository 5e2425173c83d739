"""What the reporting flows share: a rendered message built into outbox rows (once for every address of it), and
a review frame split by cluster once."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd

from flows.settings import Settings
from reports.message import header_text, mime_copies
from reports.render import Rendered
from warehouse import outbox

logger = logging.getLogger(__name__)
Key = tuple[str, str, str, str]
"""An outbox key: (kind, scope, campaign, recipient)."""


def by_cluster(frame: pd.DataFrame | None) -> Callable[[str], pd.DataFrame | None]:
    """A cluster id -> its rows of `frame` (None stays None), split once: a filter of every review frame for each
    of 500 clusters cost more than the dashboards' rendering."""
    if frame is None:
        return lambda cluster_id: None
    parts = dict(tuple(frame.groupby("cluster_id", sort=False, observed=True))) if "cluster_id" in frame else {}
    return lambda cluster_id: parts.get(cluster_id, frame.iloc[:0])


def queue_rendered(
    settings: Settings,
    engine,
    rendered: Rendered | Callable[[], Rendered],
    key: Key,
    run_id: str | None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Build the MIME message for the key's recipient (from `rendered`, or what calling it renders) and queue it
    under (kind, scope, campaign, recipient). A message that cannot be rendered or built is queued `failed` with
    the reason, never sent, and the caller goes on with the others."""
    return outbox.queue_message(engine, **built(settings, rendered, key, run_id, headers))


def built(
    settings: Settings,
    rendered: Rendered | Callable[[], Rendered],
    key: Key,
    run_id: str | None,
    headers: dict[str, str] | None = None,
) -> dict:
    """What `outbox.queue_message` takes for the key's recipient: the MIME message built, or the reason it could
    not be (one message's data must not stop the others)."""
    return built_copies(settings, rendered, [key], run_id, headers)[0]


def built_copies(
    settings: Settings,
    rendered: Rendered | Callable[[], Rendered],
    keys: list[Key],
    run_id: str | None,
    headers: dict[str, str] | None = None,
) -> list[dict]:
    """`built` for several keys of one message (its addresses): rendered and built once, each copy with its own
    To and Message-ID (reports/message.py `mime_copies`)."""
    if not keys:
        return []
    kind, scope = keys[0][:2]
    headers = {"X-Vigie-Kind": kind, **({"X-Vigie-Run": run_id} if run_id else {}), **(headers or {})}
    try:
        rendered = rendered() if callable(rendered) else rendered
        subject, error = header_text(rendered.subject)[:300], None
        mimes = mime_copies(rendered, settings.sender, [key[3] for key in keys], headers)
    except Exception as failure:  # issue 14
        subject, mimes = f"{kind} {scope}"[:300], [b""] * len(keys)
        error = f"message not built: {type(failure).__name__}: {failure}"
        logger.warning("%s for %s not built: %s", kind, ", ".join(key[3] for key in keys), error)
    return [
        dict(kind=k, scope=s, campaign=c, recipient=r, subject=subject, mime=mime, run_id=run_id, error=error)
        for (k, s, c, r), mime in zip(keys, mimes, strict=True)
    ]
