"""How large a submitted file may be: its size on disk, its columns, rows and cells, and what an XLSX workbook
inflates to. Each limit is checked as early as it can be, before the file is loaded, so a file beyond one is
refused in bounded memory; the refusal names the limit, what was found and the variable that raises it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.readers.refusal import ReadRefused

if TYPE_CHECKING:  # settings import this module: it stays free of pyarrow
    from schemas.readers.chunks import Chunk

MB = 1 << 20


@contextmanager
def csv_field_limit(size: int) -> Iterator[None]:
    """Python's csv module reads fields up to `size` characters inside the block, its earlier limit restored after
    (the module has one setting for the process, not one per reader)."""
    previous = csv.field_size_limit(size)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


@dataclass(frozen=True)
class Limits:
    """The limits of one submitted file (VIGIE_MAX_* variables, read into Settings).

    The defaults leave room above the national file (10.1 M rows, 1.36 GB of CSV, 12 columns) and above what a
    spreadsheet can hold (16 384 columns, 32 767 characters a cell), while a file beyond them fits in memory."""

    file_mb: int = 3072
    rows: int = 25_000_000
    columns: int = 5_000
    cell_kb: int = 1024
    xlsx_mb: int = 1024
    xlsx_part_mb: int = 512

    @property
    def cell_bytes(self) -> int:
        """The largest cell, in bytes of text."""
        return self.cell_kb << 10

    @property
    def row_bytes(self) -> int:
        """The largest CSV row pyarrow reads (its block size): four cells at the limit, at least 4 MB."""
        return max(4 * MB, 4 * self.cell_bytes)


ENVIRONMENT = {
    "file_mb": "VIGIE_MAX_FILE_MB",
    "rows": "VIGIE_MAX_ROWS",
    "columns": "VIGIE_MAX_COLUMNS",
    "cell_kb": "VIGIE_MAX_CELL_KB",
    "xlsx_mb": "VIGIE_MAX_XLSX_MB",
    "xlsx_part_mb": "VIGIE_MAX_XLSX_PART_MB",
}
"""The environment variable of each limit."""


def check_file_size(path: Path, limits: Limits) -> None:
    """Refuse a file larger than VIGIE_MAX_FILE_MB, from its size on disk (nothing is read)."""
    size = path.stat().st_size
    if size > limits.file_mb * MB:
        raise ReadRefused("file_too_large", found_mb=megabytes(size), limit_mb=limits.file_mb)


def check_columns(width: int, limits: Limits) -> None:
    """Refuse a header (or a sheet's declared size) wider than VIGIE_MAX_COLUMNS."""
    if width > limits.columns:
        raise ReadRefused("too_many_columns", found=width, limit=limits.columns)


def check_rows(rows: int, limits: Limits) -> None:
    """Refuse once more than VIGIE_MAX_ROWS data rows are counted (or declared by a sheet)."""
    if rows > limits.rows:
        raise ReadRefused("too_many_rows", found=rows, limit=limits.rows)


def check_cell(size: int, where: str, limits: Limits) -> None:
    """Refuse a cell of more than VIGIE_MAX_CELL_KB; `where` names it as a spreadsheet does (`C13`, `feuil1!B7`)."""
    if size > limits.cell_bytes:
        raise ReadRefused("cell_too_large", cell=where, found_kb=-(-size // 1024), limit_kb=limits.cell_kb)


def cell_name(line: int, column: int) -> str:
    """A cell as a spreadsheet names it: line 13 (counted from 1, titles included), column 2 (from 0) is `C13`."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{line}"


def counted(chunks: Iterator[Chunk], limits: Limits) -> Iterator[Chunk]:
    """The chunks, refused as soon as their rows pass VIGIE_MAX_ROWS (the rest of the file is not read)."""
    rows = 0
    for chunk in chunks:
        rows += chunk.rows_read
        check_rows(rows, limits)
        yield chunk


def megabytes(size: int) -> int:
    """Whole megabytes, rounded up (a size shown above its limit never reads as equal to it; no decimal point to
    write the French or the English way)."""
    return -(-size // MB)
