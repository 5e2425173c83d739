"""A platform double on 127.0.0.1: serves in a thread, records every request, answers scripted failures first.

Failures are scripted as an HTTP status (429 gets `Retry-After: 0`), `"hang"` (no answer until released),
`"malformed"` (200 with an HTML page, as a captive portal or a proxy sends), `"cut"` (200 with half a JSON body)
or `"ok"` (answered normally: a failure scripted for the second page of a pull follows an `"ok"`).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

HANG, MALFORMED, CUT, OK = "hang", "malformed", "cut", "ok"


@dataclass(frozen=True)
class Request:
    """One request as the double saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], object]
"""Status, headers and a JSON-ready body (bytes are sent as they are)."""


def serve_in_thread(
    double: object, handler: type[BaseHTTPRequestHandler]
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A server on a free loopback port whose `handler` finds `double` as `self.server.double`, serving in a
    daemon thread (every double of the tests starts this way)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.double = double  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


def stop_serving(
    stopping: threading.Event, server: ThreadingHTTPServer | None, thread: threading.Thread | None
) -> None:
    """Release hanging requests (`stopping`), stop serving, close the socket, wait for the thread."""
    stopping.set()
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(timeout=5)


class LoopbackDouble:
    """Subclasses answer with `answer(request)`; this class serves, records and plays the script."""

    def __init__(self, hang_seconds: float = 10.0) -> None:
        self.hang_seconds = hang_seconds
        self.requests: list[Request] = []
        self._script: deque[int | str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The double's base URL."""
        assert self._server is not None, "the double is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, replies: Iterable[int | str]) -> None:
        """Answer the next requests with these failures, in order, before answering normally again."""
        with self._lock:
            self._script.extend(replies)

    def start(self):
        self._stopping = threading.Event()
        self._server, self._thread = serve_in_thread(self, _Handler)
        return self

    def close(self) -> None:
        stop_serving(self._stopping, self._server, self._thread)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def _play(self, request: Request) -> Answer | None:
        """The scripted answer to this request, if one waits (a hang waits here)."""
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None
        if scripted is None or scripted == OK:
            return None
        if scripted == HANG:
            self._stopping.wait(self.hang_seconds)
            return 200, {}, b""
        if scripted == MALFORMED:
            return 200, {"Content-Type": "text/html"}, b"<html><body>Portail captif : connectez-vous</body></html>"
        if scripted == CUT:
            return 200, {"Content-Type": "application/json"}, b'{"value": [{"__id": "uuid:'
        status = int(scripted)
        return status, {"Retry-After": "0"} if status == 429 else {}, {"code": status, "message": "scripted"}


class _Handler(BaseHTTPRequestHandler):
    def _serve(self) -> None:
        double: LoopbackDouble = self.server.double  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = Request(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                          dict(self.headers.items()), body)  # fmt: skip
        status, headers, payload = double._play(request) or double.answer(request)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        headers = {"Content-Type": "application/json", **headers} if not isinstance(payload, bytes) else headers
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `requests`."""
