"""Mail senders behind one interface: `file` writes `.eml` files; more senders plug in by name."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class SendError(RuntimeError):
    """A message could not be sent; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class AccountRefused(SendError):
    """The provider refused the account itself (a wrong or revoked key: HTTP 401 or 403): every message would fail
    the same way, so a delivery stops at the first one and the messages stay queued."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class Sender(Protocol):
    """Sends one MIME message to one recipient; returns the provider's message id."""

    def send(self, mime: bytes, recipient: str, name_hint: str) -> str: ...


@dataclass(frozen=True)
class FileSender:
    """Writes each message as a standard `.eml` file in the outbox folder (atomically, never half-written)."""

    outbox_dir: Path

    def send(self, mime: bytes, recipient: str, name_hint: str) -> str:
        digest = hashlib.sha256(mime).hexdigest()[:10]
        return self.write(mime, f"{slug(name_hint)}__{slug(recipient)}__{digest}.eml")

    def write(self, mime: bytes, file_name: str) -> str:
        """Write the message as `file_name` (made of `slug`s) in the outbox folder, replacing a file of that name;
        its path."""
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        path = self.outbox_dir / Path(file_name).name
        handle, temporary = tempfile.mkstemp(dir=self.outbox_dir, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(mime)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return str(path)


def slug(text: str) -> str:
    """The text as a safe part of a file name (at most 80 characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "message"
