"""KoboToolbox: `/api/v2/assets/{uid}/data/` as JSON, changed since the mark, written as Kobo's CSV export.

Paging is by `start` and `limit`, sorted by `_id` so that submissions arriving meanwhile go to the end. Kobo's
`count` and `next` are worked out from the form's whole submission count, whatever the query (kpi's DataViewSet
paginates a dummy list of that length): a page may say `next` and still be empty, so an empty page ends the pull.

What changed since the mark is asked with `query`: `_submission_time` (when it was received),
`_validation_status.timestamp` (when a supervisor last reviewed it) or `_date_modified`. Kobo keeps
`_submission_time` when a submission is edited and its JSON has no time of the edit (kpi's
ParsedInstance.to_dict_for_mongo; kpi#7259): `_date_modified` is what kpi#7260 (open, July 2026) proposes to add;
a server that has it gives edits to the hourly pull, one that has not simply matches nothing on it. Until then the
nightly full read (`pull-sources`, slug `nightly-kobo-full`) finds edits and deletions by comparing each
submission's `_uuid` (new at every edit) with the one taken (connectors/taken.py); `meta/rootUuid` makes an edit
replace its row.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import httpx

from connectors.fetched import Fetched, Mark, after_mark, parse_time
from connectors.http import DEFAULT_RETRY, PullError, Retry, request_json
from connectors.repeats import kobo_rows, write_repeat
from connectors.sources import Source

DROPPED = ("_date_modified", "_attachments", "_geolocation", "_notes", "_tags", "_validation_status", "_userform_id")
"""JSON-only metadata left out of the CSV (the verdict is written as its code under `_validation_status`)."""
MAX_PAGES = 10_000


def stable_id(record: dict) -> str:
    """The submission's id across edits, as intake takes it: `meta/rootUuid`, else `uuid:` and its `_uuid`."""
    return str(record.get("meta/rootUuid") or f"uuid:{record.get('_uuid') or record['_id']}")


def version_id(record: dict) -> str:
    """This version of the submission and its verdict: `_uuid` (new at every edit) and the validation status."""
    verdict = (record.get("_validation_status") or {}).get("uid") or ""
    return f"{record.get('_uuid') or record.get('meta/instanceID') or ''} {verdict}".strip()


def changed_at(record: dict) -> datetime | None:
    """When the submission last changed as far as Kobo says: the latest of its reception, its last review and its
    `_date_modified` when the server gives one."""
    review = record.get("_validation_status") or {}
    times = [parse_time(record.get("_submission_time")), parse_time(review.get("timestamp") or None),
             parse_time(record.get("_date_modified"))]  # fmt: skip
    known = [t for t in times if t is not None]
    return max(known) if known else None


def mongo_query(mark: Mark) -> str | None:
    """The `query` for what changed at or after the mark (None before the first pull: everything)."""
    if mark.at is None:
        return None
    received = mark.at.strftime("%Y-%m-%dT%H:%M:%S")  # as Kobo stores `_submission_time` (UTC, seconds)
    reviewed = int(mark.at.timestamp())  # `_validation_status.timestamp` is in epoch seconds
    ask = [{"_submission_time": {"$gte": received}}, {"_validation_status.timestamp": {"$gte": reviewed}},
           {"_date_modified": {"$gte": received}}]  # fmt: skip
    return json.dumps({"$or": ask}, separators=(",", ":"))


def fetch(source: Source, token: str, mark: Mark, client: httpx.Client, retry: Retry = DEFAULT_RETRY) -> Fetched:
    """Every submission of the asset changed since `mark`, all pages, or a PullError (then nothing is kept)."""
    url = f"{source.url}/api/v2/assets/{source.form}/data/"
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    params = {"format": "json", "limit": str(source.page_size), "sort": '{"_id":1}'}
    if (query := mongo_query(mark)) is not None:
        params["query"] = query
    records: list[dict] = []
    pages = 0
    while pages < MAX_PAGES:
        page = request_json(client, "GET", url, retry, params={**params, "start": str(len(records))}, headers=headers)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise PullError("malformed", f"{source.url}: a data page without its `results` list")
        if not all(isinstance(r, dict) and "_id" in r for r in page["results"]):
            raise PullError("malformed", f"{source.url}: a submission without its `_id`")
        records += page["results"]
        pages += 1
        if not page["results"] or not page.get("next"):
            break
    kept, new_mark = after_mark(records, mark, lambda r: str(r["_id"]), changed_at)
    rows = kobo_rows(kept, source.repeat, stable_id) if source.repeat else []
    return Fetched(kept, new_mark, pages, repeat_rows=rows)


def write_export(records: list[dict], path: Path) -> Path:
    """The records as Kobo's CSV export: `;`, every field quoted, question names with their `/` group paths, then
    the metadata columns (`_id`, `_uuid`, `meta/rootUuid`, `_submission_time`, `_validation_status` as its code)."""
    rows = [_row(record) for record in records]
    names = list(dict.fromkeys(name for row in rows for name in row))
    meta = [n for n in names if n.startswith("_") or n.startswith("meta/")]
    header = [n for n in names if n not in meta] + meta
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, header, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_repeat_export(rows: list[tuple[str, dict]], repeat: str, path: Path) -> Path:
    """The repeat's rows (Kobo's nested arrays) as a repeat's CSV file (connectors/repeats.py)."""
    return write_repeat(rows, repeat, path, lambda questions, _: questions.items(), _cell)


def _row(record: dict) -> dict[str, str]:
    row = {name: _cell(value) for name, value in record.items() if name not in DROPPED}
    row["_validation_status"] = _cell((record.get("_validation_status") or {}).get("uid"))
    return row


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
