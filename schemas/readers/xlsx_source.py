"""Read XLSX workbooks sheet by sheet (openpyxl, read-only, streaming), every cell brought to its text."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import numpy as np

from schemas.readers.chunks import Chunk, Malformed, text_table
from schemas.readers.headers import is_hxl_row
from schemas.readers.limits import Limits, check_columns, check_rows
from schemas.readers.refusal import ReadRefused

CHUNK_ROWS = 50_000
DEFAULT_LIMITS = Limits()


def sheet_names(path: str | Path) -> list[str]:
    """The workbook's sheet names, in order; an unreadable workbook is refused."""
    workbook = _open(path)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def sheet_header(path: str | Path, sheet: str, limits: Limits = DEFAULT_LIMITS) -> tuple[list[str], int] | None:
    """The sheet's column titles and how many rows they take (2 with a HXL row); None for an empty sheet. A sheet
    declaring more rows or columns than the limits is refused before any row is read."""
    workbook = _open(path)
    try:
        check_size(workbook[sheet], limits)
        rows = workbook[sheet].iter_rows(values_only=True)
        header, offset = _first_filled(rows)
        if header is None:
            return None
        check_columns(len(header), limits)
        second = next(rows, None)
        hxl = second is not None and is_hxl_row([cell_text(c) for c in second])
        width = _width(header)
        return [cell_text(c) or "" for c in header[:width]], offset + (2 if hxl else 1)
    finally:
        workbook.close()


def sheet_chunks(path: str | Path, sheet: str, header_rows: int, width: int) -> Iterator[Chunk]:
    """The sheet's data rows below its header rows, as text, in chunks; wholly empty rows are skipped."""
    workbook = _open(path)
    try:
        rows: list[list[str | None]] = []
        numbers: list[int] = []
        malformed: list[Malformed] = []
        for index, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            if index <= header_rows:
                continue
            cells = [cell_text(value) for value in values]
            if not any(cell not in (None, "") for cell in cells):
                continue
            number = index - header_rows
            extra = [cell for cell in cells[width:] if cell not in (None, "")]
            if extra:
                malformed.append(Malformed(number, " | ".join(c or "" for c in cells), len(cells), width))
            else:
                rows.append((cells + [None] * width)[:width])
                numbers.append(number)
            if len(rows) + len(malformed) >= CHUNK_ROWS:
                yield Chunk(text_table(rows, width), np.array(numbers, dtype=np.int64), malformed)
                rows, numbers, malformed = [], [], []
        if rows or malformed:
            yield Chunk(text_table(rows, width), np.array(numbers, dtype=np.int64), malformed)
    finally:
        workbook.close()


def check_size(sheet, limits: Limits) -> None:
    """Refuse a sheet whose declared size (its `dimension`, when it has one) passes the row or column limit."""
    if sheet.max_column:
        check_columns(sheet.max_column - (sheet.min_column or 1) + 1, limits)
    if sheet.max_row:
        check_rows(sheet.max_row - (sheet.min_row or 1), limits)  # the first row holds the titles


def cell_text(value: object) -> str | None:
    """A cell's value as the text a person would type: 500 not 500.0, dates as yyyy-mm-dd, formulas as written."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _first_filled(rows: Iterator[tuple]) -> tuple[tuple | None, int]:
    for offset, row in enumerate(rows):
        if any(cell not in (None, "") for cell in row):
            return row, offset
    return None, 0


def _width(header: tuple) -> int:
    """Columns up to the last titled one."""
    titled = [i for i, cell in enumerate(header) if cell not in (None, "")]
    return titled[-1] + 1 if titled else 0


def _open(path: str | Path):
    from openpyxl import load_workbook  # imported here: most submissions are CSV

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadRefused("bad_workbook", error=type(error).__name__) from error
