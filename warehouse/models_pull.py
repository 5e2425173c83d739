"""The pulls' high-water marks: how far each source of field submissions has been taken in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.models import Base, utcnow


class PullMark(Base):
    """One row per source of sources.yaml. Key: source.

    `mark_at` is the latest change time (UTC) of the records intake has recorded, `mark_ids` (JSON) the ids of the
    records changed at exactly that time; both move only once intake has recorded the submission that took them in
    (`last_submission_id`). A mark kept for another platform, server or form than the source now names is not used.
    `failure_code` and `failing_since` say what goes wrong since when (empty once a pull works again)."""

    __tablename__ = "pull_marks"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(300))
    form: Mapped[str] = mapped_column(String(200))
    mark_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mark_ids: Mapped[str | None] = mapped_column(Text)
    last_submission_id: Mapped[str | None] = mapped_column(String(36))
    records_taken: Mapped[int] = mapped_column(BigInteger, default=0)
    pulled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_code: Mapped[str | None] = mapped_column(String(16))
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
