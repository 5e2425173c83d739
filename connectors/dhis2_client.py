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
