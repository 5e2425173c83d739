"""Quarantined rows back to a spreadsheet: each row exactly as sent, under the file's own column titles, with
the reasons beside it, so an officer fixes the cells and submits the file again (the extra columns are ignored
on the way back in; corrected rows replace the old ones by their key)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd

from reports.formulas import neutral
from validations.problems import describe

REASONS = "vigie_raisons"
SOURCE = "vigie_source"
EXTRA = (REASONS, SOURCE)
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters an XLSX cell cannot hold (openpyxl refuses them); shown as their visible symbol (␁)."""


def export_frames(rows: pd.DataFrame, texts: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """One frame per table: the cells as sent (columns in the order the files gave them), then the reasons (in
    the catalogue `texts`, default English) and where each row came from (file, row number)."""
    frames = {}
    for table, group in rows.groupby("table_name", sort=True):
        records, columns = [], {}
        for row in group.itertuples(index=False):
            cells = json.loads(row.cells)
            columns.update(dict.fromkeys(cells))
            problems = json.loads(row.problems)
            reasons = "; ".join(
                dict.fromkeys(describe(p["code"], p["column"], p["value"], p["detail"], texts) for p in problems)
            )
            records.append({**cells, REASONS: reasons, SOURCE: f"{row.file_name} · {row.row_number}"})
        frames[str(table)] = pd.DataFrame(records, columns=[*columns, *EXTRA], dtype="object")
    return frames


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for spreadsheets: UTF-8 with BOM, CRLF, no cell that runs as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutral(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([neutral(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_export(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write `out` as an XLSX workbook (one sheet per table, named after it) when it ends in .xlsx, else as a
    folder of `<table>_a_corriger.csv` files; return the files written."""
    if out.suffix.lower() == ".xlsx":
        _workbook(frames, out)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in frames.items():
        path = out / f"{table}_a_corriger.csv"
        path.write_bytes(csv_bytes(frame))
        written.append(path)
    return written


def _workbook(frames: dict[str, pd.DataFrame], out: Path) -> None:
    """One sheet per table; every title and cell is text (`neutral`: a leading apostrophe where a spreadsheet would
    run a formula), so `=HYPERLINK(...)` sent as a value or as a column title never comes back live."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table, frame in frames.items():
        sheet = book.create_sheet(title=table[:31])
        sheet.append([_xlsx_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_xlsx_text(v) for v in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                cell.data_type = "s"  # text as sent, whatever it reads like
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)


def _xlsx_text(value: object) -> str:
    """A cell's text for XLSX: neutral, the control characters XLSX cannot hold shown as their symbol."""
    return _UNWRITABLE.sub(lambda found: chr(0x2400 + ord(found.group())), neutral(value))
