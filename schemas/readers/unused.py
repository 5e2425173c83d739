"""A file's columns that intake does not use: the titles left unmatched, less the Kobo/ODK metadata it skips
knowingly; and, when a required column is missing, the titles found and the known names closest to them."""

from __future__ import annotations

from difflib import SequenceMatcher, get_close_matches
from typing import TYPE_CHECKING

from schemas.readers.forms import Form, load_forms
from schemas.readers.names import normal_name

if TYPE_CHECKING:
    from schemas.readers.headers import HeaderMap

FORM_METADATA = frozenset({
    "start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber", "audit",
    "instanceid", "instancename", "submissiondate", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "reviewstate", "edits", "formversion", "key",
})  # fmt: skip
"""Columns a KoboToolbox or ODK form adds by itself (metadata questions, ODK Central's export columns), as
normalised names: in an export they say nothing about the deliveries or sales, so they are not "unused"."""
MACHINE_GROUPS = ("meta_", "formhub_")
CLOSEST_CUTOFF = 0.6
"""How alike (difflib's ratio, 0 to 1) a title and a known name must be to be suggested."""
SHOWN_TITLES = 40


def is_form_metadata(title: str) -> bool:
    """A column Kobo or ODK writes into every export: `_id`, `_uuid`, `__version__`, `meta/instanceID`,
    `formhub/uuid`, `start`, `SubmissionDate`, `KEY` ... (compared without case, accents or punctuation)."""
    name = normal_name(title)
    return str(title).strip().startswith("_") or name.startswith(MACHINE_GROUPS) or name in FORM_METADATA


def unused_columns(mapping: HeaderMap) -> list[str]:
    """The titles of the file (as written there) that fed no contract column; in a Kobo/ODK export, the form's
    own metadata columns are left out (intake skips them knowingly)."""
    return [title for title in mapping.ignored if not (mapping.is_kobo and is_form_metadata(title))]


def missing_details(
    table: str, missing: list[str], headers: list[str], unmatched: list[str], form: Form | None = None
) -> dict[str, str]:
    """What the `missing_columns` refusal says: the table, the missing columns, the titles found (Kobo's `_...`
    columns aside) and, when one is alike, the closest title for each missing column (`closest`, or
    `closest_many` when there are several)."""
    found = [str(h).strip() for h in headers if str(h or "").strip() and not _is_machine(str(h))]
    shown = ", ".join(found[:SHOWN_TITLES]) + (f" (+{len(found) - SHOWN_TITLES})" if len(found) > SHOWN_TITLES else "")
    details = {"table": table, "columns": ", ".join(missing), "found": shown or "-"}
    pairs = closest_names(table, missing, unmatched, form)
    if pairs:
        details["closest" if len(pairs) == 1 else "closest_many"] = ", ".join(f"{t} → {n}" for t, n in pairs)
    return details


def closest_names(table: str, missing: list[str], titles: list[str], form: Form | None = None) -> list[tuple[str, str]]:
    """For each missing column, the unmatched title most like one of its known names, as (title, known name);
    each title is suggested once. Titles are compared normalised, by their last group segment."""
    keys = {_key(title): title for title in reversed(titles) if _key(title)}
    forms = [f for f in (*load_forms(), *([form] if form else [])) if f.table == table]
    pairs: list[tuple[str, str]] = []
    for column in missing:
        scored = [
            (SequenceMatcher(None, key, name).ratio(), keys[key], name)
            for name in known_names(column, forms)
            for key in get_close_matches(name, [k for k in keys if keys[k] not in dict(pairs)], 1, CLOSEST_CUTOFF)
        ]
        if scored:
            _, title, name = max(scored, key=lambda item: item[0])
            pairs.append((title, name))
    return pairs


def known_names(column: str, forms: list[Form]) -> list[str]:
    """The names a contract column goes by: its own, then the source names the form mappings give it."""
    return list(dict.fromkeys([column, *(name for f in forms for name, to in f.columns.items() if to == column)]))


def _key(title: str) -> str:
    return normal_name(str(title).replace(":", "/").rsplit("/", 1)[-1])


def _is_machine(title: str) -> bool:
    """Kobo's own columns (`_uuid`, `meta/instanceID`, `formhub/uuid`): never a title someone typed."""
    return title.strip().startswith("_") or normal_name(title).startswith(MACHINE_GROUPS)
