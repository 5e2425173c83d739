"""SendGrid sender: stored MIME messages go out through the official v3 client, with a timeout and bounded retries."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import math
import re
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from typing import Protocol
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Attachment, Content, From, Header, Mail, MailSettings, SandBoxMode, To
from sendgrid.helpers.mail.exceptions import SendGridException

from reports.senders import AccountRefused, SendError

SECRET_BLOCK = "sendgrid-api-key"
MAX_REQUEST_BYTES = 30 * 1024 * 1024
FORWARDED_HEADERS = ("X-Vigie-Run",)
MIN_SECRET_LENGTH = 8

logger = logging.getLogger(__name__)
_SECRETS: set[str] = set()
_BEARER = re.compile(r"Bearer\s+[^\s'\",;}\]]+")
_KEY_LIKE = re.compile(r"SG\.[\w-]+\.[\w-]+")


class SendGridSettings(Protocol):
    """What the sender reads from flows.settings.Settings (reports does not import flows); `sendgrid_timeout_s`,
    the per-request timeout, is read when present."""

    sendgrid_host: str
    sendgrid_api_key: str | None
    sendgrid_sandbox: bool


class SendGridConfigError(RuntimeError):
    """SendGrid cannot be used as configured (no API key, unreadable Secret block)."""


def redact(text: str) -> str:
    """The text with every known API key, bearer token and SendGrid-looking key masked."""
    for secret in _SECRETS:
        text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", _BEARER.sub("Bearer [redacted]", text))


class _RedactingFilter(logging.Filter):
    """Masks keys in log records (python_http_client logs request headers and error bodies at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


for _name in ("python_http_client.client", __name__):
    logging.getLogger(_name).addFilter(_RedactingFilter())


class SendGridSender:
    """Sends one stored MIME message to one recipient through SendGrid's v3 Mail Send API."""

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "https://api.sendgrid.com",
        timeout: float = 20.0,
        sandbox: bool = False,
        max_attempts: int = 4,
        backoff: float = 2.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        api_key = (api_key or "").strip()
        if not api_key:
            raise SendGridConfigError("SendGrid API key is empty: set SENDGRID_API_KEY or the Prefect Secret block")
        if len(api_key) >= MIN_SECRET_LENGTH:  # real keys are 69 characters; masking "k" everywhere helps no one
            _SECRETS.add(api_key)
        self.host, self.timeout, self.sandbox = host.rstrip("/"), timeout, sandbox
        self.max_attempts, self.backoff, self.max_wait = max(1, max_attempts), backoff, max_wait
        self._sleep, self._clock = sleep, clock
        self.deadline: float | None = None
        self._api = SendGridAPIClient(api_key, host=self.host)
        self._api.client.timeout = timeout  # the client has none by default; every request inherits this one

    @classmethod
    def from_settings(
        cls,
        settings: SendGridSettings,
        *,
        secret_loader: Callable[[], str] | None = None,
        **options,
    ) -> SendGridSender:
        """Sender from Settings: key from SENDGRID_API_KEY or the Secret block, sandbox from VIGIE_SENDGRID_SANDBOX
        (both as the settings were made: the environment is not read again here)."""
        api_key = settings.sendgrid_api_key or _key_from_block(secret_loader or _load_secret_block)
        options.setdefault("timeout", getattr(settings, "sendgrid_timeout_s", 20.0))
        return cls(api_key, host=settings.sendgrid_host, sandbox=settings.sendgrid_sandbox, **options)

    def set_deadline(self, deadline: float | None) -> None:
        """No request may run past `deadline` (time.monotonic()): the delivery's time budget."""
        self.deadline = deadline

    def _left(self) -> float:
        """Seconds before the deadline (infinite without one)."""
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def __repr__(self) -> str:
        return (
            f"SendGridSender(host={self.host!r}, timeout={self.timeout}, sandbox={self.sandbox}, "
            f"max_attempts={self.max_attempts}, api_key='***')"
        )

    def send(self, mime: bytes, recipient: str, name_hint: str) -> str:
        """Send the message; return SendGrid's X-Message-Id ("" when absent). Raises SendError."""
        body = self.request_body(mime, recipient)
        size = len(json.dumps(body).encode("utf-8"))
        if size > MAX_REQUEST_BYTES:
            raise SendError(
                f"{name_hint}: request of {size} bytes exceeds SendGrid's limit ({MAX_REQUEST_BYTES})", retryable=False
            )
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            self._api.client.timeout = max(0.1, min(self.timeout, self._left()))
            try:
                response = self._api.send(body)
            except HTTPError as error:
                status = error.status_code
                last = f"HTTP {status}: {_error_text(error.body)}"
                if status in (401, 403):
                    raise AccountRefused(
                        redact(f"SendGrid refused the API key ({last}; sending {name_hint})")
                    ) from None
                if not _retryable(status):
                    raise SendError(redact(f"SendGrid refused {name_hint} to {recipient}: {last}"), False) from None
                wait = self._wait(attempt, error.headers if status == 429 else None)
            except (URLError, OSError, http.client.HTTPException) as error:
                last = f"{type(error).__name__}: {getattr(error, 'reason', None) or error}"
                wait = self._wait(attempt, None)
            else:
                return str(response.headers.get("X-Message-Id") or "")
            if attempt == self.max_attempts:
                break
            if wait >= self._left():
                raise SendError(redact(f"the delivery's time budget ends before a new attempt: {last}"), True)
            if wait > self.max_wait:
                raise SendError(
                    redact(f"SendGrid asks to wait {wait:.0f} s (over {self.max_wait:.0f} s) for {name_hint}: {last}"),
                    retryable=True,
                )
            logger.warning(
                "SendGrid %s for %s (attempt %d); retrying in %.1f s", redact(last), name_hint, attempt, wait
            )
            self._sleep(wait)
        raise SendError(
            redact(f"SendGrid did not accept {name_hint} to {recipient} after {self.max_attempts} attempts: {last}"),
            retryable=True,
        )

    def request_body(self, mime: bytes, recipient: str) -> dict:
        """The v3 Mail Send JSON body for this MIME message and recipient."""
        message = message_from_bytes(mime, policy=policy.default)
        sender = message["From"]
        if sender is None or not sender.addresses:
            raise SendError("message has no From address", retryable=False)
        name, address = parseaddr(recipient)
        if "@" not in address:
            raise SendError(f"recipient {recipient!r} is not an email address", retryable=False)
        origin = sender.addresses[0]
        try:
            mail = Mail(
                from_email=From(origin.addr_spec, origin.display_name or None),
                to_emails=[To(address, name or None)],
                subject=str(message["Subject"] or ""),
                is_multiple=True,
            )
            plain, html = message.get_body(("plain",)), message.get_body(("html",))
            for part in (plain, html):
                if part is not None and part.get_content():
                    mail.add_content(Content(part.get_content_type(), part.get_content()))
            for attachment in _attachments(message, skip=(plain, html)):
                mail.add_attachment(attachment)
            for header in FORWARDED_HEADERS:
                if message[header]:
                    mail.add_header(Header(header, str(message[header])))
            if self.sandbox:
                mail.mail_settings = MailSettings(sandbox_mode=SandBoxMode(True))
        except SendGridException as error:
            reason = getattr(error, "message", None) or type(error).__name__
            raise SendError(f"message cannot be sent through SendGrid: {reason}", retryable=False) from None
        return mail.get()

    def _wait(self, attempt: int, headers) -> float:
        """Seconds before the next attempt: what a 429 asks for, else exponential backoff."""
        if headers is not None:
            asked = _seconds(headers.get("Retry-After"), self._clock, epoch=False)
            asked = asked if asked is not None else _seconds(headers.get("X-RateLimit-Reset"), self._clock, epoch=True)
            if asked is not None:
                return asked
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)


