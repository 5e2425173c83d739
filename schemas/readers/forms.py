"""Form mappings: one small YAML file per KoboToolbox/ODK form or spreadsheet template.

They are read from the packaged `schemas/forms/` and from the officer's own folder (VIGIE_FORMS_DIR, by default
`$VIGIE_HOME/forms`); an officer's mapping with the same `form` name replaces the packaged one. Keys:

- `form` (its name; the file's name without `.yaml` when absent), `table` (the contract table), `description`;
- `columns`: the form's column names or labels -> the table's columns. A title matches an entry as a whole
  first, then without its group path (`Livraison/Prix unitaire (FCFA/kg)` matches `Prix unitaire (FCFA/kg)`).
  Canonical column names, with or without a group path, need no entry;
- `derive`: table columns filled from the submission's own ids when the file has no such column, e.g.
  `{delivery_id: submission_id}` for a form without a delivery-id question. Sources: `submission_id` (the
  stable id: Kobo's `meta/rootUuid`, else `_uuid`, else ODK's `KEY` or instance id) and `_id` (Kobo's number);
- `verdicts`: `{rejected: [...], flagged: [...]}`, the supervisor's verdict words that quarantine a row and that
  keep it with a warning, for this form; a list left out falls back to `supervisor_verdicts` of rules.yaml;
- `repeat`: the name of a repeat group (ODK Central's `form-<repeat>.csv`, the sheet of a Kobo XLSX export):
  the mapping then reads that group's rows into `table`. A repeat group's file without such a mapping is refused.

A mistake is refused with the file, the entry and the problem (FormError, a ReadRefused of code `bad_form`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from schemas.readers.names import normal_name, title_candidates
from schemas.readers.refusal import ReadRefused
from schemas.tables import CONTRACTS, columns_of

FORMS_DIR = Path(__file__).resolve().parents[1] / "forms"
KEYS = ("form", "table", "description", "columns", "derive", "verdicts", "repeat")
DERIVE_SOURCES = ("submission_id", "_id")
PROBLEMS: dict[str, str] = {
    "not_yaml": "not valid YAML ({error})",
    "not_mapping": "expected a mapping with the keys form, table and columns",
    "unknown_keys": "unknown key(s) {keys} (known: {known})",
    "bad_table": "{value!r} is not a table ({known})",
    "no_columns": "must map the form's column names to the table's columns",
    "not_a_column": "maps to {target!r}, not a column of {table}",
    "bad_derive": "may be derived only from {sources} (got {value!r})",
    "bad_verdicts": "must be a list of words",
    "verdict_twice": "{words} both rejects and flags",
    "bad_repeat": "must be the name of the repeat group",
    "same_name": "the form name {value!r} is also the name of {other}",
}
"""What can be wrong in a mapping (English; French in reports/i18n/fr.yaml, keys `form_problem_<code>`)."""


class FormError(ReadRefused):
    """A form mapping is malformed: the file, the entry (`columns → 'prix'`) and the problem, in words."""

    def __init__(self, file: str, entry: str, problem: str, **details: object) -> None:
        text = PROBLEMS[problem].format(**details)
        super().__init__("bad_form", file=file, entry=entry, problem=text, problem_code=problem, **details)


@dataclass(frozen=True)
class Form:
    """A form's column names (normalised) mapped to the contract's columns of its table, and its options."""

    name: str
    table: str
    columns: dict[str, str]
    derive: dict[str, str] = field(default_factory=dict)
    rejected: frozenset[str] | None = None
    flagged: frozenset[str] | None = None
    repeat: str | None = None


def verdict_words(values: object) -> frozenset[str]:
    """Verdict words as they are compared: lower case, spaces collapsed; ValueError unless a list of words."""
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError("must be a list of words")
    return frozenset(" ".join(v.split()).lower() for v in values)


def parse_form(data: object, source: str) -> Form:
    """Check one mapping (already loaded from YAML) and return it; any mistake is a FormError naming `source`."""
    if not isinstance(data, dict):
        raise FormError(source, "(file)", "not_mapping")
    unknown = set(map(str, data)) - set(KEYS)
    if unknown:
        raise FormError(source, "(file)", "unknown_keys", keys=", ".join(sorted(unknown)), known=", ".join(KEYS))
    table = data.get("table")
    if table not in CONTRACTS:
        raise FormError(source, "table", "bad_table", value=table, known=", ".join(CONTRACTS))
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise FormError(source, "columns", "no_columns")
    allowed = set(columns_of(table))
    for name, target in columns.items():
        if target not in allowed:
            raise FormError(source, f"columns → {name!r}", "not_a_column", target=target, table=table)
    repeat = data.get("repeat")
    if repeat is not None and not (isinstance(repeat, str) and normal_name(repeat)):
        raise FormError(source, "repeat", "bad_repeat")
    return Form(
        name=str(data.get("form") or Path(source).stem),
        table=table,
        columns={normal_name(name): target for name, target in columns.items()},
        derive=_derive(data.get("derive"), table, source),
        **_verdicts(data.get("verdicts"), source),
        repeat=normal_name(repeat) if repeat else None,
    )


def _derive(data: object, table: str, source: str) -> dict[str, str]:
    """The `derive` entry: table columns -> the submission id they are filled from."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FormError(source, "derive", "bad_derive", sources=" or ".join(DERIVE_SOURCES), value=data)
    for column, origin in data.items():
        if column not in columns_of(table):
            raise FormError(source, f"derive → {column!r}", "not_a_column", target=column, table=table)
        if origin not in DERIVE_SOURCES:
            raise FormError(source, f"derive → {column!r}", "bad_derive", sources=" or ".join(DERIVE_SOURCES),
                            value=origin)  # fmt: skip
    return {str(column): str(origin) for column, origin in data.items()}


