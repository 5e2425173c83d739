"""ODK Central: the OData `Submissions` feed of one form, changed since the mark, written as Central's CSV export.

A session is opened with the web user's email and password (`POST /v1/sessions`); the feed is read page by page
(`$top`, then each `@odata.nextLink` and its `$skiptoken`) with `$filter` on `__system/submissionDate` **or**
`__system/updatedAt`: an edit or a new review state changes `updatedAt`, never `submissionDate`, so a mark that
followed `submissionDate` alone would never see them."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from connectors.fetched import Fetched, Mark, after_mark, iso_z, parse_time
from connectors.http import DEFAULT_RETRY, PullError, Retry, request_json
from connectors.sources import Source

SYSTEM_COLUMNS = {
    "submitterId": "SubmitterID", "submitterName": "SubmitterName", "attachmentsPresent": "AttachmentsPresent",
    "attachmentsExpected": "AttachmentsExpected", "status": "Status", "reviewState": "ReviewState",
    "deviceId": "DeviceID", "edits": "Edits", "formVersion": "FormVersion",
}  # fmt: skip
"""`__system` fields -> the columns of Central's CSV export, in its order (after `meta-instanceID` and `KEY`)."""
MAX_PAGES = 10_000


def changed_at(record: dict) -> datetime | None:
    """When Central last changed the submission: its `updatedAt` (edit, review), else its `submissionDate`."""
    system = record.get("__system") or {}
    return parse_time(system.get("updatedAt")) or parse_time(system.get("submissionDate"))


def odata_filter(mark: Mark) -> str | None:
    """`__system/submissionDate ge T or __system/updatedAt ge T` (None before the first pull: everything)."""
    if mark.at is None:
        return None
    at = iso_z(mark.at)
    return f"__system/submissionDate ge {at} or __system/updatedAt ge {at}"


def fetch(source: Source, password: str, mark: Mark, client: httpx.Client, retry: Retry = DEFAULT_RETRY) -> Fetched:
    """Every submission of the form changed since `mark`, all pages, or a PullError (then nothing is kept)."""
    session = request_json(client, "POST", f"{source.url}/v1/sessions", retry,
                           json={"email": source.user, "password": password})  # fmt: skip
    token = session.get("token") if isinstance(session, dict) else None
    if not isinstance(token, str) or not token:
        raise PullError("malformed", f"{source.url}/v1/sessions answered without a session token")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{source.url}/v1/projects/{source.project}/forms/{quote(source.form, safe='')}.svc/Submissions"
    params: dict[str, str] | None = {"$top": str(source.page_size)}
    if (condition := odata_filter(mark)) is not None:
        params["$filter"] = condition
    records: list[dict] = []
    pages = 0
    while url and pages < MAX_PAGES:
        page = request_json(client, "GET", url, retry, params=params, headers=headers)
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise PullError("malformed", f"{source.url}: an OData page without its `value` list")
        if not all(isinstance(r, dict) and r.get("__id") for r in page["value"]):
            raise PullError("malformed", f"{source.url}: an OData record without its `__id`")
        records += page["value"]
        pages += 1
        url, params = page.get("@odata.nextLink"), None  # the next link carries the query and the $skiptoken
        if url and not str(url).startswith(source.url):
            raise PullError("malformed", f"{source.url}: a next page on another server ({str(url)[:60]})")
    kept, new_mark = after_mark(records, mark, lambda r: str(r["__id"]), changed_at)
    return Fetched(kept, new_mark, pages)


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
