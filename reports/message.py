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
    for name, value in _addressed(sender, recipient).items():
        message[name] = value
    message["Subject"] = header_text(rendered.subject)
    message["Date"] = formatdate(usegmt=True)
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


def mime_copies(
    rendered: Rendered, sender: str, recipients: list[str], headers: dict[str, str] | None = None
) -> list[bytes]:
    """`build_mime` for each recipient, the message built once: each copy is the first with its own `To` and
    `Message-ID` lines (the only headers that differ; MIME boundaries, Date and parts are shared). A committee with
    three addresses costs one build instead of three."""
    if not recipients:
        return []
    first = build_mime(rendered, sender, recipients[0], headers)
    head, _, body = first.partition(b"\r\n\r\n")
    fields = _fields(head)
    own = [i for i, field in enumerate(fields) if field.split(b":", 1)[0].lower() in (b"to", b"message-id")]
    copies = [first]
    for recipient in recipients[1:]:
        lines = dict(zip((b"to", b"message-id"), _header_lines(sender, recipient), strict=True))
        changed = [lines[fields[i].split(b":", 1)[0].lower()] if i in own else f for i, f in enumerate(fields)]
        copies.append(b"\r\n".join(changed) + b"\r\n\r\n" + body)
    return copies


def _addressed(sender: str, recipient: str) -> dict[str, str]:
    """The headers a copy for `recipient` has of its own: To and a new Message-ID."""
    domain = header_text(sender).rsplit("@", 1)[-1].strip("> ") or "vigie.local"
    return {"To": header_text(recipient), "Message-ID": make_msgid(domain=domain)}


def _header_lines(sender: str, recipient: str) -> tuple[bytes, bytes]:
    """The To and Message-ID lines for `recipient`, written as `build_mime` writes them (same policy)."""
    message = EmailMessage(policy=SMTP)
    for name, value in _addressed(sender, recipient).items():
        message[name] = value
    return tuple(_fields(message.as_bytes(policy=UNFOLDED).partition(b"\r\n\r\n")[0]))


def _fields(head: bytes) -> list[bytes]:
    """A header block split into its fields, each with its continuation lines."""
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields


def header_text(value: object) -> str:
    """A header value made from data, on one line: each run of control characters or line separators becomes one
    space, so a name or a file name can neither break the message nor add a header of its own."""
    return UNSAFE.sub(" ", str(value)).strip()


def file_name(value: object) -> str:
    """An attachment's file name: one line (`header_text`), without folder separators; `piece-jointe` if empty."""
    return header_text(value).replace("/", "-").replace("\\", "-") or "piece-jointe"
