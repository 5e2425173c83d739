"""Reading and moving the pulls' high-water marks (table pull_marks, warehouse/models_pull.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from connectors.fetched import Mark
from connectors.sources import Source
from warehouse.models_pull import PullMark
from warehouse.upsert import upsert

TABLE = PullMark.__table__


def _row(engine: Engine, source: Source) -> dict | None:
    with engine.connect() as connection:
        row = connection.execute(select(TABLE).where(TABLE.c.source == source.name)).mappings().first()
    return dict(row) if row else None


def _same_form(row: dict, source: Source) -> bool:
    return (row["platform"], row["url"], row["form"]) == (source.platform, source.url, source.form)


def read_mark(engine: Engine, source: Source) -> Mark:
    """The source's mark; none (everything) before its first pull or once it names another form or server."""
    row = _row(engine, source)
    if row is None or not _same_form(row, source) or row["mark_at"] is None:
        return Mark()
    at = row["mark_at"] if row["mark_at"].tzinfo else row["mark_at"].replace(tzinfo=UTC)  # SQLite drops the zone
    return Mark(at, tuple(json.loads(row["mark_ids"] or "[]")))


def move_mark(engine: Engine, source: Source, mark: Mark, submission_id: str | None, records: int) -> None:
    """The mark after intake recorded the submission that took the records in; the failure, if any, is over."""
    row = _row(engine, source)
    taken = (row["records_taken"] if row and _same_form(row, source) else 0) + records
    now = datetime.now(UTC)
    values = {"source": source.name, "platform": source.platform, "url": source.url, "form": source.form,
              "mark_at": mark.at, "mark_ids": json.dumps(list(mark.ids)), "records_taken": taken,
              "last_submission_id": submission_id or (row or {}).get("last_submission_id"), "pulled_at": now,
              "failure_code": None, "failing_since": None, "updated_at": now}  # fmt: skip
    with engine.begin() as connection:
        upsert(connection, TABLE, [values], ["source"])


def record_failure(engine: Engine, source: Source, code: str) -> datetime:
    """Note that the source fails with `code` (the mark stays); the time this run of failures began."""
    row = _row(engine, source) or {}
    now = datetime.now(UTC)
    since = row.get("failing_since") if row.get("failure_code") == code else None
    since = (since if since.tzinfo else since.replace(tzinfo=UTC)) if since else now
    values = {"source": source.name, "platform": source.platform, "url": source.url, "form": source.form,
              "mark_at": row.get("mark_at"), "mark_ids": row.get("mark_ids"),
              "last_submission_id": row.get("last_submission_id"), "records_taken": row.get("records_taken") or 0,
              "pulled_at": row.get("pulled_at"), "failure_code": code, "failing_since": since,
              "updated_at": now}  # fmt: skip
    with engine.begin() as connection:
        upsert(connection, TABLE, [values], ["source"])
    return since
