"""A local DHIS2 `/api/dataValueSets` double: checks the token and every payload's shape (required fields, uid and
period formats, values as strings), answers in DHIS2's import-summary shape (a WebMessage wrapping an ImportSummary,
as DHIS2 2.38 and later do), with a conflict for the values of an unknown org unit; fails or hangs on cue."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import serve_in_thread, stop_serving

TEST_TOKEN = "d2pat_vigieDoubleTokenNotARealSecret0123456789"
HANG = "hang"
UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
PERIOD = re.compile(r"^\d{4}(Feb|April|July|Aug|Sep|Oct|Nov)?$")
"""Yearly and financial-year periods, the types Vigie may send."""
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
FIELDS = {"dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value", "comment"}
REQUIRED = ("dataElement", "period", "orgUnit", "value")
UIDS = ("dataElement", "orgUnit", "categoryOptionCombo", "attributeOptionCombo")
STRATEGIES = {"CREATE", "UPDATE", "CREATE_AND_UPDATE", "DELETE"}
LOGIN_PAGE = "/dhis-web-commons/security/login.action"
"""Where DHIS2 (2.40 and earlier; /dhis-web-login/ since 2.41) sends a request it does not take as an API call: the
answer a wrong context path or a proxy in front of DHIS2 gives an API client."""
HTTP_NAMES = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict"}


@dataclass(frozen=True)
class Received:
    """One request as the double saw it: path, query parameters, headers and the JSON body (None when unreadable)."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object


def shape_problems(body: object) -> list[str]:
    """What DHIS2 would not read in a dataValueSets body (empty when every value has the expected shape)."""
    if not isinstance(body, dict) or not isinstance(body.get("dataValues"), list):
        return ["the body must be an object with a dataValues list"]
    problems = []
    for index, value in enumerate(body["dataValues"]):
        if not isinstance(value, dict):
            problems.append(f"#{index}: not an object")
            continue
        problems += [f"#{index}: unknown field {name}" for name in sorted(set(value) - FIELDS)]
        problems += [f"#{index}: {name} missing or blank" for name in REQUIRED if not value.get(name)]
        problems += [f"#{index}: {name} not a string" for name, item in value.items() if not isinstance(item, str)]
        problems += [
            f"#{index}: {name} {value[name]!r} not a uid"
            for name in UIDS
            if isinstance(value.get(name), str) and not UID.match(value[name])
        ]
        if isinstance(value.get("period"), str) and not PERIOD.match(value["period"]):
            problems.append(f"#{index}: period {value['period']!r} not yearly or financial-year")
        if isinstance(value.get("value"), str) and not NUMBER.match(value["value"]):
            problems.append(f"#{index}: value {value['value']!r} not a plain number")
    return problems


def web_message(status: int, message: str, response: dict | None = None, outcome: str = "ERROR") -> dict:
    """DHIS2's WebMessage envelope."""
    body = {"httpStatus": HTTP_NAMES.get(status, "Error"), "httpStatusCode": status, "status": outcome}
    return {**body, "message": message, **({"response": response} if response is not None else {})}


class Dhis2Double:
    """POST /api/dataValueSets on 127.0.0.1: an import summary when the token and shape are right, errors else."""

    def __init__(self, org_units: Iterable[str], token: str = TEST_TOKEN, conflict_status: int = 409):
        self.org_units, self.token, self.conflict_status = set(org_units), token, conflict_status
        self.requests: list[Received] = []
        self.stored: dict[tuple[str, ...], str] = {}
        self.hang_seconds = 10.0
        self.login_redirect = False
        """True: answer every request as a misconfigured DHIS2 does, 302 to its login page (an HTML page)."""
        self._script: deque[int | str] = deque()
        self._lock, self._stopping = threading.Lock(), threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the double is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, replies: Iterable[int | str]) -> None:
        """Answer the next requests with these statuses (or HANG: no answer) before answering normally."""
        with self._lock:
            self._script.extend(replies)

    def __enter__(self) -> Dhis2Double:
        self._server, self._thread = serve_in_thread(self, _Handler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None
        stop_serving(self._stopping, self._server, self._thread)

    def answer(self, request: Received) -> tuple[int, dict] | None:
        """Status and body for one request; None to hang."""
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None
        if scripted == HANG:
            return None
        if scripted is not None:
            return int(scripted), web_message(int(scripted), f"scripted failure {scripted}")
        if request.path != "/api/dataValueSets":
            return 404, web_message(404, f"no resource {request.path}")
        if request.headers.get("Authorization") != f"ApiToken {self.token}":
            return 401, web_message(401, "Unauthorized")
        strategy, dry_run = request.query.get("importStrategy", "CREATE_AND_UPDATE"), request.query.get("dryRun")
        problems = shape_problems(request.body) + (
            [f"importStrategy {strategy}"] if strategy not in STRATEGIES else []
        ) + ([f"dryRun {dry_run}"] if dry_run not in (None, "true", "false") else [])  # fmt: skip
        if problems:
            return 400, web_message(400, "; ".join(problems))
        return self._import(request.body["dataValues"], dry_run == "true")  # type: ignore[index]

    def _import(self, values: list[dict[str, str]], dry_run: bool) -> tuple[int, dict]:
        conflicts: dict[str, list[int]] = {}
        counts = dict.fromkeys(("imported", "updated", "ignored", "deleted"), 0)
        for index, value in enumerate(values):
            if value["orgUnit"] not in self.org_units:
                conflicts.setdefault(value["orgUnit"], []).append(index)
                counts["ignored"] += 1
                continue
            key = tuple(value.get(name, "") for name in ("dataElement", "period", "orgUnit", *UIDS[2:]))
            counts["updated" if key in self.stored else "imported"] += 1
            if not dry_run:
                with self._lock:
                    self.stored[key] = value["value"]
        summary = {
            "responseType": "ImportSummary",
            "status": "WARNING" if conflicts else "SUCCESS",
            "importOptions": {"dryRun": dry_run, "importStrategy": "CREATE_AND_UPDATE", "idSchemes": {}},
            "description": "Import process completed successfully",
            "importCount": counts,
            "conflicts": [
                {
                    "object": org_unit,
                    "objects": {"organisationUnit": org_unit},
                    "value": f"Organisation unit not found or not accessible: `{org_unit}`",
                    "errorCode": "E7612",
                    "property": "orgUnit",
                    "indexes": indexes,
                }
                for org_unit, indexes in conflicts.items()
            ],
            "rejectedIndexes": sorted(i for indexes in conflicts.values() for i in indexes),
            "dataSetComplete": "false",
        }
        if conflicts:
            message = "One more conflicts encountered, please check import summary."
            return self.conflict_status, web_message(self.conflict_status, message, summary, "WARNING")
        return 200, web_message(200, "Import was successful.", summary, "OK")


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        double: Dhis2Double = self.server.double  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if double.login_redirect:
            self._login_redirect(double)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        answer = double.answer(Received(parts.path, query, dict(self.headers.items()), body))
        if answer is None:
            double._stopping.wait(double.hang_seconds)
            self.close_connection = True
            return
        payload = json.dumps(answer[1]).encode("utf-8")
        self.send_response(answer[0])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _login_redirect(self, double: Dhis2Double) -> None:
        with double._lock:
            double.requests.append(Received(urlsplit(self.path).path, {}, dict(self.headers.items()), None))
        page = b"<html><head><title>DHIS 2</title></head><body>Sign in</body></html>"
        self.send_response(302)
        self.send_header("Location", f"{double.url}{LOGIN_PAGE}")
        self.send_header("Content-Type", "text/html;charset=UTF-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read `requests`."""
