"""Helpers over the rows of a chunk: empty rows, cells as sent, warnings in words, compact columns."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.chunks import TEXT, Chunk
from schemas.tables import low_cardinality
from validations.problems import WARNINGS, describe

DERIVED_REPEATING = ("supplier_link",)
"""Columns intake adds to a chunk whose values repeat (the supplier's value-chain link)."""


def compact(rows: pa.Table, table: str | None = None) -> pa.Table:
    """The rows with the low-cardinality text columns `table` declares (any table's when None) dictionary-encoded:
    a national file's accepted rows take a quarter less memory while they wait to be stored."""
    for name in (*low_cardinality(table), *DERIVED_REPEATING):
        if name in rows.column_names and not pa.types.is_dictionary(rows.schema.field(name).type):
            rows = rows.set_column(rows.column_names.index(name), name, pc.dictionary_encode(rows.column(name)))
    return rows


def without_empty_rows(chunk: Chunk) -> tuple[pa.Table, np.ndarray]:
    """The chunk without rows whose every cell is empty (spreadsheets leave such rows behind)."""
    cells = chunk.cells
    if not cells.num_rows or not cells.num_columns:
        return cells, chunk.row_numbers
    empty = None
    for column in cells.columns:
        blank = np.concatenate([_blank(piece) for piece in column.chunks])
        empty = blank if empty is None else empty & blank
        if not empty.any():
            return cells, chunk.row_numbers
    keep = ~empty
    return cells.filter(pa.array(keep)), chunk.row_numbers[keep]


def _blank(text: pa.Array) -> np.ndarray:
    """Cells missing, empty or only spaces of any kind."""
    blank = pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_trim_whitespace(text), ""))
    return blank.to_numpy(zero_copy_only=False)


def as_sent(problems: pd.DataFrame, canonical: pa.Table) -> pd.DataFrame:
    """Problems whose value is the cell as the sender wrote it."""
    if problems.empty:
        return problems
    out = problems.astype({"value": "object"})
    for column in out["column"].dropna().unique():
        if column not in canonical.column_names:
            continue
        here = (out["column"] == column).to_numpy()
        rows = out.loc[here, "row"].to_numpy(dtype=np.int64)
        out.loc[here, "value"] = canonical.column(column).take(pa.array(rows)).to_pylist()
    return out


def warning_texts(problems: pd.DataFrame, bad: np.ndarray, rows: int) -> pa.Array:
    """For each row, its warnings in words (None without any); rows in `bad` get none, they are quarantined."""
    found = _worded(problems, bad)
    return _texts(pl.repeat(None, rows, dtype=pl.String, eager=True).scatter(found["row"], found["said"]))


def with_warnings(current: pa.Array | pa.ChunkedArray, problems: pd.DataFrame) -> pa.Array | pa.ChunkedArray:
    """`current` (each row's warnings in words, or None) with the warnings of `problems` added after a `; `. Only
    the rows with a new warning are touched."""
    found = _worded(problems, np.zeros(len(current), dtype=bool))
    if not found.height:
        return current
    old = pl.from_arrow(current).cast(pl.String)
    before = old.gather(found["row"])
    added = pl.select(pl.when(before.is_null()).then(found["said"]).otherwise(before + "; " + found["said"]))
    return _texts(old.scatter(found["row"], added.to_series()))


def _worded(problems: pd.DataFrame, bad: np.ndarray) -> pl.DataFrame:
    """The rows with a warning (`row`) and their warnings in words (`said`), joined by `; ` in the order found;
    rows in `bad` are left out."""
    warnings = problems[problems["code"].isin(WARNINGS)]
    warnings = warnings[~bad[warnings["row"].to_numpy(dtype=np.int64)]]
    said = [describe(*p) for p in warnings[["code", "column", "value", "detail"]].itertuples(index=False, name=None)]
    found = pl.DataFrame({"row": warnings["row"].to_numpy(dtype=np.int64), "said": said}, schema=_WORDED)
    return found.group_by("row", maintain_order=True).agg(pl.col("said").str.join("; "))


_WORDED = {"row": pl.Int64, "said": pl.String}


def _texts(series: pl.Series) -> pa.Array:
    return series.to_arrow().cast(TEXT)


def unique_headers(headers: list[str]) -> list[str]:
    """Column titles made unique (`notes`, `notes (2)`), so a row can be kept as a mapping."""
    seen: Counter = Counter()
    unique = []
    for header in headers:
        seen[header] += 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


def plain(value: object) -> object:
    """JSON-friendly scalars."""
    if value is None or isinstance(value, str | bool | int | float):
        return None if isinstance(value, float) and value != value else value
    if hasattr(value, "item"):
        return value.item()
    try:
        return None if pd.isna(value) else str(value)
    except (TypeError, ValueError):
        return str(value)
