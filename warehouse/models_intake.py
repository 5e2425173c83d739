"""Intake tables: the ledger of submissions and the quarantine of refused rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow

IN_FLIGHT = text("status = 'received'")
"""The submissions being processed: the rows the claim's unique index covers."""


class Submission(Base):
    """One row per file handed to intake (a file sent twice is recognised, not recorded twice). Key: submission_id.

    `status`: received (being processed), validated (rows stored or quarantined), rejected (the whole file refused,
    `reason` says why), failed (an unexpected error: the file may be sent again), interrupted (its process stopped
    before the end: marked by the same file sent again, or by the next run after VIGIE_STALE_AFTER_S). `clusters`
    and `campaigns` are
    `;`-separated; `timings` is JSON (seconds per step); `unused_columns` is JSON: per table, the file's column
    titles intake did not use (Kobo/ODK metadata columns aside).

    The claim: at most one submission of the same bytes (file_hash, table_hint) is `received` at a time (a unique
    index over the rows being processed, `ux_submissions_claim`), so two workers handed the same file at once
    cannot both take it in (warehouse/ledger.py `claim`). `claimed_by` names the process that holds it
    (`host:pid:start time`), so that a claim left by a process that is no longer running can be taken over.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_hash", "file_hash", "table_hint"),
        Index("ux_submissions_claim", "file_hash", "table_hint", unique=True, sqlite_where=IN_FLIGHT,
              postgresql_where=IN_FLIGHT),
    )  # fmt: skip
    submission_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    file_path: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(BigInteger)
    table_hint: Mapped[str] = mapped_column(String(32), default="")
    tables: Mapped[str | None] = mapped_column(String(300))
    source_kind: Mapped[str | None] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32))
    clusters: Mapped[str | None] = mapped_column(Text)
    campaigns: Mapped[str | None] = mapped_column(Text)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_quarantined: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_warned: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    unused_columns: Mapped[str | None] = mapped_column(Text)
    timings: Mapped[str | None] = mapped_column(Text)
    duration_s: Mapped[float | None] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    claimed_by: Mapped[str | None] = mapped_column(String(120))


class QuarantinedRow(Base):
    """One row per refused row, kept exactly as sent. Key: id (and submission_id, table_name, row_number).

    `cells` is JSON: the row's cells under the file's own column titles, as text; `problems` is JSON (code,
    column, value, detail per problem); `row_number` counts data rows from 1, `line_number` is the row's line in
    the spreadsheet (column titles included). `status`: open, resolved once a later submission brings the same
    key, or superseded when the same file is taken in again (`resolved_by` names that submission).
    """

    __tablename__ = "quarantined_rows"
    __table_args__ = (Index("ix_quarantine_open", "table_name", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.submission_id"), index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(400))
    row_number: Mapped[int] = mapped_column(BigInteger)
    line_number: Mapped[int] = mapped_column(BigInteger)
    row_key: Mapped[str | None] = mapped_column(String(400))
    reasons: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text)
    cells: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
