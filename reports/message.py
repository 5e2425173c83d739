"""Standard MIME messages: a plain-text part, an HTML alternative, and attachments."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from reports.render import Rendered


def build_mime(rendered: Rendered, sender: str, recipient: str, headers: dict[str, str] | None = None) -> bytes:
    """The message as RFC 5322 bytes (UTF-8, CRLF), ready for an `.eml` file or any mail API."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "vigie.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    for filename, mime_type, payload in rendered.attachments:
        maintype, subtype = mime_type.split("/", 1)
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
