"""Check a table against its pandera contract, splitting accepted rows from rows refused with reasons."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.errors as pa_errors

from schemas.tables import CONTRACTS, TABLE_KEYS


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
    """Validate `frame` lazily; every row is either accepted (typed) or rejected with every reason found."""
    contract = CONTRACTS[table]
    frame = frame.reset_index(drop=True)
    reasons: dict[int, list[str]] = {}
    key = list(TABLE_KEYS[table])
    duplicated = frame.duplicated(subset=key, keep="first") if set(key) <= set(frame.columns) else None
    if duplicated is not None:
        for row in duplicated[duplicated].index:
            reasons.setdefault(int(row), []).append(f"same key ({', '.join(key)}) as an earlier row of the file")
    candidates = frame.drop(index=list(reasons))
    try:
        contract.validate(candidates, lazy=True)
    except pa_errors.SchemaErrors as errors:
        for row, reason in _row_reasons(errors.failure_cases, candidates.index):
            reasons.setdefault(row, []).append(reason)
    bad = sorted(reasons)
    accepted = contract.validate(frame.drop(index=bad)) if len(bad) < len(frame) else _empty(table)
    rejected = frame.loc[bad].copy()
    rejected.insert(0, "row_number", [row + 1 for row in bad])
    rejected["reasons"] = ["; ".join(reasons[row]) for row in bad]
    return Checked(table=table, accepted=accepted.reset_index(drop=True), rejected=rejected.reset_index(drop=True))


def _row_reasons(failure_cases: pd.DataFrame, rows: pd.Index) -> list[tuple[int, str]]:
    """Turn pandera's failure cases into (row, readable reason); a frame-wide failure applies to every row."""
    found: dict[tuple[int, str], None] = {}
    for case in failure_cases.itertuples(index=False):
        check = str(case.check)
        if check.startswith("dtype("):
            continue  # always doubled by the coercion failure that caused it
        if case.schema_context == "DataFrameSchema" and not pd.isna(case.index):
            found[(int(case.index), _plain(check))] = None  # a rule across columns: said once per row
            continue
        column = case.column if isinstance(case.column, str) else "row"
        if pd.isna(case.index):
            for row in rows:
                found[(int(row), f"{column}: {_plain(check)}")] = None
        else:
            found[(int(case.index), f"{column}: {_plain(check)} (got {case.failure_case!r})")] = None
    return list(found)


_TYPES = {"datetime64": "a date", "Float64": "a number", "Int64": "a whole number", "boolean": "yes or no"}


def _plain(check: str) -> str:
    """Say what a pandera check name means in words an officer understands."""
    if check.startswith("coerce_dtype"):
        wanted = next((words for name, words in _TYPES.items() if name in check), check)
        return f"cannot be read as {wanted}"
    replacements = {
        "not_nullable": "is required",
        "isin": "must be one of",
        "str_matches": "does not have the expected form",
        "greater_than_or_equal_to": "must be at least",
        "less_than_or_equal_to": "must be at most",
        "greater_than": "must be above",
        "field_uniqueness": "must be unique",
        "multiple_fields_uniqueness": "key must be unique",
        "str_length": "has the wrong length",
        "in_range": "must lie between",
    }
    for name, words in replacements.items():
        if check.startswith(name):
            return words + " " + check[len(name):].strip("()").replace("'", "")
    return check


def _empty(table: str) -> pd.DataFrame:
    """An empty, correctly typed frame for `table`."""
    schema = CONTRACTS[table].to_schema()
    return schema.coerce_dtype(pd.DataFrame({name: pd.Series(dtype="str") for name in schema.columns}))
