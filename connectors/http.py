"""One GET or POST to a platform, with an explicit timeout and a small retry with backoff where a retry may help."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

RETRIED = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses that may pass later (rate limits, timeouts, a server restarting); every other refusal is final."""
CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


class PullError(RuntimeError):
    """A pull that could not be done: `code` (unauthorized, forbidden, not_found, refused, malformed, unavailable)
    and whether waiting may help (`transient`). The message names the address, never a credential."""

    def __init__(self, code: str, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.code, self.transient = code, transient


@dataclass(frozen=True)
class Retry:
    """How often and how long to try: `attempts` in all, waits of `backoff_s` doubled each time (capped)."""

    attempts: int = 4
    backoff_s: float = 1.0
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep


DEFAULT_RETRY = Retry()


def request_json(client: httpx.Client, method: str, url: str, retry: Retry = DEFAULT_RETRY, **options) -> object:
    """The JSON body of a successful answer; PullError once retries are spent or at a refusal that will not pass."""
    last = "no answer"
    for attempt in range(1, retry.attempts + 1):
        try:
            response = client.request(method, url, **options)
        except httpx.TimeoutException:
            last, wait = "no answer within the timeout", None
        except httpx.TransportError as error:
            last, wait = f"cannot connect ({type(error).__name__})", None
        else:
            if response.is_success:
                return _json(response)
            if response.status_code not in RETRIED:
                code = CODES.get(response.status_code, "refused")
                raise PullError(code, f"{_where(response.request.url)} answered {response.status_code}")
            last, wait = f"answered {response.status_code}", _retry_after(response)
        if attempt < retry.attempts:
            backoff = retry.backoff_s * 2 ** (attempt - 1)
            retry.sleep(min(retry.max_wait_s, wait if wait is not None else backoff))
    raise PullError("unavailable", f"{_where(httpx.URL(url))} {last} (after {retry.attempts} attempts)", True)


def _json(response: httpx.Response) -> object:
    """The body as JSON; a page that is not JSON (a proxy's HTML, a cut answer) is `malformed`."""
    try:
        return response.json()
    except ValueError:
        raise PullError("malformed", f"{_where(response.request.url)} answered a page that is not JSON") from None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds asked by Retry-After (a number or an HTTP date), when given."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (email.utils.parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _where(url: httpx.URL) -> str:
    """The address without its query (a Kobo query or an OData filter says nothing useful to an officer)."""
    return str(url.copy_with(query=None))
