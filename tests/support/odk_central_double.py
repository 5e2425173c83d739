"""A local ODK Central: sessions and the OData `Submissions` feed of one form, every request checked against
Central's published OpenAPI description (specs/odk-central-api.yaml), answers in its documented shapes.

A request the spec does not allow (an unknown path or method, a query parameter the operation does not declare, a
parameter or a JSON body of the wrong type) is answered 400 and kept in `violations`: the fixture fails the test
when any is left. The OData answer's envelope (`@odata.context`, `value`) is checked against the operation's 200
schema; its `items` describe the spec's example form ("simple": age, name) and are left out of that check.

Submissions are kept as Central keeps them: `__id` (the first instance id, kept across edits), `meta/instanceID`
(the latest version's), `__system` with `submissionDate`, `updatedAt` (null until an edit or a review), the review
state and the edit count, `deletedAt` once deleted (Central v2024.3: the feed leaves a deleted submission out unless
`$filter` names `__system/deletedAt`; `$select` keeps only the fields named). Paging: newest first, `$top` rows,
then `@odata.nextLink` with an opaque `$skiptoken`."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.support.loopback import Answer, LoopbackDouble, Request

SPEC = Path(__file__).resolve().parent / "specs" / "odk-central-api.yaml"
EMAIL, PASSWORD = "suivi@atda.example.bj", "mot-de-passe-du-double"
FEED = "/v1/projects/{projectId}/forms/{xmlFormId}.svc/{table}"
SYSTEM_FIELDS = ("__system/submissionDate", "__system/updatedAt", "__system/deletedAt", "__system/reviewState", "__id")
TIMES = SYSTEM_FIELDS[:3]
PROBLEMS = {401: (401.2, "Could not authenticate with the provided credentials."),
            404: (404.1, "Could not find the resource you were looking for.")}  # fmt: skip


@cache
def spec() -> dict:
    """Central's OpenAPI description (loaded once: 0.5 s)."""
    if not SPEC.is_file():
        raise FileNotFoundError(f"{SPEC}: ODK Central's published API description is missing from the project")
    return yaml.load(SPEC.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


@cache
def _routes() -> list[tuple[re.Pattern, str]]:
    """Each spec path as a pattern, the most literal first (`/submissions/keys` before `/submissions/{id}`)."""
    routes = []
    for template in spec()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
        routes.append((re.compile(f"^{pattern}$"), template))
    return sorted(routes, key=lambda route: -len(re.sub(r"\{\w+\}", "", route[1])))


def _validator(schema: dict) -> Draft7Validator:
    registry = Registry().with_resource("spec", Resource.from_contents(spec(), default_specification=DRAFT7))
    return Draft7Validator(schema, registry=registry)


def _typed(value: str, schema: dict) -> object:
    """A query or path value as its schema's type (ValueError when it is not one)."""
    kind = schema.get("type")
    if kind in ("number", "integer"):
        return float(value) if kind == "number" else int(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(value)
        return value == "true"
    return value


def spec_problems(request: Request) -> tuple[str | None, dict[str, str], list[str]]:
    """The spec path a request matches, its path parameters, and what the spec says is wrong with it."""
    matches = [(pattern.match(request.path), template) for pattern, template in _routes()]
    found, template = next(((m, t) for m, t in matches if m), (None, None))
    if found is None or template is None:
        return None, {}, [f"{request.path}: no such path in Central's API"]
    operation = spec()["paths"][template].get(request.method.lower())
    if operation is None:
        return template, found.groupdict(), [f"{request.method} {template}: no such operation"]
    problems = []
    declared = {p["name"]: p for p in operation.get("parameters") or []}
    for name, value in [*found.groupdict().items(), *request.query.items()]:
        parameter = declared.get(name)
        if parameter is None:
            problems.append(f"{template}: parameter {name!r} is not declared")
            continue
        try:
            _typed(value, parameter.get("schema") or {})
        except ValueError:
            problems.append(f"{template}: {name}={value!r} is not a {parameter['schema'].get('type')}")
    content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json")
    if content is not None and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            problems.append(f"{template}: the body is not JSON")
        else:
            problems += [f"{template}: body {e.json_path}: {e.message}" for e in _validator(content["schema"])
                         .iter_errors(body)]  # fmt: skip
    return template, found.groupdict(), problems


def envelope_problems(template: str, method: str, status: int, body: object) -> list[str]:
    """What the spec's schema of this answer says is wrong with it (OData items aside: see the module)."""
    responses = spec()["paths"][template][method.lower()]["responses"]
    content = ((responses.get(str(status)) or {}).get("content") or {}).get("application/json")
    if content is None:
        return []
    schema = dict(content["schema"])
    if "value" in schema.get("properties", {}):
        schema["properties"] = {**schema["properties"], "value": {"type": "array"}}
    return [f"answer {e.json_path}: {e.message}" for e in _validator(schema).iter_errors(body)]


class OdkCentralDouble(LoopbackDouble):
    """ODK Central on loopback with one project and form; `add`, `edit` and `review` change its submissions."""

    def __init__(self, project: int = 3, form: str = "livraisons_champion", **options) -> None:
        super().__init__(**options)
        self.project, self.form = project, form
        self.submissions: dict[str, dict] = {}
        self.violations: list[str] = []
        self.tokens: set[str] = set()
        self.repeats: set[str] = set()
        """The form's repeat groups by their OData path (`livraison.lots`): each a sub-table `Submissions.<path>`."""

    def add(self, fields: dict, at: str, review: str | None = None) -> str:
        """A new submission (its questions nested by group) received at `at`; its instance id."""
        instance = f"uuid:{uuid.uuid4()}"
        system = {"submissionDate": at, "updatedAt": None, "deletedAt": None, "submitterId": "7",
                  "submitterName": "coach1", "attachmentsPresent": 0, "attachmentsExpected": 0,
                  "status": None, "reviewState": review, "deviceId": "collect:Xy12", "edits": 0,
                  "formVersion": "2025030101"}  # fmt: skip
        self.submissions[instance] = {"__id": instance, **fields, "meta": {"instanceID": instance}, "__system": system}
        return instance

    def edit(self, instance: str, fields: dict, at: str) -> None:
        """An edit in Central: new values, a new version id, `updatedAt`, review state `edited`."""
        record = self.submissions[instance]
        record.update(fields)
        record["meta"] = {"instanceID": f"uuid:{uuid.uuid4()}", "deprecatedID": record["meta"]["instanceID"]}
        record["__system"].update(updatedAt=at, reviewState="edited", edits=record["__system"]["edits"] + 1)

    def review(self, instance: str, state: str, at: str) -> None:
        """A supervisor's review: `approved`, `hasIssues` or `rejected` (changes `updatedAt`)."""
        self.submissions[instance]["__system"].update(reviewState=state, updatedAt=at)

    def delete(self, instance: str, at: str) -> None:
        """A submission deleted in Central (soft: kept 30 days, out of the feed)."""
        self.submissions[instance]["__system"]["deletedAt"] = at

    def answer(self, request: Request) -> Answer:
        template, params, problems = spec_problems(request)
        if problems:
            self.violations += problems
            return 400, {}, {"code": 400.1, "message": "; ".join(problems)}
        if template == "/v1/sessions":
            return self._log_in(request)
        if template != FEED:
            self.violations.append(f"{template}: not served by the double")
            return 501, {}, {"code": 501.1, "message": "The requested feature is not supported by this server."}
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, {}, _problem(401)
        table = params["table"]
        if (params["projectId"], params["xmlFormId"]) != (str(self.project), self.form) or not (
            table == "Submissions" or (table.startswith("Submissions.") and table[12:] in self.repeats)
        ):
            return 404, {}, _problem(404)
        return self._feed(request, table[12:] or None)

    def _log_in(self, request: Request) -> Answer:
        body = json.loads(request.body or b"{}")
        if (body.get("email"), body.get("password")) != (EMAIL, PASSWORD):
            return 401, {}, _problem(401)
        token = secrets.token_urlsafe(48)
        self.tokens.add(token)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return 200, {}, self._checked("/v1/sessions", "POST", {"createdAt": now, "expiresAt": now, "token": token})

    def _feed(self, request: Request, repeat: str | None = None) -> Answer:
        query = request.query
        condition = query.get("$filter")
        if repeat and condition:  # a sub-table filters on its submission's fields through $root
            if re.search(r"(?<!/Submissions/)__system/", condition):
                return 501, {}, {"code": 501.1, "message": "A sub-table filters only on $root/Submissions/ fields."}
            condition = condition.replace("$root/Submissions/", "")
        try:
            keep = _condition(condition)
        except ValueError as error:
            return 501, {}, {"code": 501.1, "message": f"The requested feature {error} is not supported."}
        deleted_too = "__system/deletedAt" in (query.get("$filter") or "")
        rows = [r for r in self.submissions.values() if keep(r) and (deleted_too or not r["__system"]["deletedAt"])]
        rows = sorted(rows, key=_order, reverse=True)
        if repeat:
            rows = _repeat_rows(rows, repeat)
        if "$skiptoken" in query:
            after = json.loads(base64.urlsafe_b64decode(query["$skiptoken"][2:]))["instanceId"]
            rows = rows[[r["__id"] for r in rows].index(after) + 1 :]
        top = int(float(query.get("$top") or 0)) or len(rows)
        page = rows[:top]
        shown = [_selected(r, query["$select"]) for r in page] if "$select" in query else page
        body: dict = {"@odata.context": f"{self.url}/v1/projects/{self.project}/forms/{self.form}.svc/$metadata"
                      "#Submissions", "value": json.loads(json.dumps(shown))}  # fmt: skip
        if len(rows) > top:
            token = "01" + base64.urlsafe_b64encode(json.dumps({"instanceId": page[-1]["__id"]}).encode()).decode()
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            body["@odata.nextLink"] = f"{self.url}{request.path}?{urlencode({**rest, '$skiptoken': token})}"
        return 200, {}, self._checked(FEED, "GET", body)

    def _checked(self, template: str, method: str, body: dict) -> dict:
        self.violations += envelope_problems(template, method, 200, body)
        return body


def _problem(status: int) -> dict:
    code, message = PROBLEMS[status]
    return {"code": code, "message": message}


def _order(record: dict) -> str:
    return record["__system"]["submissionDate"]


def _condition(text: str | None):
    """A predicate for the `$filter`s a pull sends: `field op literal` joined by `and` / `or` (others: 501)."""
    if not text:
        return lambda record: True
    alternatives = []
    for part in re.split(r"\s+or\s+", text.strip()):
        terms = []
        for term in re.split(r"\s+and\s+", part):
            found = re.fullmatch(r"(\S+)\s+(lt|le|eq|ne|ge|gt)\s+(\S+)", term.strip())
            if not found or found.group(1) not in SYSTEM_FIELDS:
                raise ValueError(term.strip())
            terms.append(found.groups())
        alternatives.append(terms)

    def value(record: dict, field: str) -> object:
        return record["__id"] if field == "__id" else record["__system"].get(field.split("/")[1])

    def holds(record: dict, field: str, op: str, literal: str) -> bool:
        got = value(record, field)
        if got is None:
            return op == "ne"
        if field in TIMES:
            got, literal = _instant(got), _instant(literal)
        return {"lt": got < literal, "le": got <= literal, "eq": got == literal, "ne": got != literal,
                "ge": got >= literal, "gt": got > literal}[op]  # fmt: skip

    return lambda record: any(all(holds(record, *term) for term in terms) for terms in alternatives)


def _repeat_rows(submissions: list[dict], repeat: str) -> list[dict]:
    """The rows of a sub-table: each item of the repeat in each submission, with Central's join ids (`__id` a hash
    of the row's place, `__Submissions-id` its submission's `__id`)."""
    rows = []
    for record in submissions:
        items: object = record
        for part in repeat.split("."):
            items = items.get(part) if isinstance(items, dict) else None
        for n, item in enumerate(items if isinstance(items, list) else [], start=1):
            own = hashlib.sha1(f"{record['__id']}/{repeat}[{n}]".encode()).hexdigest()
            rows.append({**item, "__id": own, "__Submissions-id": record["__id"]})
    return rows


def _selected(record: dict, select: str) -> dict:
    """Only the fields `$select` names (`__id`, `__system/deletedAt`: paths inside a group)."""
    out: dict = {}
    for path in (part.strip() for part in select.split(",")):
        value, target, parts = record, out, path.split("/")
        for part in parts[:-1]:
            value, target = (value or {}).get(part), target.setdefault(part, {})
        target[parts[-1]] = (value or {}).get(parts[-1])
    return out


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def odk_central() -> Iterator[OdkCentralDouble]:
    """A running ODK Central double; the test fails if a request broke Central's published spec."""
    spec()
    with OdkCentralDouble(hang_seconds=5.0) as double:
        yield double
    assert double.violations == [], double.violations
