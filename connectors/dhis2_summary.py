"""DHIS2's answer to a `dataValueSets` import, in plain words: the import summary (counts, conflicts) wrapped in a
WebMessage (DHIS2 2.38 and later, on 200 and on 409) or bare (older versions), or an error message. Pure."""

from __future__ import annotations

from dataclasses import dataclass

COUNTS = ("imported", "updated", "ignored", "deleted")


@dataclass(frozen=True)
class Conflict:
    """One conflict of an import: the object DHIS2 could not take, its message, and the data values concerned."""

    object: str
    value: str
    error_code: str | None = None
    property: str | None = None
    indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class ImportSummary:
    """What DHIS2 did with a payload: its HTTP status, the summary's status, counts and conflicts."""

    http_status: int
    status: str
    """SUCCESS, WARNING or ERROR (the import summary's; ERROR when DHIS2 gave none)."""
    counts: dict[str, int]
    conflicts: tuple[Conflict, ...] = ()
    message: str | None = None
    has_summary: bool = True

    @property
    def clean(self) -> bool:
        """Whether everything sent was taken: a 2xx, SUCCESS, no conflict."""
        return 200 <= self.http_status < 300 and self.status == "SUCCESS" and not self.conflicts


def parse_summary(http_status: int, body: object, text: str = "") -> ImportSummary:
    """The import summary of DHIS2's answer (`body` its JSON, None when not JSON; `text` the raw body)."""
    body = body if isinstance(body, dict) else {}
    inner = body.get("response")
    summary = inner if isinstance(inner, dict) and "importCount" in inner else body if "importCount" in body else None
    message = body.get("message") or (summary or {}).get("description") or (None if body else text.strip()[:300])
    if summary is None:
        return ImportSummary(http_status, "ERROR", dict.fromkeys(COUNTS, 0), (), message or None, has_summary=False)
    counts = summary.get("importCount") or {}
    return ImportSummary(
        http_status=http_status,
        status=str(summary.get("status") or body.get("status") or "ERROR").upper(),
        counts={name: int(counts.get(name) or 0) for name in COUNTS},
        conflicts=tuple(_conflict(item) for item in summary.get("conflicts") or () if isinstance(item, dict)),
        message=message,
    )


def _conflict(item: dict) -> Conflict:
    return Conflict(
        object=str(item.get("object", "")),
        value=str(item.get("value", "")),
        error_code=item.get("errorCode"),
        property=item.get("property"),
        indexes=tuple(int(i) for i in item.get("indexes") or () if isinstance(i, int)),
    )


def summary_lines(summary: ImportSummary, labels: list[str], dry_run: bool = False) -> list[str]:
    """The summary for an officer: the outcome, the four counts, then each conflict with the values it concerns."""
    if not summary.has_summary:
        return [f"DHIS2 answered {summary.http_status} without an import summary: {summary.message or '(no message)'}"]
    counts = ", ".join(f"{name} {summary.counts[name]}" for name in COUNTS)
    verb = "dry run, nothing saved; DHIS2 would have" if dry_run else "DHIS2"
    lines = [f"{verb}: {counts} (status {summary.status}, HTTP {summary.http_status})"]
    if summary.message and not summary.clean:
        lines.append(f"DHIS2 says: {summary.message}")
    for conflict in summary.conflicts:
        where = f"{conflict.property} " if conflict.property else ""
        code = f" [{conflict.error_code}]" if conflict.error_code else ""
        concerned = [labels[i] if 0 <= i < len(labels) else f"value #{i}" for i in conflict.indexes]
        lines.append(
            f"  conflict{code}: {where}{conflict.object}: {conflict.value}"
            + (f" (not taken: {', '.join(concerned)})" if concerned else "")
        )
    return lines
