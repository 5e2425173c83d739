"""Bring a CSV file of one input table to the shape its contract expects (strings in, typed by pandera)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from schemas.models import Bool
from schemas.readers.parsers import FALSE_WORDS, TRUE_WORDS
from schemas.tables import CONTRACTS, columns_of

_TRUE, _FALSE = set(TRUE_WORDS), set(FALSE_WORDS)  # the words intake reads as yes and no (one vocabulary)


class TableReadError(ValueError):
    """A file cannot be read as the table it claims to be (the whole file is refused)."""


def bool_columns(table: str) -> list[str]:
    """Columns of `table` whose contract type is a boolean."""
    schema = CONTRACTS[table].to_schema()
    return [name for name, column in schema.columns.items() if str(column.dtype) == str(Bool())]


def read_csv_table(path: str | Path, table: str) -> pd.DataFrame:
    """Read `path` as `table`: every cell as text, blanks as missing, booleans spelled out in words."""
    if table not in CONTRACTS:
        raise TableReadError(f"{path}: unknown table {table!r}; known tables: {', '.join(CONTRACTS)}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TableReadError(f"{path}: cannot be read as CSV ({error})") from error
    missing = [column for column in columns_of(table) if column not in frame.columns]
    if missing:
        raise TableReadError(f"{path}: table {table!r} lacks required column(s): {', '.join(missing)}")
    return normalise_booleans(frame, table)


def normalise_booleans(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Turn yes/no words into booleans; anything else is left as sent so the contract reports it."""
    out = frame.copy()
    for column in bool_columns(table):
        if column not in out.columns:
            continue
        words = out[column].astype("str").str.strip().str.lower()
        mapped = pd.Series(pd.NA, index=out.index, dtype="object")
        mapped[words.isin(_TRUE)] = True
        mapped[words.isin(_FALSE)] = False
        unknown = out[column].notna() & ~words.isin(_TRUE | _FALSE)
        mapped[unknown] = out.loc[unknown, column]
        out[column] = mapped
    return out


def read_csv_dir(directory: str | Path, tables: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read every `<table>.csv` present in `directory` (missing tables are simply absent)."""
    directory = Path(directory)
    found = {}
    for table in tables or list(CONTRACTS):
        path = directory / f"{table}.csv"
        if path.exists():
            found[table] = read_csv_table(path, table)
    return found