def _verdicts(data: object, source: str) -> dict[str, frozenset[str] | None]:
    """The `verdicts` entry: this form's rejecting and flagging words (None where rules.yaml decides)."""
    if data is None:
        return {}
    if not isinstance(data, dict) or set(map(str, data)) - {"rejected", "flagged"}:
        raise FormError(source, "verdicts", "unknown_keys", keys=", ".join(map(str, data)), known="rejected, flagged")
    words = {}
    for kind in ("rejected", "flagged"):
        try:
            words[kind] = verdict_words(data[kind]) if kind in data else None
        except ValueError:
            raise FormError(source, f"verdicts → {kind}", "bad_verdicts") from None
    both = (words["rejected"] or frozenset()) & (words["flagged"] or frozenset())
    if both:
        raise FormError(source, "verdicts", "verdict_twice", words=", ".join(sorted(both)))
    return words


def read_forms(directory: str | Path) -> tuple[Form, ...]:
    """Every form mapping of `directory` (`*.yaml`, `*.yml`), checked; none when the folder does not exist."""
    forms: dict[str, tuple[Form, str]] = {}
    for path in sorted([*Path(directory).glob("*.yaml"), *Path(directory).glob("*.yml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise FormError(path.name, "(file)", "not_yaml", error=" ".join(str(error).split())) from error
        form = parse_form(data, path.name)
        if form.name in forms:
            raise FormError(path.name, "form", "same_name", value=form.name, other=forms[form.name][1])
        forms[form.name] = (form, path.name)
    return tuple(form for form, _ in forms.values())


@cache
def load_forms(directory: str = str(FORMS_DIR)) -> tuple[Form, ...]:
    """The mappings of a folder that does not change while Vigie runs (by default the packaged ones)."""
    return read_forms(directory)


def available_forms(officer_dir: str | Path | None = None) -> tuple[Form, ...]:
    """The packaged mappings and the officer's (read afresh each time: the officer may edit them while `vigie
    watch` runs); an officer's mapping replaces the packaged one of the same `form` name."""
    forms = {form.name: form for form in load_forms()}
    if officer_dir is not None and Path(officer_dir).is_dir():
        forms.update({form.name: form for form in read_forms(officer_dir)})
    return tuple(forms.values())


def best_form(table: str, headers: list[str], forms: tuple[Form, ...] | None = None) -> Form | None:
    """The mapping of `table` (not of a repeat group) that recognises the most of `headers` (None when none
    recognises any; on a tie, the officer's mappings come last and win)."""
    names = {name for header in headers for name in title_candidates(header)}
    candidates = [form for form in (load_forms() if forms is None else forms) if form.table == table]
    scored = [(len(names & set(form.columns)), i, form) for i, form in enumerate(candidates) if not form.repeat]
    scored = [entry for entry in scored if entry[0]]
    return max(scored, key=lambda entry: entry[:2])[2] if scored else None


def repeat_form(name: str, forms: tuple[Form, ...] | None = None) -> Form | None:
    """The mapping of the repeat group a file or sheet named `name` holds (`livraison-lots.csv`, sheet `lots`)."""
    stem = normal_name(Path(name).stem if name.lower().endswith((".csv", ".xlsx")) else name)
    found = [f for f in (load_forms() if forms is None else forms) if f.repeat and _names_repeat(stem, f.repeat)]
    return found[-1] if found else None


def _names_repeat(stem: str, repeat: str) -> bool:
    return stem == repeat or stem.endswith(f"_{repeat}")
