"""The intake service of `vigie serve`: a process that keeps intake loaded, so `vigie submit` of a small file
answers in about a second instead of paying Python, Prefect, pandas and Great Expectations imports each time.

Each file it is handed is taken in by the same `intake` flow `vigie submit` would run itself, so the run, its name,
tags and artifacts appear in the Prefect UI alike. It listens on a loopback port chosen by the system and writes
where to find it, with a random token, to `$VIGIE_HOME/run/intake-service.json` (readable by its user only); a
request without that token is refused. `vigie submit` uses it when that file is there, the service answers and
it serves the same warehouse and store; otherwise (or with `--here`) it runs intake itself. One file is taken in
at a time; a second request waits for the first.

    python -m flows.intake_service     # what `vigie serve` starts beside the worker
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import secrets
import signal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from flows.settings import Settings, load_settings

SERVICE_FILE = Path("run") / "intake-service.json"
CONNECT_TIMEOUT_S = 2.0
REFUSED_OTHER_WAREHOUSE = 409


def service_file(settings: Settings) -> Path:
    """Where the service of this home says how to reach it."""
    return settings.home / SERVICE_FILE


def warehouse_key(settings: Settings) -> str:
    """A digest of the warehouse and store the settings name (the URL itself may hold a password)."""
    return hashlib.sha256(f"{settings.database_url}\n{settings.store_dir}".encode()).hexdigest()


def ask(settings: Settings, request: dict) -> dict | None:
    """Hand `request` (intake's keyword arguments) to the running service; its answer (`{"result": ...}` or
    `{"error": {"text", "code"}}`), or None when no service of the same warehouse answers."""
    try:
        found = json.loads(service_file(settings).read_text("utf-8"))
        connection = http.client.HTTPConnection("127.0.0.1", int(found["port"]), timeout=CONNECT_TIMEOUT_S)
        connection.connect()
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no service, or a stale file left by one that was killed
    connection.sock.settimeout(None)  # a large file takes as long as it takes
    body = json.dumps({**request, "warehouse": warehouse_key(settings)}).encode()
    try:
        connection.request("POST", "/submit", body, {"Authorization": f"Bearer {found['token']}"})
        response = connection.getresponse()
        answer = response.read()
    except OSError:
        return None
    finally:
        connection.close()
    return json.loads(answer) if response.status == 200 else None


class _Handler(BaseHTTPRequestHandler):
    server: _IntakeServer

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        given = self.headers.get("Authorization", "")
        if self.path != "/submit" or not hmac.compare_digest(given.encode(), f"Bearer {self.server.token}".encode()):
            self._answer(403, {"error": "refused"})
            return
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if request.pop("warehouse", None) != self.server.key:
            self._answer(REFUSED_OTHER_WAREHOUSE, {"error": "another warehouse"})
            return
        self._answer(200, take_in(request))

    def _answer(self, status: int, content: dict) -> None:
        body = json.dumps(content, ensure_ascii=False, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        """Quiet: each intake is in the Prefect UI and the ledger."""


class _IntakeServer(HTTPServer):
    def __init__(self, token: str, key: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token, self.key = token, key


def take_in(request: dict) -> dict:
    """Run the intake flow on the request's files; the summary, or the error in the words `vigie` would say."""
    from flows.cli_errors import in_plain_words
    from flows.inbox import InboxRefusal
    from flows.intake import intake

    asked = {name: request.get(name) for name in ("path", "table")}
    try:
        return {"result": intake(**asked, expectations=bool(request.get("expectations", True)), archive=False)}
    except InboxRefusal as refusal:
        return {"error": {"text": str(refusal), "code": 1}}
    except Exception as error:  # said to the officer who submitted; the service goes on
        explained = in_plain_words(error)
        return {"error": {"text": explained.text, "code": explained.code}}


def serve_intake(settings: Settings) -> None:
    """Load intake, listen, say where, and answer until SIGTERM or Ctrl-C; then remove the file if still ours."""
    import great_expectations  # noqa: F401 (loaded once here rather than at the first file)

    import flows.intake  # noqa: F401

    server = listen(settings)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        close(server, settings)


def listen(settings: Settings) -> _IntakeServer:
    """A service bound to a free loopback port, its address and token written where `ask` looks (mode 0600)."""
    server = _IntakeServer(secrets.token_urlsafe(32), warehouse_key(settings))
    where = service_file(settings)
    where.parent.mkdir(parents=True, exist_ok=True)
    staged = where.with_suffix(".tmp")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"port": server.server_address[1], "token": server.token, "pid": os.getpid()}, out)
    staged.replace(where)
    return server


def close(server: _IntakeServer, settings: Settings) -> None:
    """Stop listening and remove the service file, unless another service has written its own since."""
    server.server_close()
    where = service_file(settings)
    try:
        if json.loads(where.read_text("utf-8")).get("port") == server.server_address[1]:
            where.unlink()
    except (OSError, ValueError):
        pass


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    serve_intake(load_settings())
