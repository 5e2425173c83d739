"""Check a table against its pandera contract, splitting accepted rows from rows refused with reasons."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import pandera.pandas as pa
import pyarrow as pa_arrow

from schemas.readers.cells import normalise_cells
from schemas.tables import CONTRACTS, TABLE_KEYS, on_change
from validations.problems import COLUMNS, as_sent, combine, empty_problems, problems_frame, reasons_by_row


@dataclass(frozen=True)
class Checked:
    """The outcome of checking one table: typed accepted rows, and refused rows as sent with their reasons."""

    table: str
    accepted: pd.DataFrame
    rejected: pd.DataFrame  # the original columns, plus `row_number` (1 = first data row) and `reasons`

    @property
    def rows_read(self) -> int:
        return len(self.accepted) + len(self.rejected)


def check_table(table: str, frame: pd.DataFrame) -> Checked:
    """Validate `frame` (text cells as sent, or already typed); every row is either accepted (typed) or
    rejected with every reason found. A repeated key keeps its first row."""
    frame = frame.reset_index(drop=True)
    typed, problems = type_frame(table, frame)
    problems = combine([problems, duplicate_key_problems(table, typed)])
    problems = combine([problems, contract_problems(table, typed, problems)])
    sent = {name: frame[name] for name in frame.columns if isinstance(name, str)}
    reasons = reasons_by_row(as_sent(problems, sent))
    bad = sorted(reasons)
    accepted = typed.drop(index=bad).reset_index(drop=True)
    rejected = frame.loc[bad].copy()
    rejected.insert(0, "row_number", [row + 1 for row in bad])
    rejected["reasons"] = ["; ".join(reasons[row]) for row in bad]
    return Checked(table=table, accepted=accepted, rejected=rejected.reset_index(drop=True))


def type_frame(table: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contract's columns typed from text cells (numbers, dates and yes/no words as people write them)."""
    cells = {}
    for name in frame.columns:
        if name in CONTRACTS[table].to_schema().columns:
            column = frame[name]
            text = column.map(_cell_text, na_action="ignore") if column.dtype == object else column.astype("str")
            cells[name] = pa_arrow.array(text.astype("object").where(text.notna(), None), type=pa_arrow.string())
    typed, problems = normalise_cells(table, pa_arrow.table(cells) if cells else _empty_cells(len(frame)))
    problems = problems.assign(detail=None)[COLUMNS] if len(problems) else empty_problems()
    return typed, problems


def duplicate_key_problems(table: str, typed: pd.DataFrame) -> pd.DataFrame:
    """Rows whose natural key already appeared above them in the same frame."""
    key = list(TABLE_KEYS[table])
    repeated = typed.duplicated(subset=key, keep="first")
    if not repeated.any():
        return empty_problems()
    first = typed.reset_index().groupby(key, dropna=False, sort=False)["index"].transform("min") + 1
    rows = repeated[repeated].index
    return problems_frame(rows, None, "duplicate_key", first[rows].tolist(), ", ".join(key))


def contract_problems(table: str, typed: pd.DataFrame, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's failures on typed rows (uniqueness is left to the key checks), except on cells that
    already have a problem (a date that could not be read is not also said to be missing). `typed` already has
    the contract's dtypes, so pandera checks it in place: no copy of the rows, and nothing in them changes."""
    try:
        contract_schema(table).validate(typed, lazy=True, inplace=True)
    except pa_errors.SchemaErrors as errors:
        found = _failures(errors.failure_cases, typed.index)
    else:
        return empty_problems()
    if known is not None and len(known) and len(found):
        taken = set(zip(known["row"], known["column"], strict=True))
        found = found[[pair not in taken for pair in zip(found["row"], found["column"], strict=True)]]
    return found


@cache
def contract_schema(table: str, per_distinct: bool = True) -> pa.DataFrameSchema:
    """The table's contract without its uniqueness rules (intake checks keys across chunks and the store); with
    `per_distinct`, its text patterns are checked once per distinct value (see `_per_distinct`)."""
    schema = copy.deepcopy(CONTRACTS[table].to_schema())
    unique = {name: {"unique": False} for name, column in schema.columns.items() if column.unique}
    if unique:
        schema = schema.update_columns(unique)
    schema.unique = None
    if per_distinct:
        for column in schema.columns.values():
            column.checks = [_per_distinct(c) if c.name == "str_matches" else c for c in column.checks]
    return schema


def _per_distinct(check: pa.Check) -> pa.Check:
    """`str_matches` run on each distinct value once, then spread to the rows: a column like `campaign` repeats
    a few values over half a million rows (12 ms a chunk against 26 ms). Same name, message and verdicts: pandas'
    own `str.match`, as pandera's check calls it, on the same values."""
    pattern = check.statistics["pattern"]

    def matches(series: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(series)
        verdicts = pd.Series(uniques, dtype=series.dtype).str.match(pattern, na=False).to_numpy(dtype=bool)
        spread = verdicts[np.maximum(codes, 0)] if len(verdicts) else np.zeros(len(codes), dtype=bool)
        return pd.Series(np.where(codes >= 0, spread, False), index=series.index)

    return pa.Check(matches, name=check.name, error=check.error, statistics=check.statistics,
                    ignore_na=check.ignore_na)  # fmt: skip


_CHECK_CODES = (
    ("not_nullable", "required"),
    ("isin", "one_of"),
    ("str_matches", "bad_form"),
    ("greater_than_or_equal_to", "at_least"),
    ("less_than_or_equal_to", "at_most"),
    ("greater_than", "above"),
    ("in_range", "between"),
    ("str_length", "length"),
)
_KINDS = {"datetime64": "date", "Float64": "number", "Int64": "whole", "boolean": "yesno"}


def _failures(cases: pd.DataFrame, rows: pd.Index) -> pd.DataFrame:
    """Pandera's failure cases as problems; a frame-wide failure applies to every row."""
    found = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check.startswith("dtype("):
            continue  # always doubled by the coercion failure that caused it
        code, detail = _code(check)
        column = case.column if isinstance(case.column, str) else None
        value = _native(case.failure_case)
        targets = rows if pd.isna(case.index) else [int(case.index)]
        if case.schema_context == "DataFrameSchema" and not pd.isna(case.index):
            column, value = None, None  # a rule across columns: said once per row
        found.extend((int(row), column, code, value, detail) for row in targets)
    return pd.DataFrame(found, columns=COLUMNS).drop_duplicates(subset=["row", "column", "code"], ignore_index=True)


def _code(check: str) -> tuple[str, str | None]:
    """A pandera check name as a problem code and its detail (`greater_than(0)` -> above, 0)."""
    if check.startswith("coerce_dtype"):
        return next((f"not_{kind}" for name, kind in _KINDS.items() if name in check), "contract"), None
    if check == "accepted_kg is above quantity_kg":
        return "accepted_above_delivered", None
    for name, code in _CHECK_CODES:
        if check.startswith(name):
            return code, re.sub(r"^\w+", "", check).strip("()").replace("'", "") or None
    return "contract", check


def _native(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _empty_cells(rows: int) -> pa_arrow.Table:
    return pa_arrow.table({"_": pa_arrow.nulls(rows, pa_arrow.string())})


on_change(contract_schema.cache_clear)  # a table declared again is read afresh
