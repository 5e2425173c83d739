"""ODK Central: the OData `Submissions` feed of one form, changed since the mark, written as Central's CSV export.

A session is opened with the web user's email and password (`POST /v1/sessions`); the feed is read page by page
(`$top`, then each `@odata.nextLink` and its `$skiptoken`) with `$filter` on `__system/submissionDate` **or**
`__system/updatedAt`: an edit or a new review state changes `updatedAt`, never `submissionDate`, so a mark that
followed `submissionDate` alone would never see them. Submissions deleted on Central since the mark are asked apart
(`__system/deletedAt ge T`, Central v2024.3 and later; the feed leaves deleted ones out otherwise): their ids are
said, never taken in."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from connectors.fetched import Fetched, Mark, after_mark, iso_z, parse_time
from connectors.http import DEFAULT_RETRY, PullError, Retry, request_json
from connectors.repeats import PARENT, odata_rows, write_repeat
from connectors.sources import Source

SYSTEM_COLUMNS = {
    "submitterId": "SubmitterID", "submitterName": "SubmitterName", "attachmentsPresent": "AttachmentsPresent",
    "attachmentsExpected": "AttachmentsExpected", "status": "Status", "reviewState": "ReviewState",
    "deviceId": "DeviceID", "edits": "Edits", "formVersion": "FormVersion",
}  # fmt: skip
"""`__system` fields -> the columns of Central's CSV export, in its order (after `meta-instanceID` and `KEY`)."""
MAX_PAGES = 10_000


def stable_id(record: dict) -> str:
    """The submission's id across edits: Central's `__id` (its first instance id), the KEY of its CSV export."""
    return str(record["__id"])


def version_id(record: dict) -> str:
    """This version and its review state: `meta/instanceID` (new at every edit) and `reviewState`."""
    state = (record.get("__system") or {}).get("reviewState") or ""
    return f"{(record.get('meta') or {}).get('instanceID') or record['__id']} {state}".strip()


def changed_at(record: dict) -> datetime | None:
    """When Central last changed the submission: its `deletedAt`, else its `updatedAt` (edit, review), else its
    `submissionDate`."""
    system = record.get("__system") or {}
    times = (system.get("deletedAt"), system.get("updatedAt"), system.get("submissionDate"))
    return next((t for t in map(parse_time, times) if t is not None), None)


def odata_filter(mark: Mark, root: str = "") -> str | None:
    """`__system/submissionDate ge T or __system/updatedAt ge T` (None before the first pull: everything); a
    sub-table names its submission's fields after `$root/Submissions/`."""
    if mark.at is None:
        return None
    at = iso_z(mark.at)
    return f"{root}__system/submissionDate ge {at} or {root}__system/updatedAt ge {at}"


def fetch(source: Source, password: str, mark: Mark, client: httpx.Client, retry: Retry = DEFAULT_RETRY) -> Fetched:
    """Every submission of the form changed since `mark`, all pages, or a PullError (then nothing is kept)."""
    session = request_json(client, "POST", f"{source.url}/v1/sessions", retry,
                           json={"email": source.user, "password": password})  # fmt: skip
    token = session.get("token") if isinstance(session, dict) else None
    if not isinstance(token, str) or not token:
        raise PullError("malformed", f"{source.url}/v1/sessions answered without a session token")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{source.url}/v1/projects/{source.project}/forms/{quote(source.form, safe='')}.svc/Submissions"
    params = {"$top": str(source.page_size)}
    if (condition := odata_filter(mark)) is not None:
        params["$filter"] = condition
    records, pages = read_feed(client, url, params, headers, retry, source.url)
    if mark.at is not None:
        asked = {"$top": str(source.page_size), "$filter": f"__system/deletedAt ge {iso_z(mark.at)}",
                 "$select": "__id,__system/deletedAt"}  # fmt: skip
        gone, more = read_feed(client, url, asked, headers, retry, source.url)
        records, pages = records + [r for r in gone if (r.get("__system") or {}).get("deletedAt")], pages + more
    kept, new_mark = after_mark(records, mark, stable_id, changed_at)
    deleted = [stable_id(r) for r in kept if (r.get("__system") or {}).get("deletedAt")]
    kept = [r for r in kept if stable_id(r) not in deleted]
    rows: list[tuple[str, dict]] = []
    if source.repeat:  # the repeat's sub-table, asked with the same condition on its submissions
        asked = {"$top": str(source.page_size)}
        if (condition := odata_filter(mark, root="$root/Submissions/")) is not None:
            asked["$filter"] = condition
        table = f"{url}.{source.repeat.replace('/', '.')}"
        found, more = read_feed(client, table, asked, headers, retry, source.url, key=PARENT)
        parents, pages = {stable_id(r) for r in kept}, pages + more
        rows = [row for row in odata_rows(found) if row[0] in parents]
    return Fetched(kept, new_mark, pages, deleted, rows)


def read_feed(client: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str], retry: Retry,
              server: str, key: str = "__id") -> tuple[list[dict], int]:  # fmt: skip
    """Every record of an OData feed, page by page (each next link carries the query and the `$skiptoken`)."""
    records: list[dict] = []
    pages, link, query = 0, url, params
    while link and pages < MAX_PAGES:
        page = request_json(client, "GET", link, retry, params=query, headers=headers)
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise PullError("malformed", f"{server}: an OData page without its `value` list")
        if not all(isinstance(r, dict) and r.get(key) for r in page["value"]):
            raise PullError("malformed", f"{server}: an OData record without its `{key}`")
        records += page["value"]
        pages += 1
        link, query = page.get("@odata.nextLink"), None
        if link and not str(link).startswith(server):
            raise PullError("malformed", f"{server}: a next page on another server ({str(link)[:60]})")
    return records, pages


def write_export(records: list[dict], path: Path) -> Path:
    """The records as Central's CSV export of the form: `SubmissionDate`, the questions with `-` group paths,
    `meta-instanceID`, `KEY` (the submission's stable id, `__id`), then Central's columns (`ReviewState`, ...)."""
    rows = [_row(record) for record in records]
    questions = list(dict.fromkeys(name for row in rows for name in row if name not in _TAIL))
    header = ["SubmissionDate", *[q for q in questions if q != "SubmissionDate"], *_TAIL]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_repeat_export(rows: list[tuple[str, dict]], repeat: str, path: Path) -> Path:
    """The repeat's rows as Central's `<form>-<repeat>.csv` (connectors/repeats.py)."""
    return write_repeat(rows, repeat, path, _flat, _cell)


_TAIL = ["meta-instanceID", "KEY", *SYSTEM_COLUMNS.values()]


def _row(record: dict) -> dict[str, str]:
    system = record.get("__system") or {}
    row = {"SubmissionDate": _cell(system.get("submissionDate"))}
    for name, value in _flat(record, ""):
        if name.startswith(("__system", "__id", "@")):
            continue
        row[name] = _cell(value)
    row["meta-instanceID"] = _cell((record.get("meta") or {}).get("instanceID"))
    row["KEY"] = _cell(record.get("__id"))
    row.update({column: _cell(system.get(name)) for name, column in SYSTEM_COLUMNS.items()})
    return row


def _flat(value: dict, prefix: str):
    """(`group-question`, value) for every leaf of a record (Central's CSV joins group paths with `-`)."""
    for name, inner in value.items():
        path = f"{prefix}-{name}" if prefix else str(name)
        if isinstance(inner, dict) and "type" not in inner:  # a group; a GeoJSON value stays whole
            yield from _flat(inner, path)
        else:
            yield path, inner


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
