"""What one pull brought: the records changed since the high-water mark, and the mark that follows them.

A record's change time is the last time the platform changed it (created, edited, reviewed). The server is asked
for records changed at or after the mark (`ge`: two records may share a timestamp, and one of them may arrive
after a pull); the records already taken at exactly the mark (`mark_ids`) are dropped, so a pull with nothing new
brings nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Mark:
    """A source's high-water mark: the latest change time taken (UTC) and the ids of the records changed then."""

    at: datetime | None = None
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fetched:
    """The new records (as the platform gave them), the pages read, the mark once they are taken in, and the stable
    ids of the submissions the platform says were deleted since the mark."""

    records: list[dict]
    mark: Mark
    pages: int
    deleted: list[str] = field(default_factory=list)
    repeat_rows: list[tuple[str, dict]] = field(default_factory=list)
    """With a source's `repeat`: (the submission's stable id, the row's questions) of each repeat row of `records`."""


def parse_time(value: object) -> datetime | None:
    """An ISO timestamp (`Z`, an offset or none: UTC) or epoch seconds, in UTC; None when empty or unreadable."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """`2025-03-02T09:30:00.123Z`: milliseconds, UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def after_mark(
    records: Iterable[dict], mark: Mark, key: Callable[[dict], str], changed: Callable[[dict], datetime | None]
) -> tuple[list[dict], Mark]:
    """The records not already taken at the mark, and the mark that follows them."""
    taken = set(mark.ids)
    kept = [r for r in records if not (key(r) in taken and changed(r) == mark.at)]
    times = [t for t in map(changed, kept) if t is not None]
    if not times:
        return kept, mark
    latest = max([*times, *([mark.at] if mark.at else [])])
    at_latest = {key(r) for r in kept if changed(r) == latest}
    ids = at_latest | (taken if latest == mark.at else set())
    return kept, Mark(latest, tuple(sorted(ids)))
