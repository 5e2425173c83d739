"""Email size budgets: an HTML part Gmail does not clip and a whole message that phones download quickly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports.message import build_mime
from reports.render import Rendered

HTML_LIMIT = 100_000
"""Bytes of the HTML part (UTF-8): Gmail clips a body beyond about 102 KB."""
MESSAGE_LIMIT = 150_000
"""Bytes of the whole MIME message, every part encoded."""
PROBE_SENDER, PROBE_RECIPIENT = "Vigie <vigie@clusters.example.bj>", "probe@example.bj"


@dataclass(frozen=True)
class Size:
    """How big one rendered message is: its HTML part and the whole encoded message, in bytes."""

    html_bytes: int
    message_bytes: int

    def fits(self) -> bool:
        """True when both parts are within the limits."""
        return self.html_bytes < HTML_LIMIT and self.message_bytes < MESSAGE_LIMIT


def measure(rendered: Rendered) -> Size:
    """The sizes of a rendered message once built as MIME."""
    mime = build_mime(rendered, PROBE_SENDER, PROBE_RECIPIENT, {"X-Vigie-Run": "0" * 36})
    return Size(len(rendered.html.encode("utf-8")), len(mime))


def fit(render: Callable[[int | None, bool], Rendered], total_rows: int) -> Rendered:
    """The richest rendering within the limits: all rows with the attachment, then fewer rows, then no attachment.

    `render(max_rows, attach)` renders with at most `max_rows` table rows (None: all) and the attachment or not.
    """
    rows: int | None = None
    for attach in (True, False):
        rows = None
        while True:
            rendered = render(rows, attach)
            if measure(rendered).fits():
                return rendered
            shown = total_rows if rows is None else rows
            if shown <= 10:
                break
            rows = shown // 2
    return render(10, False)