def _attachments(message: EmailMessage, skip: tuple) -> list[Attachment]:
    """Every leaf part that is not a body: inline when it has a Content-ID, attachment otherwise."""
    found = []
    for part in message.walk():
        if part.is_multipart() or any(part is body for body in skip):
            continue
        content_id = (part["Content-ID"] or "").strip().strip("<>")
        found.append(
            Attachment(
                file_content=base64.b64encode(part.get_payload(decode=True) or b"").decode("ascii"),
                file_name=part.get_filename() or f"part-{len(found) + 1}",
                file_type=part.get_content_type(),
                disposition="inline" if content_id else "attachment",
                content_id=content_id or None,
            )
        )
    return found


def _retryable(status: int) -> bool:
    """Rate limits, request timeouts and server errors may pass later; other refusals will not."""
    return status in (408, 429) or status >= 500


def _seconds(value: str | None, clock: Callable[[], float], epoch: bool) -> float | None:
    """Seconds to wait from a Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch) header."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            number, epoch = parsedate_to_datetime(value).timestamp(), True
        except (TypeError, ValueError):
            return None
    return max(0.0, number - clock() if epoch else number)


def _error_text(body: bytes | str | None) -> str:
    """SendGrid's error messages from a JSON error body (or the start of a non-JSON one)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        errors = json.loads(text).get("errors") or []
        messages = [
            str(e.get("message")) + (f" (field {e['field']})" if e.get("field") not in (None, "null") else "")
            for e in errors
            if isinstance(e, dict)
        ]
    except (ValueError, AttributeError):
        messages = []
    return "; ".join(messages) or text.strip()[:300] or "no details"


def _load_secret_block() -> str:
    """The key stored in the Prefect Secret block (Prefect is imported only when this is needed)."""
    from prefect.blocks.system import Secret

    return Secret.load(SECRET_BLOCK).get()


def _key_from_block(loader: Callable[[], str]) -> str:
    """The API key from the Secret block, or a clear error naming both places a key can come from."""
    hint = f"set SENDGRID_API_KEY or create the Prefect Secret block {SECRET_BLOCK!r}"
    try:
        key = loader()
    except Exception as error:  # any failure (no server, no block, bad value) means the same thing here
        raise SendGridConfigError(
            redact(f"No SendGrid API key: {hint} (loading the block failed: {type(error).__name__}: {error})")
        ) from None
    if not isinstance(key, str) or not key.strip():
        raise SendGridConfigError(f"No SendGrid API key: {hint} (the block is empty or not text)")
    return key.strip()
