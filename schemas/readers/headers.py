"""Match a file's column titles to its table's contract by name, never by position."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.readers.forms import Form, best_form
from schemas.readers.names import title_candidates
from schemas.readers.refusal import ReadRefused
from schemas.readers.submissions import ID_COLUMNS
from schemas.readers.unused import missing_details
from schemas.tables import CONTRACTS, columns_of

KOBO_META = {
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "_tags",
    "_index", "__version__", "_parent_index", "_parent_table_name", "_submission__id", "_submission__uuid",
    "_xform_id_string", "_attachments", "_geolocation", "meta/instancename", "meta/deprecatedid", "formhub/uuid",
    "reviewstate", "submissiondate", "parent_key", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "deviceid", "edits", "formversion", "meta-instancename", "meta-deprecatedid",
    *ID_COLUMNS,
}  # fmt: skip
"""Metadata columns of KoboToolbox, KoBoCAT and ODK Central exports (lower case): never a contract column."""
KEPT_META = ("_validation_status", "reviewstate", "_id", *ID_COLUMNS)
"""Metadata columns that intake uses: the supervisor's verdict (Kobo's `_validation_status`, ODK Central's
`ReviewState`), Kobo's `_id` and the submission's ids (schemas/readers/submissions.py)."""
REPEAT_MARKERS = {"parent_key": "PARENT_KEY", "_parent_index": "_parent_index"}
"""Columns only the file of a repeat group has: ODK Central's `PARENT_KEY` (beside `KEY`), Kobo's
`_parent_index` (the sheets of repeats in an XLSX export)."""


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
    derived: dict[str, str] = field(default_factory=dict)
    verdicts: tuple[frozenset[str] | None, frozenset[str] | None] = (None, None)

    @property
    def has_submission_ids(self) -> bool:
        """The file tells each row's submission id (Kobo's `_uuid` or `meta/rootUuid`, ODK's `KEY`, ...)."""
        return any(name in self.meta for name in ID_COLUMNS)

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


def repeat_markers(headers: list[str]) -> list[str]:
    """The columns telling that `headers` are those of a repeat group's rows (none for a form's main table)."""
    names = {_meta_name(header) for header in headers}
    found = [shown for name, shown in REPEAT_MARKERS.items() if name in names]
    return found if "_parent_index" in names or {"parent_key", "key"} <= names else []


def map_headers(
    table: str, headers: list[str], form: Form | None = None, forms: tuple[Form, ...] | None = None
) -> HeaderMap:
    """Place each contract column among `headers`: each title as a whole, then without its group path, as a
    canonical name or an entry of the form mapping (`form`, else the best of `forms`). Columns the mapping
    derives from the submission's ids count as given. Refuses a file with a column given twice or a required
    column missing."""
    form = form or best_form(table, headers, forms)
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
    derived = _derived(form, found, meta)
    missing = [name for name in required_columns(table) if name not in found and name not in derived]
    if missing:
        raise ReadRefused("missing_columns", **missing_details(table, missing, headers, ignored, form))
    optional = [name for name in columns_of(table) if name not in found and name not in derived]
    name, verdicts = (form.name, (form.rejected, form.flagged)) if form else (None, (None, None))
    return HeaderMap(table, [str(h) for h in headers], found, meta, optional, ignored, name, derived, verdicts)


def _meta_name(header: object) -> str:
    return str(header if header is not None else "").strip().lstrip("\ufeff").lower()


def _target(header: str, wanted: set[str], form: Form | None) -> str | None:
    """The contract column a title designates: the whole title, then the title without its group path, each as
    a contract column name or an entry of the form."""
    for name in title_candidates(header):
        if name in wanted:
            return name
        if form is not None and name in form.columns:
            return form.columns[name]
    return None


def _derived(form: Form | None, found: dict[str, int], meta: dict[str, int]) -> dict[str, str]:
    """The columns the form fills from the submission's ids: those the file does not give, when it has the ids."""
    if form is None:
        return {}
    has = {"submission_id": any(name in meta for name in ID_COLUMNS), "_id": "_id" in meta}
    return {column: origin for column, origin in form.derive.items() if column not in found and has[origin]}
