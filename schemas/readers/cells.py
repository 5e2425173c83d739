"""Bring text cells to the contract's types, vectorised: numbers with a decimal comma or thousands separators,
dates `dd/mm/yyyy` or ISO, yes/no words in French or English. Cells that cannot be read become missing and are
listed as problems (row, column, code, value as sent), so nothing is guessed silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.choices import contract_words, read_words
from schemas.readers.chunks import TEXT
from schemas.readers.parsers import PARSERS, unread_cells
from schemas.tables import CONTRACTS

PROBLEM_COLUMNS = ["row", "column", "code", "value"]
_FORMULA = r"^([=@]|[+-][^0-9.,\s])"
_MASKED = {pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def contract_kinds(table: str) -> dict[str, str]:
    """Each contract column's kind: text, number, whole, yesno or date."""
    kinds = {"Float64": "number", "Int64": "whole", "boolean": "yesno"}
    return {
        name: "date" if "datetime" in str(column.dtype) else kinds.get(str(column.dtype), "text")
        for name, column in CONTRACTS[table].to_schema().columns.items()
    }


def normalise_cells(table: str, cells: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contract's columns typed (a missing column comes out empty), and the problems found on the way."""
    typed, problems = read_cells(table, cells)
    return to_frame(typed), problems


def to_frame(typed: pa.Table) -> pd.DataFrame:
    """A typed arrow table as pandas with the contract's dtypes (nullable numbers and booleans)."""
    return typed.to_pandas(types_mapper=_MASKED.get)


def read_cells(table: str, cells: pa.Table) -> tuple[pa.Table, pd.DataFrame]:
    """The contract's columns typed, as arrow, and the problems found (rows are positions in `cells`)."""
    typed: dict[str, pa.Array] = {}
    problems: list[pd.DataFrame] = []
    for name, kind in contract_kinds(table).items():
        raw = cells.column(name).combine_chunks() if name in cells.column_names else pa.nulls(cells.num_rows, TEXT)
        values, bad, formula = parse_column(raw, kind)
        if formula is not None:
            problems.append(_problems(formula, name, "formula", raw))
        typed[name] = values
        if bad is not None:
            problems.append(_problems(bad, name, f"not_{kind}", raw))
        if name in contract_words(table):  # an action's status typed as a word (« fait »): its code
            typed[name], unknown = read_words(values, contract_words(table)[name])
            if unknown is not None:
                problems.append(_problems(unknown, name, f"not_{name}", raw))
    found = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pa.table(typed), found


def parse_column(raw: pa.Array, kind: str) -> tuple[pa.Array, pa.Array | None, pa.Array | None]:
    """Typed values, the mask of cells that could not be read, the mask of formula cells (None when none).

    Numbers, dates and yes/no words are first read as they come; only the cells that fail are trimmed and
    read again, so a clean column costs one pass."""
    if raw.type != TEXT:
        raw = raw.cast(TEXT)
    if kind == "text":
        text, formula = clean_text(raw)
        return text, None, formula
    values, bad = PARSERS[kind](raw)
    if bad is None:
        return values, None, None
    rows = pa.array(np.flatnonzero(bad.to_numpy(zero_copy_only=False)))
    text, formula = clean_text(raw.take(rows), look_all=True)
    again, _ = PARSERS[kind](text)
    values = pc.replace_with_mask(values, bad, again.cast(values.type))
    lost = unread_cells(pc.replace_with_mask(raw, bad, text), values)
    if formula is None:
        return values, lost, None
    mask = np.zeros(len(raw), dtype=bool)
    mask[rows.to_numpy()[formula.to_numpy(zero_copy_only=False)]] = True
    lost = pc.and_(lost, pc.invert(pa.array(mask))) if lost is not None else None
    return values, lost if lost is not None and pc.any(lost).as_py() else None, pa.array(mask)


SPACES = (
    " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\ufeff"
)
"""What is trimmed from a cell's ends: spaces of any kind (Unicode's Zs), tab, line ends and a byte-order mark; not
the line separators and C1 controls that validations/controls.py refuses."""


def clean_text(raw: pa.Array, look_all: bool = False) -> tuple[pa.Array, pa.Array | None]:
    """Cells without surrounding `SPACES`, empty cells missing, formulas removed; with the mask of formula cells
    (None when there is none). Only the cells `needs_look` names are matched against the formula pattern (all of
    them with `look_all`), so a clean column is returned as it is."""
    if raw.type != TEXT:
        raw = raw.cast(TEXT)
    look = pa.array(np.ones(len(raw), dtype=bool)) if look_all else needs_look(raw)
    if not pc.any(look).as_py():
        return raw, None
    trimmed = pc.utf8_trim(raw.filter(look), SPACES)
    formula = pc.fill_null(pc.match_substring_regex(trimmed, _FORMULA), False)
    empty = pc.or_(pc.equal(trimmed, ""), formula)
    text = pc.replace_with_mask(raw, look, pc.if_else(empty, pa.scalar(None, TEXT), trimmed))
    if not pc.any(formula).as_py():
        return text, None
    return text, pc.replace_with_mask(pa.array(np.zeros(len(raw), dtype=bool)), look, formula)


def needs_look(text: pa.Array) -> pa.Array:
    """Cells that `clean_text` may change: empty, edged by one of `SPACES`, or starting with a formula sign (missing
    cells: False). A few pyarrow passes, none of them a regular expression."""
    look = pc.or_(pc.not_equal(pc.utf8_trim(text, SPACES), text), pc.equal(text, ""))
    for sign in ("=", "@", "+", "-"):
        look = pc.or_(look, pc.starts_with(text, sign))
    return pc.fill_null(look, False)


def _problems(mask: pa.Array, column: str, code: str, raw: pa.Array) -> pd.DataFrame:
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    return pd.DataFrame(
        {"row": rows, "column": column, "code": code, "value": raw.take(pa.array(rows)).to_pylist()},
        columns=PROBLEM_COLUMNS,
    )
