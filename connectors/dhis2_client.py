"""Posting a payload to DHIS2's `/api/dataValueSets` with a personal access token: a time limit on each request,
retries with backoff on 429, 5xx and no answer (safe: under CREATE_AND_UPDATE a value sent twice is stored once),
never on another 4xx. The token goes in the Authorization header only: never in a message, a log or the URL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

RETRIED = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 4
BACKOFF_S = 2.0
"""The first wait between attempts, doubled each time (2, 4, 8 s), unless DHIS2 says Retry-After."""
MAX_WAIT_S = 30.0


class Dhis2Unreachable(RuntimeError):
    """DHIS2 did not answer (time limit, connection refused, unknown host), after every attempt."""


@dataclass(frozen=True)
class Answer:
    """DHIS2's last answer: HTTP status, its JSON (None when not JSON), the raw text and how many attempts it took."""

    status: int
    body: object
    text: str
    attempts: int
    location: str | None = None


def import_url(base_url: str) -> str:
    """The data value import endpoint of a DHIS2 instance (`https://dhis2.example.org` or `.../api`)."""
    base = base_url.strip().rstrip("/")
    return f"{base.removesuffix('/api')}/api/dataValueSets"


def post_data_values(
    base_url: str,
    token: str,
    payload: dict,
    *,
    dry_run: bool = False,
    timeout_s: float = 60.0,
    attempts: int | None = None,
    backoff_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """POST `payload` with importStrategy=CREATE_AND_UPDATE (a corrected review replaces what it sent before),
    idScheme=UID (the mapping holds uids) and dryRun; the last answer, or Dhis2Unreachable."""
    url = import_url(base_url)
    attempts, backoff_s = attempts or ATTEMPTS, BACKOFF_S if backoff_s is None else backoff_s
    params = {"importStrategy": "CREATE_AND_UPDATE", "idScheme": "UID", "dryRun": "true" if dry_run else "false"}
    headers = {"Authorization": f"ApiToken {token}", "Accept": "application/json"}
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            wait = backoff_s * 2 ** (attempt - 1)
            try:
                response = client.post(url, params=params, json=payload, headers=headers)
            except httpx.TimeoutException:
                problem = f"no answer within {timeout_s:g} s"
            except httpx.TransportError as error:
                problem = f"cannot connect ({type(error).__name__})"
            else:
                if response.status_code not in RETRIED or attempt == attempts:
                    return _answer(response, attempt)
                problem, wait = f"HTTP {response.status_code}", _retry_after(response) or wait
            if attempt == attempts:
                raise Dhis2Unreachable(f"{url}: {problem}, after {attempts} attempt(s)")
            sleep(min(wait, MAX_WAIT_S))
    raise AssertionError("unreachable")  # pragma: no cover


LOGIN_MARKS = ("login", "security", "signin", "sso", "auth")
"""Words in the address of a login page (DHIS2's `/dhis-web-commons/security/login.action`, `/dhis-web-login/`, a
proxy's single sign-on page)."""


def redirect_advice(base_url: str, location: str | None) -> str:
    """What a redirect from DHIS2 means for the officer, in words: a login page (the token was not taken as an API
    call), another scheme or path of the same server (the address to use instead), or another server."""
    sent, target = httpx.URL(import_url(base_url)), httpx.URL(location or "")
    if not location:
        return "DHIS2 answered with a redirect without saying where to: check the DHIS2 address (--post)."
    target = sent.join(target)
    if any(mark in target.path.lower() for mark in LOGIN_MARKS):
        return (
            f"DHIS2 sent Vigie to a login page ({target.copy_with(query=None)}) instead of taking the values: the "
            "address given to --post is probably not DHIS2's own (a missing path such as /dhis2, http instead of "
            "https), or a proxy in front of DHIS2 asks for its own login. Give the address you open DHIS2 with in a "
            "browser, without /api. Nothing was imported."
        )
    if target.host == sent.host:
        better = str(target.copy_with(query=None)).removesuffix("/api/dataValueSets").rstrip("/")
        return f"DHIS2 answered that it lives at another address: run again with --post {better}. Nothing was imported."
    return (
        f"DHIS2 sent Vigie to another server ({target.host}): Vigie does not follow it with the token. Check the "
        "DHIS2 address (--post). Nothing was imported."
    )


def _answer(response: httpx.Response, attempts: int) -> Answer:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    return Answer(response.status_code, body, response.text, attempts, response.headers.get("Location"))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
