"""Form mappings: one small YAML file per KoboToolbox/ODK form or spreadsheet template (schemas/forms/).

A mapping names its table and maps the form's column names to the contract's. Canonical column names, with or
without a group prefix (`livraison/quantity_kg`), need no mapping at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from schemas.readers.names import normal_name
from schemas.tables import CONTRACTS, columns_of

FORMS_DIR = Path(__file__).resolve().parents[1] / "forms"


class FormError(ValueError):
    """A form mapping file is malformed; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Form:
    """A form's column names (normalised) mapped to the contract's columns of its table."""

    name: str
    table: str
    columns: dict[str, str]


def parse_form(data: object, source: str) -> Form:
    """Check one mapping (already loaded from YAML) and return it; any mistake is a FormError naming `source`."""
    if not isinstance(data, dict):
        raise FormError(f"{source}: expected a mapping with keys form, table, columns")
    unknown = set(data) - {"form", "table", "columns", "description"}
    if unknown:
        raise FormError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
    table = data.get("table")
    if table not in CONTRACTS:
        raise FormError(f"{source}: table {table!r} is not one of {', '.join(CONTRACTS)}")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise FormError(f"{source}: 'columns' must map the form's column names to the table's")
    allowed = set(columns_of(table))
    mapped: dict[str, str] = {}
    for source_name, target in columns.items():
        if target not in allowed:
            raise FormError(f"{source}: {source_name!r} maps to {target!r}, not a column of {table}")
        mapped[normal_name(source_name)] = target
    return Form(name=str(data.get("form") or Path(source).stem), table=table, columns=mapped)


@cache
def load_forms(directory: str = str(FORMS_DIR)) -> tuple[Form, ...]:
    """Every form mapping of `directory` (`*.yaml`), checked."""
    forms = []
    for path in sorted(Path(directory).glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            try:
                data = yaml.safe_load(handle)
            except yaml.YAMLError as error:
                raise FormError(f"{path.name}: not valid YAML ({error})") from error
        forms.append(parse_form(data, path.name))
    return tuple(forms)


def best_form(table: str, headers: list[str], forms: tuple[Form, ...] | None = None) -> Form | None:
    """The mapping of `table` that recognises the most of `headers` (None when none recognises any)."""
    names = {normal_name(h) for h in headers} | {normal_name(str(h).rsplit("/", 1)[-1]) for h in headers}
    scored = [(len(names & set(form.columns)), form) for form in (forms or load_forms()) if form.table == table]
    scored = [(score, form) for score, form in scored if score]
    return max(scored, key=lambda pair: pair[0])[1] if scored else None
