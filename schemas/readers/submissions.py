"""The stable id of a field submission, as KoboToolbox, legacy KoBoCAT and ODK Central export it.

Kobo gives a submission a new `_uuid` at every edit and keeps the first one in `meta/rootUuid` (written
`uuid:...`); ODK Central's `KEY` is the submission's first instance id and stays across edits, while
`meta-instanceID` is the id of its latest version; legacy KoBoCAT exports carry `meta/instanceID`. The stable id
of a row is the first of ID_COLUMNS it fills, with the `uuid:` prefix taken off, so that the same submission is
recognised whether Kobo (`0f3c...`) or ODK (`uuid:0f3c...`) wrote its id. Intake keeps it in the `_uuid`
column of the stored rows: the same submission sent again, edited or not, replaces its earlier row.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.chunks import TEXT

ID_COLUMNS = ("meta/rootuuid", "meta-rootuuid", "_uuid", "key", "meta-instanceid", "meta/instanceid", "instanceid")
"""Metadata columns (lower case) that hold a submission's id, the most stable first."""


def normal_ids(cells: pa.Array) -> pa.Array:
    """Ids trimmed, without a leading `uuid:` (any case); an empty cell is missing."""
    ids = pc.replace_substring_regex(pc.utf8_trim_whitespace(cells.cast(TEXT)), r"^(?i:uuid:)\s*", "")
    return pc.if_else(pc.equal(ids, ""), pa.scalar(None, TEXT), ids)


def stable_ids(meta: dict[str, pa.Array]) -> pa.Array | None:
    """Each row's stable submission id from the metadata columns of `meta` (None when none is there)."""
    present = [normal_ids(meta[name]) for name in ID_COLUMNS if name in meta]
    if not present:
        return None
    return pc.coalesce(*present) if len(present) > 1 else present[0]


def derived_cells(derived: dict[str, str], ids: pa.Array | None, meta: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """The cells of the columns a form mapping derives (column -> `submission_id` or `_id`), as text."""
    return {name: ids if origin == "submission_id" else normal_ids(meta[origin]) for name, origin in derived.items()}
