"""What the `vigie` command says when the world around it is wrong: one or two lines (what is wrong, what to run)
and an exit code, never a traceback unless `--debug`, never a secret (passwords in URLs and API keys masked)."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

import click

CONFIGURATION = 2
"""Exit code of a setting Vigie cannot use (fix the environment)."""
STATE = 1
"""Exit code of a system that is not ready or does not answer (fix it, or start it, then run again)."""
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][\w+.-]*://[^\s:/@]*:)\S*@")
_KEY_LIKE = re.compile(r"SG\.[\w-]+\.[\w-]+")
CONSOLE_HANDLER = "PrefectConsoleHandler"
QUIET_LEVELS = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL"}


def mask_secrets(text: str) -> str:
    """The text with the password of every URL (even a malformed one), the warehouse's password, the SendGrid key,
    the DHIS2 token and the S3 store's secrets of the environment, and every SendGrid-looking key masked."""
    for secret in _known_secrets():
        text = text.replace(secret, "***")
    return _KEY_LIKE.sub("[redacted]", _URL_PASSWORD.sub(r"\1***@", text))


def _known_secrets() -> list[str]:
    """SENDGRID_API_KEY, VIGIE_DHIS2_TOKEN, the S3 store's secret key and token, and the password of
    VIGIE_DATABASE_URL, when set (longest first; flows/settings.py reads them)."""
    from flows.settings import secrets_to_mask

    return secrets_to_mask()


@dataclass(frozen=True)
class Explained:
    """An error said for an officer: its lines and the exit code."""

    text: str
    code: int


class VigieError(click.ClickException):
    """A known problem, said in one or two lines on standard error, with its exit code."""

    def __init__(self, explained: Explained) -> None:
        super().__init__(explained.text)
        self.exit_code = explained.code


def explain(error: BaseException) -> Explained | None:
    """The plain words for an error Vigie knows (settings, warehouse, Prefect API, SendGrid key); None otherwise."""
    for finder in (_settings_error, _warehouse_error, _prefect_error, _sendgrid_error):
        found = finder(error)
        if found is not None:
            return Explained(mask_secrets(found.text), found.code)
    return None


def _settings_error(error: BaseException) -> Explained | None:
    from flows.settings import SettingsError

    return Explained(str(error), CONFIGURATION) if isinstance(error, SettingsError) else None


def _warehouse_error(error: BaseException) -> Explained | None:
    """Schema behind the code, unknown driver, unreachable or refusing database."""
    from sqlalchemy.exc import NoSuchModuleError, OperationalError

    from warehouse.db import DatabaseNotReady

    if isinstance(error, DatabaseNotReady):
        return Explained(f"The warehouse is not migrated: {error}.", STATE)
    if isinstance(error, NoSuchModuleError):
        return Explained(
            f"VIGIE_DATABASE_URL names a database Vigie cannot use ({error}).\n"
            "Use sqlite:///PATH or postgresql+psycopg://USER@HOST:5432/DB (the password after USER:).",
            CONFIGURATION,
        )
    if isinstance(error, OperationalError):
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return Explained(
            f"Cannot use the warehouse at {_database_url()}: {cause}\n"
            "Check VIGIE_DATABASE_URL and that the database server is running, then run the command again.",
            STATE,
        )
    return None


def _prefect_error(error: BaseException) -> Explained | None:
    """Prefect's API at PREFECT_API_URL (or its temporary server) does not answer."""
    import httpx

    text = str(error)
    unreachable = isinstance(error, httpx.TransportError) or (
        isinstance(error, RuntimeError) and ("Failed to reach API" in text or "ephemeral" in text.lower())
    )
    if not unreachable:
        return None
    from flows.settings import prefect_api_url

    where = prefect_api_url() or "the temporary local Prefect server"
    return Explained(
        f"Cannot reach the Prefect API at {where} ({text.splitlines()[0] if text else type(error).__name__}).\n"
        "Start it with `vigie serve` (or `prefect server start`), or unset PREFECT_API_URL to run without a server.",
        STATE,
    )


def _sendgrid_error(error: BaseException) -> Explained | None:
    from reports.sendgrid_sender import SendGridConfigError

    if not isinstance(error, SendGridConfigError):
        return None
    return Explained(f"{error}.\nOr set VIGIE_EMAIL_BACKEND=file to write the messages as .eml files.", CONFIGURATION)


def _database_url() -> str:
    """The warehouse URL of the settings, its password masked (or the variable's name when unreadable)."""
    from flows.settings import SettingsError, load_settings

    try:
        return mask_secrets(load_settings().database_url)
    except SettingsError:
        return "VIGIE_DATABASE_URL"


def quiet_prefect(verbose: bool) -> None:
    """Keep Prefect's log lines off the terminal unless `verbose` (they still reach the Prefect API and its UI).

    Prefect configures its console handler (on standard error) when it is imported: before that an environment
    variable does it, after that the handler itself is set."""
    level = logging.NOTSET if verbose else logging.CRITICAL
    if not verbose:
        for name, value in QUIET_LEVELS.items():
            os.environ.setdefault(name, value)
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == CONSOLE_HANDLER:
            handler.setLevel(level)


def run_guarded(invoke, debug: bool):
    """Call `invoke()`; an error becomes a VigieError in plain words (with `debug`, it is raised as it is)."""
    try:
        return invoke()
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as error:
        if debug:
            raise
        raise VigieError(in_plain_words(error)) from None


def in_plain_words(error: BaseException) -> Explained:
    """What `vigie` says of `error`: its plain words when Vigie knows it, else its type and first line."""
    return explain(error) or _unexpected(error)


def _unexpected(error: BaseException) -> Explained:
    """An error Vigie does not know: its type and first line, and how to see more."""
    first = (str(error).strip().splitlines() or [""])[0][:300]
    return Explained(
        mask_secrets(f"{type(error).__name__}: {first}\nRun again with `vigie --debug ...` to see where it happened."),
        STATE,
    )
