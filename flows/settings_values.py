"""How each setting's text becomes its value (flows/settings.py reads the variables; this module parses them)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from schemas.readers.limits import ENVIRONMENT, Limits


class SettingsError(ValueError):
    """A setting has a value Vigie cannot use; the message names the variable."""


TASK_RUNNERS = ("local", "dask")
YES_WORDS, NO_WORDS = ("1", "true", "yes", "oui", "on"), ("", "0", "false", "no", "non", "off")
SANDBOX_WORDS = ("1", "true", "yes", "on")
"""The words that turn VIGIE_SENDGRID_SANDBOX on (any other word leaves it off, as before)."""
TIME_SETTINGS = {
    "delivery_budget_s": "VIGIE_DELIVERY_BUDGET_S",
    "sendgrid_timeout_s": "VIGIE_SENDGRID_TIMEOUT_S",
    "stale_after_s": "VIGIE_STALE_AFTER_S",
}


def flag(env: Mapping[str, str], variable: str, default: bool = False) -> bool:
    """A yes/no setting (unset or empty: `default`); any other word is refused, naming the variable."""
    text = (env.get(variable) or "").strip().lower()
    if not text:
        return default
    if text not in YES_WORDS + NO_WORDS:
        raise SettingsError(f"{variable}={text!r}: expected 1/true/yes or 0/false/no")
    return text in YES_WORDS


def officer_emails(env: Mapping[str, str]) -> tuple[str, ...]:
    """VIGIE_OFFICER_EMAILS: addresses separated by `;` (or `,`), each with an @."""
    officers = tuple(
        address.strip()
        for address in (env.get("VIGIE_OFFICER_EMAILS") or "").replace(",", ";").split(";")
        if address.strip()
    )
    for address in officers:
        if "@" not in address:
            raise SettingsError(f"VIGIE_OFFICER_EMAILS: {address!r} is not an email address")
    return officers


def time_settings(env: Mapping[str, str]) -> dict[str, float]:
    """The delivery budget, the SendGrid request timeout and the leftovers' age, each in seconds (above 0)."""
    values = {}
    for name, variable in TIME_SETTINGS.items():
        text = (env.get(variable) or "").strip()
        if not text:
            continue
        try:
            values[name] = float(text)
        except ValueError:
            values[name] = -1.0
        if not values[name] > 0:
            raise SettingsError(f"{variable}={text!r}: expected a number of seconds above 0")
    return values


def checked_database_url(url: str) -> str:
    """The warehouse URL when SQLAlchemy can read it; a SettingsError that never shows its password otherwise."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown, masked = re.subn(r"(://[^\s:/@]*:)\S*@", r"\1***@", url)
    scheme = re.match(r"[a-zA-Z][\w+.-]*://", url)
    shown = shown if masked else (scheme.group(0) if scheme else "") + "(the rest not shown)"
    if url.split("?")[0].count("@") > 1:  # the password's own @ would be read as the host's start
        raise SettingsError(f"VIGIE_DATABASE_URL={shown!r} has more than one '@': write an @ of the password as %40")
    try:
        make_url(url).port  # noqa: B018 (a port that is not a number fails only when read)
    except (ArgumentError, ValueError, TypeError) as error:
        raise SettingsError(
            f"VIGIE_DATABASE_URL={shown!r} is not a database URL ({type(error).__name__}); expected e.g. "
            "postgresql+psycopg://USER:***@HOST:5432/vigie or sqlite:///PATH"
        ) from None
    return url


def limit_settings(env: Mapping[str, str]) -> Limits:
    """The VIGIE_MAX_* limits of a submitted file (see schemas/readers/limits.py), each a whole number."""
    values = {}
    for name, variable in ENVIRONMENT.items():
        text = (env.get(variable) or "").strip().replace("_", "")
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            raise SettingsError(f"{variable}={env[variable]!r}: expected a whole number, 1 or more")
        values[name] = int(text)
    return Limits(**values)


def scale_settings(env: Mapping[str, str]) -> dict:
    """VIGIE_TASK_RUNNER (local or dask), VIGIE_DASK_ADDRESS (an existing scheduler), VIGIE_DASK_GROUPS."""
    runner = (env.get("VIGIE_TASK_RUNNER") or "local").strip().lower()
    if runner not in TASK_RUNNERS:
        raise SettingsError(f"VIGIE_TASK_RUNNER={runner!r}: expected one of {', '.join(TASK_RUNNERS)}")
    groups = (env.get("VIGIE_DASK_GROUPS") or "4").strip()
    if not groups.isdigit() or int(groups) < 1:
        raise SettingsError(f"VIGIE_DASK_GROUPS={groups!r}: expected a whole number of cluster groups, 1 or more")
    return {"task_runner": runner, "dask_address": env.get("VIGIE_DASK_ADDRESS") or None, "dask_groups": int(groups)}


def whole_seconds(env: Mapping[str, str], variable: str, default: int) -> int:
    """A flow or task time limit in seconds from `variable` (VIGIE_FLOW_TIMEOUT_S, VIGIE_TASK_TIMEOUT_S); `default`
    when unset."""
    text = (env.get(variable) or "").strip().replace("_", "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{variable}={text!r}: expected a whole number of seconds, 1 or more")
    return int(text)


def known_secrets(env: Mapping[str, str]) -> list[str]:
    """SENDGRID_API_KEY, VIGIE_DHIS2_TOKEN, the S3 store's secret key and token, and the password of
    VIGIE_DATABASE_URL, when set (longest first): what the command's messages mask."""
    names = ("SENDGRID_API_KEY", "VIGIE_DHIS2_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    found = [env.get(name) or "" for name in names]
    match = re.search(r"://[^\s:/@]*:(\S*)@", env.get("VIGIE_DATABASE_URL") or "")
    found += [match.group(1)] if match else []
    return sorted({secret for secret in found if len(secret) >= 3}, key=len, reverse=True)
