"""A local KoboToolbox: `GET /api/v2/assets/{uid}/data/` as kpi answers it (kpi/views/v2/data.py, kpi/paginators.py,
kobo/apps/openrosa/apps/viewer/models/parsed_instance.py in kobotoolbox/kpi).

- Token authentication (`Authorization: Token ...`); DRF's `{"detail": ...}` for 401 and 404.
- `DataPagination`: DRF's limit/offset paging with `start` for the offset, `limit` capped at the server's
  SUBMISSION_LIST_LIMIT; the answer is `{count, next, previous, results}` where, as in kpi, `count` and `next`
  come from the asset's whole submission count (a dummy list of that length), whatever the query.
- `query` is a MongoDB query (JSON); `sort` a one-key JSON object. The double evaluates `$or`, `$and`, `$gt`,
  `$gte`, `$lt`, `$lte`, `$eq` and plain equality on dotted paths; another operator is "Unsupported query" (400).
- Each submission as kpi stores it: `_id`, `_uuid` (new at every edit), `meta/rootUuid` (`uuid:`, kept),
  `meta/instanceID`, `_submission_time` (UTC, seconds; kept at an edit), `_validation_status` (`{}` or
  `{timestamp (epoch s), uid, by_whom, label, color}`), `_attachments`, `_geolocation`, `_notes`, `_tags`...
- A deletion removes the submission outright (kpi deletes it from PostgreSQL and Mongo: nothing says it was there).
- With `date_modified=True`, each submission also carries `_date_modified` (same format as `_submission_time`),
  moved by every edit and review: what kpi#7260 (open, July 2026) proposes; released kpi has no such key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

import pytest

from tests.support.loopback import Answer, LoopbackDouble, Request

TOKEN = "kobo-double-token-not-a-real-one"
LIST_LIMIT = 1000
LABELS = {"validation_status_approved": "Approved", "validation_status_not_approved": "Not Approved",
          "validation_status_on_hold": "On Hold"}  # fmt: skip


class KoboDouble(LoopbackDouble):
    """KoboToolbox on loopback with one asset; `add`, `edit` and `review` change its submissions."""

    def __init__(self, asset: str = "aLivraisons2025Benin", date_modified: bool = False, **options) -> None:
        super().__init__(**options)
        self.asset, self.date_modified = asset, date_modified
        self.submissions: list[dict] = []

    def add(self, fields: dict, at: str) -> int:
        """A new submission (question names with their `/` group paths) received at `at` (UTC); its `_id`."""
        root = str(uuid.uuid4())
        number = 1000 + len(self.submissions)
        self.submissions.append({
            "_id": number, "formhub/uuid": "f1e2d3c4", "start": f"{at}.000+01:00", **fields,
            "__version__": "vK3x9", "meta/instanceID": f"uuid:{root}", "meta/rootUuid": f"uuid:{root}",
            "_xform_id_string": self.asset, "_uuid": root, "_attachments": [], "_status": "submitted_via_web",
            "_geolocation": [None, None], "_submission_time": at, "_tags": [], "_notes": [],
            "_validation_status": {}, "_submitted_by": "coach1",
        })  # fmt: skip
        self._modified(number, at)
        return number

    def delete(self, number: int) -> None:
        """A submission deleted in Kobo: gone from every answer."""
        self.submissions.remove(self._find(number))

    def _modified(self, number: int, at: str | None) -> None:
        if self.date_modified and at:
            self._find(number)["_date_modified"] = at

    def edit(self, number: int, fields: dict, at: str | None = None) -> None:
        """An edit (Enketo) at `at`: new values, a new `_uuid` and instance id; `_submission_time` is kept."""
        record = self._find(number)
        record.update(fields)
        new = str(uuid.uuid4())
        record.update({"meta/deprecatedID": record["meta/instanceID"], "meta/instanceID": f"uuid:{new}", "_uuid": new})
        self._modified(number, at)

    def review(self, number: int, status: str, at: str) -> None:
        """A supervisor's validation status, with its time in epoch seconds."""
        stamp = int(datetime.fromisoformat(at + "+00:00").timestamp())
        self._find(number)["_validation_status"] = {"timestamp": stamp, "uid": status, "by_whom": "superviseur",
                                                    "label": LABELS[status], "color": "#ff0000"}  # fmt: skip
        self._modified(number, at)

    def _find(self, number: int) -> dict:
        return next(r for r in self.submissions if r["_id"] == number)

    def answer(self, request: Request) -> Answer:
        if request.method != "GET" or not request.path.startswith("/api/v2/assets/"):
            return 404, {}, {"detail": "Not found."}
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Token "):
            return 401, {}, {"detail": "Authentication credentials were not provided."}
        if auth != f"Token {TOKEN}":
            return 401, {}, {"detail": "Invalid token."}
        if request.path != f"/api/v2/assets/{self.asset}/data/":
            return 404, {}, {"detail": "Not found."}
        return self._list(request)

    def _list(self, request: Request) -> Answer:
        query = request.query
        try:
            limit = min(int(query.get("limit", LIST_LIMIT)), LIST_LIMIT)
            start = int(query.get("start", 0))
            if limit < 1 or start < 0:
                raise ValueError
        except ValueError:
            return 400, {}, {"limit": ["A positive integer is required"]}
        try:
            wanted = json.loads(query.get("query") or "{}")
            sort = json.loads(query.get("sort") or "{}")
            rows = [r for r in self.submissions if _matches(r, wanted)]
        except (ValueError, TypeError):
            return 400, {}, ["Unsupported query"]
        if len(sort) == 1:
            ((key, direction),) = sort.items()
            rows.sort(key=lambda r: _at(r, key), reverse=int(direction) < 0)
        count = len(self.submissions)  # kpi: the asset's submission count, not the query's
        base = f"{self.url}{request.path}"
        nxt = f"{base}?{urlencode({**query, 'start': start + limit})}" if start + limit < count else None
        prev = f"{base}?{urlencode({**query, 'start': max(0, start - limit)})}" if start > 0 else None
        page = json.loads(json.dumps(rows[start : start + limit]))
        return 200, {}, {"count": count, "next": nxt, "previous": prev, "results": page}


def _at(record: dict, path: str) -> object:
    """The value at a dotted path (`_validation_status.timestamp`), None when absent."""
    value: object = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(record: dict, query: dict) -> bool:
    for key, condition in query.items():
        if key in ("$or", "$and"):
            results = [_matches(record, q) for q in condition]
            if not (any(results) if key == "$or" else all(results)):
                return False
            continue
        if key.startswith("$"):
            raise ValueError(key)
        got = _at(record, key)
        tests = condition if isinstance(condition, dict) else {"$eq": condition}
        for op, want in tests.items():
            if op not in ("$gt", "$gte", "$lt", "$lte", "$eq"):
                raise ValueError(op)
            if got is None or type(got) is not type(want):  # Mongo compares within a type only
                if op != "$eq" or got != want:
                    return False
                continue
            ok = {"$gt": got > want, "$gte": got >= want, "$lt": got < want, "$lte": got <= want, "$eq": got == want}
            if not ok[op]:
                return False
    return True


@pytest.fixture
def kobo() -> Iterator[KoboDouble]:
    """A running KoboToolbox double, stopped after the test."""
    with KoboDouble(hang_seconds=5.0) as double:
        yield double
