"""A local SendGrid v3 Mail Send double: checks the key, validates bodies against the official spec, fails on cue."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.loopback import serve_in_thread, stop_serving

SPEC = Path(__file__).resolve().parent / "specs" / "sendgrid-mail-v3.openapi.json"
"""SendGrid's published v3 mail schema, carried in the project (a copy of shared/specs/) so a clone tests alone."""
REQUEST_SCHEMA = "#/components/requestBodies/PostMailSend/content/application~1json/schema"
ERROR_SCHEMA = "#/components/schemas/ErrorResponse"
TEST_API_KEY = "SG.vigie-double-key.not-a-real-secret"
MAX_BODY_BYTES = 30 * 1024 * 1024
HANG = "hang"
MESSAGES = {
    400: "invalid request",
    401: "authorization required",
    403: "access forbidden",
    404: "not found",
    413: "content too large",
    429: "too many requests",
    500: "internal server error",
    503: "service unavailable",
}


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a status, extra headers, and optionally the error message."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class Received:
    """One request as the double saw it: path, headers, and the JSON body (None when unreadable)."""

    path: str
    headers: dict[str, str]
    body: dict | None


@cache
def spec_validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` in the spec, with every `$ref` resolved inside the spec."""
    if not SPEC.is_file():
        raise FileNotFoundError(f"{SPEC}: SendGrid's published schema is missing from the project")
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    uri = SPEC.as_uri()
    registry = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": uri + pointer}, registry=registry, format_checker=FormatChecker())


def schema_problems(body: object, pointer: str = REQUEST_SCHEMA) -> list[dict[str, str]]:
    """The spec's complaints about a body, as SendGrid-style error items (empty when valid)."""
    errors = sorted(spec_validator(pointer).iter_errors(body), key=lambda e: e.json_path)
    return [{"message": error.message, "field": error.json_path} for error in errors]


class SendGridDouble:
    """POST /v3/mail/send on 127.0.0.1: 202 with X-Message-Id when the key and body are right, spec errors else."""

    def __init__(self, api_key: str = TEST_API_KEY, hang_seconds: float = 30.0, max_bytes: int = MAX_BODY_BYTES):
        self.api_key, self.hang_seconds, self.max_bytes = api_key, hang_seconds, max_bytes
        self.requests: list[Received] = []
        self.accepted: list[Received] = []
        self._script: deque[Reply | str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL to give the client as `host`."""
        assert self._server is not None, "the double is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, replies: Iterable[int | str | Reply]) -> None:
        """Answer the next requests with these failures first (429 gets Retry-After: 1 unless given; "hang")."""
        with self._lock:
            for reply in replies:
                if isinstance(reply, int):
                    reply = Reply(reply, {"Retry-After": "1"} if reply == 429 else {})
                self._script.append(reply)

    def start(self) -> SendGridDouble:
        """Serve in a background thread on an ephemeral port (after loading SendGrid's published schema: without it
        every request would fail inside the server, and the sender under test would retry for minutes)."""
        spec_validator(REQUEST_SCHEMA)
        self._stopping = threading.Event()
        self._server, self._thread = serve_in_thread(self, _Handler)
        return self

    def close(self) -> None:
        """Release hanging requests, stop serving, close the socket."""
        stop_serving(self._stopping, self._server, self._thread)
        self._server = self._thread = None

    def __enter__(self) -> SendGridDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _answer(self, request: Received, size: int) -> tuple[int, dict[str, str], list[dict[str, str]] | None]:
        """Status, headers and error items for one request (errors None means success)."""
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None
        auth = request.headers.get("Authorization", "")
        if scripted is not None:
            assert isinstance(scripted, Reply)
            message = scripted.message or MESSAGES.get(scripted.status, "error")
            if scripted.status == 401:  # deliberately hostile: echoes the credentials, as a leaky proxy might
                message = f"{message} (received Authorization: {auth})"
            return scripted.status, scripted.headers, [{"message": message}]
        if request.path != "/v3/mail/send":
            return 404, {}, [{"message": MESSAGES[404]}]
        if auth != f"Bearer {self.api_key}":
            return 401, {}, [{"message": f"authorization required (received Authorization: {auth})", "field": "null"}]
        if size > self.max_bytes:
            return 413, {}, [{"message": MESSAGES[413], "field": "null"}]
        if not request.headers.get("Content-Type", "").startswith("application/json") or request.body is None:
            return 400, {}, [{"message": "Content-Type should be application/json and the body a JSON object"}]
        problems = schema_problems(request.body)
        if problems:
            return 400, {}, problems
        with self._lock:
            self.accepted.append(request)
            number = len(self.accepted)
        sandbox = ((request.body.get("mail_settings") or {}).get("sandbox_mode") or {}).get("enable") is True
        return (200, {}, None) if sandbox else (202, {"X-Message-Id": f"double-{number}"}, None)

    def _next_is_hang(self) -> bool:
        """Consume a scripted hang when it is next in line."""
        with self._lock:
            if self._script and self._script[0] == HANG:
                self._script.popleft()
                return True
            return False


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into calls on the double."""

    def do_POST(self) -> None:
        double: SendGridDouble = self.server.double  # type: ignore[attr-defined]
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size)
        try:
            body = json.loads(raw) if size <= double.max_bytes else None
        except ValueError:
            body = None
        request = Received(self.path, dict(self.headers.items()), body if isinstance(body, dict) else None)
        if double._next_is_hang():
            with double._lock:
                double.requests.append(request)
            double._stopping.wait(double.hang_seconds)
            self.close_connection = True
            return
        status, headers, errors = double._answer(request, size)
        payload = b"" if errors is None else json.dumps({"errors": errors}).encode("utf-8")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `requests` instead of stderr."""


@pytest.fixture
def sendgrid_double() -> Iterator[SendGridDouble]:
    """A running double expecting TEST_API_KEY, stopped after the test (import it into a conftest to share)."""
    with SendGridDouble(api_key=TEST_API_KEY) as double:
        yield double
