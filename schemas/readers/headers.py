"""Match a file's column titles to its table's contract by name, never by position."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.readers.forms import Form, best_form
from schemas.readers.leftovers import missing_details
from schemas.readers.names import normal_name
from schemas.readers.refusal import ReadRefused
from schemas.tables import CONTRACTS, columns_of

KOBO_META = {
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "_tags",
    "_index", "__version__", "_parent_index", "_parent_table_name", "_submission__id", "_submission__uuid",
    "_xform_id_string", "_attachments", "_geolocation", "meta/instanceid", "meta/instancename",
    "meta/rootuuid", "meta/deprecatedid", "formhub/uuid", "reviewstate",
}  # fmt: skip
KEPT_META = ("_uuid", "_validation_status", "reviewstate")
"""Kobo/ODK metadata columns that intake uses: the de-duplication key and the supervisor's verdict (Kobo's
`_validation_status`, ODK Central's `ReviewState`)."""


@dataclass(frozen=True)
class HeaderMap:
    """Where each contract column (and each kept Kobo metadata column) sits in the file, by position."""

    table: str
    headers: list[str]
    columns: dict[str, int]
    meta: dict[str, int] = field(default_factory=dict)
    missing_optional: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    form: str | None = None

    @property
    def is_kobo(self) -> bool:
        """The file carries Kobo/ODK metadata columns."""
        return any(_meta_name(h) in KOBO_META for h in self.headers)


def required_columns(table: str) -> list[str]:
    """Contract columns that may not be empty: a file without them is refused."""
    schema = CONTRACTS[table].to_schema()
    return [name for name, column in schema.columns.items() if not column.nullable]


def is_hxl_row(cells: list[object]) -> bool:
    """True for the optional second row of HXL hashtags that Kobo exports carry (`#adm1`, `#date+received`)."""
    filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return bool(filled) and all(c.startswith("#") for c in filled)


def map_headers(table: str, headers: list[str], form: Form | None = None) -> HeaderMap:
    """Place each contract column among `headers`: canonical names (with or without a group path) first, then
    the best matching form mapping. Refuses a file with a column given twice or a required column missing."""
    form = form or best_form(table, headers)
    wanted = set(columns_of(table))
    found: dict[str, int] = {}
    meta: dict[str, int] = {}
    ignored = []
    for position, header in enumerate(headers):
        raw = _meta_name(header)
        if raw in KEPT_META:
            meta.setdefault(raw, position)
            continue
        if raw in KOBO_META or not raw:
            continue
        target = _target(str(header), wanted, form)
        if target is None:
            ignored.append(str(header))
            continue
        if target in found:
            first = found[target]
            raise ReadRefused(
                "duplicate_column",
                first=f"{first + 1} ({headers[first]})",
                second=f"{position + 1} ({header})",
                column=target,
            )
        found[target] = position
    missing = [name for name in required_columns(table) if name not in found]
    if missing:
        raise ReadRefused("missing_columns", **missing_details(table, missing, headers, ignored, form))
    optional = [name for name in columns_of(table) if name not in found]
    return HeaderMap(table, [str(h) for h in headers], found, meta, optional, ignored, form.name if form else None)


def _meta_name(header: object) -> str:
    return str(header if header is not None else "").strip().lstrip("\ufeff").lower()


def _target(header: str, wanted: set[str], form: Form | None) -> str | None:
    """The contract column a title designates: itself, its last group segment, or through the form."""
    candidates = [normal_name(header)]
    for separator in ("/", ":"):
        if separator in header:
            candidates.append(normal_name(header.rsplit(separator, 1)[-1]))
    for name in candidates:
        if name in wanted:
            return name
    if form is not None:
        for name in candidates:
            if name in form.columns:
                return form.columns[name]
    return None
