"""Standard MIME messages: a plain-text part, an HTML alternative with its inline images, and attachments."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from reports.render import Rendered

UNFOLDED = SMTP.clone(max_line_length=998)


def build_mime(rendered: Rendered, sender: str, recipient: str, headers: dict[str, str] | None = None) -> bytes:
    """The message as RFC 5322 bytes (UTF-8, CRLF), ready for an `.eml` file or any mail API.

    Inline images sit with the HTML in a multipart/related part, each with the Content-ID the HTML cites. The
    `Date` is the time the message is built (queued), in UTC; text attachments declare `charset=utf-8`.
    """
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "vigie.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.inline_images:
        html_part = message.get_payload()[1]
        for content_id, filename, payload in rendered.inline_images:
            html_part.add_related(
                payload, maintype="image", subtype="png", cid=f"<{content_id}>", filename=filename, disposition="inline"
            )
    for filename, mime_type, payload in rendered.attachments:
        maintype, subtype = mime_type.split("/", 1)
        params = {"charset": "utf-8"} if maintype == "text" else None  # the CSV says how its bytes read
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename, params=params)
    # Python folds long encoded headers at 78 columns and can drop the space between two encoded words there
    # ("csv »" read back as "csv»"); RFC 5322 allows 998, so a subject is written on one line and reads back exact.
    return message.as_bytes(policy=UNFOLDED)
