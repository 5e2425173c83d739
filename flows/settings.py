"""Settings in one place, read from the environment (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

EMAIL_BACKENDS = ("file", "sendgrid")


class SettingsError(ValueError):
    """A setting has a value Vigie cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Where local state lives, which database and mail backend to use, who sends and who watches."""

    home: Path
    database_url: str
    email_backend: str
    outbox_dir: Path
    sender: str
    officer_emails: tuple[str, ...]
    sendgrid_host: str
    sendgrid_api_key: str | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        """Where generated samples and submitted files are kept."""
        return self.home / "data"

    @property
    def grid_dir(self) -> Path:
        """The committees' own grid overrides (value-chain and cluster YAML files), VIGIE_GRID_DIR."""
        return Path(os.environ.get("VIGIE_GRID_DIR") or self.home / "grid").expanduser().resolve()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the VIGIE_* variables (and SENDGRID_API_KEY), applying the documented defaults."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("VIGIE_HOME") or "./var").expanduser().resolve()
    database_url = env.get("VIGIE_DATABASE_URL") or f"sqlite:///{home / 'vigie.db'}"
    backend = (env.get("VIGIE_EMAIL_BACKEND") or "file").strip().lower()
    if backend not in EMAIL_BACKENDS:
        raise SettingsError(f"VIGIE_EMAIL_BACKEND={backend!r}: expected one of {', '.join(EMAIL_BACKENDS)}")
    officers = tuple(
        address.strip()
        for address in (env.get("VIGIE_OFFICER_EMAILS") or "").replace(",", ";").split(";")
        if address.strip()
    )
    for address in officers:
        if "@" not in address:
            raise SettingsError(f"VIGIE_OFFICER_EMAILS: {address!r} is not an email address")
    return Settings(
        home=home,
        database_url=database_url,
        email_backend=backend,
        outbox_dir=Path(env.get("VIGIE_OUTBOX_DIR") or home / "outbox").expanduser().resolve(),
        sender=env.get("VIGIE_SENDER") or "Vigie <vigie@clusters.example.bj>",
        officer_emails=officers,
        sendgrid_host=(env.get("VIGIE_SENDGRID_HOST") or "https://api.sendgrid.com").rstrip("/"),
        sendgrid_api_key=env.get("SENDGRID_API_KEY") or None,
    )
