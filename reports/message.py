"""Standard MIME messages: a plain-text part, an HTML alternative with its inline images, and attachments."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from reports.render import Rendered

UNFOLDED = SMTP.clone(max_line_length=998)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
"""Characters that end or break a header line (C0 and C1 controls, DEL, line and paragraph separators)."""


def build_mime(rendered: Rendered, sender: str, recipient: str, headers: dict[str, str] | None = None) -> bytes:
    """The message as RFC 5322 bytes (UTF-8, CRLF), ready for an `.eml` file or any mail API.

    Inline images sit with the HTML in a multipart/related part, each with the Content-ID the HTML cites. The
    `Date` is the time the message is built (queued), in UTC; text attachments declare `charset=utf-8`.
    """
    message = EmailMessage(policy=SMTP)
    message["From"] = header_text(sender)
    message["To"] = header_text(recipient)
    message["Subject"] = header_text(rendered.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=header_text(sender).rsplit("@", 1)[-1].strip("> ") or "vigie.local")
    for name, value in (headers or {}).items():
        message[name] = header_text(value)
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.inline_images:
        html_part = message.get_payload()[1]
        for content_id, filename, payload in rendered.inline_images:
            html_part.add_related(
                payload, maintype="image", subtype="png", cid=f"<{header_text(content_id)}>",
                filename=file_name(filename), disposition="inline",
            )  # fmt: skip
    for filename, mime_type, payload in rendered.attachments:
        maintype, subtype = mime_type.split("/", 1)
        params = {"charset": "utf-8"} if maintype == "text" else None  # the CSV says how its bytes read
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=file_name(filename), params=params)
    # Python folds long encoded headers at 78 columns and can drop the space between two encoded words there
    # ("csv »" read back as "csv»"); RFC 5322 allows 998, so a subject is written on one line and reads back exact.
    return message.as_bytes(policy=UNFOLDED)


def header_text(value: object) -> str:
    """A header value made from data, on one line: each run of control characters or line separators becomes one
    space, so a name or a file name can neither break the message nor add a header of its own."""
    return UNSAFE.sub(" ", str(value)).strip()


def file_name(value: object) -> str:
    """An attachment's file name: one line (`header_text`), without folder separators; `piece-jointe` if empty."""
    return header_text(value).replace("/", "-").replace("\\", "-") or "piece-jointe"
