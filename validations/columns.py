"""What a table's columns tell beyond its rows: the file's titles intake did not use, required columns left empty
in every row, optional contract columns the file lacks. Pure: chunks or a part's outcome in, plain data out (the
summary, the ledger and the validation report show it)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.headers import required_columns
from schemas.readers.unused import unused_columns
from schemas.tables import on_change

if TYPE_CHECKING:
    from validations.pipeline import PartOutcome

EMPTY_REQUIRED = "empty_required_column"
MISSING_OPTIONAL = "missing_optional_column"


def filled_columns(table: str, cells: pa.Table, typed: pa.Table) -> set[str]:
    """The required columns of `cells` (contract names, text as sent) with at least one cell that is not blank.
    A value read says so at once; only a column read as empty throughout is looked at cell by cell."""
    filled = set()
    for name in (c for c in _required(table) if c in cells.column_names):
        if typed.column(name).null_count < typed.num_rows:
            filled.add(name)
            continue
        lengths = pc.utf8_length(pc.utf8_trim_whitespace(cells.column(name)))
        if pc.max(lengths).as_py():
            filled.add(name)
    return filled


def column_warnings(outcome: PartOutcome) -> list[dict]:
    """One table's column warnings: required columns whose every cell is empty (`titles` as in the file; each of
    its rows is quarantined anyway), optional contract columns the file does not have."""
    mapping, found = outcome.mapping, []
    if mapping is None:
        return found
    if outcome.filled is not None:  # some row was read
        empty = [c for c in _required(outcome.table) if c in mapping.columns and c not in outcome.filled]
        if empty:
            titles = [mapping.headers[mapping.columns[c]] for c in empty]
            found.append({"code": EMPTY_REQUIRED, "table": outcome.table, "columns": empty, "titles": titles})
    if mapping.missing_optional:
        found.append({"code": MISSING_OPTIONAL, "table": outcome.table, "columns": list(mapping.missing_optional)})
    return found


def file_columns(outcomes: list[PartOutcome]) -> tuple[dict[str, list[str]], list[dict]]:
    """A file's unused titles per table (as written in the file; a table given by two sheets lists both) and its
    column warnings, table by table."""
    unused: dict[str, list[str]] = {}
    for outcome in outcomes:
        titles = unused_columns(outcome.mapping) if outcome.mapping is not None else []
        if titles:
            unused[outcome.table] = list(dict.fromkeys([*unused.get(outcome.table, []), *titles]))
    return unused, [warning for outcome in outcomes for warning in column_warnings(outcome)]


@cache
def _required(table: str) -> tuple[str, ...]:
    """The table's required columns, once (pandera builds the schema in about 2 ms; a national file has
    hundreds of chunks)."""
    return tuple(required_columns(table))


on_change(_required.cache_clear)  # a table declared again is read afresh
