"""Stream a CSV file in chunks: pyarrow's reader while the file is regular, Python's csv module from the first
irregular row on (a cell too many, an undecodable byte), so every row is read and numbered exactly."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds

from schemas.readers.chunks import TEXT, Chunk, Malformed, positional_names, text_table
from schemas.readers.limits import MB, Limits, cell_name, check_cell, csv_field_limit
from schemas.readers.refusal import ReadRefused
from schemas.readers.sniff import Sniffed

DEFAULT_LIMITS = Limits()
CHUNK_ROWS = 500_000
FALLBACK_CHUNK_ROWS = 100_000
READ_AHEAD_BATCHES = 16  # 16 blocks (4 MB each with the default limits) read ahead at most


def csv_chunks(
    path: str | Path, sniffed: Sniffed, chunk_rows: int = CHUNK_ROWS, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Chunk]:
    """Every data row of `path`, in chunks of about `chunk_rows` rows; a cell beyond the limit is refused, and so
    is a row longer than pyarrow's block (`limits.row_bytes`), at once, without reading on."""
    width = len(sniffed.headers)
    done = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    encoding = sniffed.encoding
    try:
        for batch in _arrow_batches(path, sniffed, width, limits):
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= chunk_rows:
                yield _chunk(pending, done)
                done, pending, pending_rows = done + pending_rows, [], 0
    except pa.ArrowInvalid as error:
        if "straddling" in str(error):  # a row longer than a block: a huge cell, or a quote never closed
            raise ReadRefused("long_row", row=done + pending_rows + 1, limit_mb=limits.row_bytes // MB) from error
        if "invalid UTF8" in str(error) and encoding == "utf-8":
            encoding = "cp1252"  # the first megabyte looked like UTF-8, the rest is Windows-1252
    else:
        if pending:
            yield _chunk(pending, done)
        return
    if pending:
        yield _chunk(pending, done)
        done += pending_rows
    yield from python_chunks(path, sniffed, width, encoding, skip=done, limits=limits)


def _arrow_batches(path: str | Path, sniffed: Sniffed, width: int, limits: Limits) -> Iterator[pa.RecordBatch]:
    """The file's rows as pyarrow reads them, block by block, each block's cells checked against the limit."""
    names = positional_names(width)
    fmt = ds.CsvFileFormat(
        read_options=pacsv.ReadOptions(
            skip_rows=sniffed.header_rows,
            column_names=names,
            block_size=limits.row_bytes,
            encoding=_arrow_encoding(sniffed.encoding),
        ),
        parse_options=pacsv.ParseOptions(delimiter=sniffed.delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={name: TEXT for name in names}, strings_can_be_null=True),
    )
    # pyarrow's scanner reads and parses ahead in its own threads while the caller validates
    reader = ds.dataset(str(path), format=fmt).to_batches(batch_readahead=READ_AHEAD_BATCHES)
    rows = 0
    for batch in reader:
        if not batch.num_rows:
            continue
        check_cells(batch, rows + sniffed.header_rows, limits)
        rows += batch.num_rows
        yield batch


def check_cells(batch: pa.RecordBatch, above: int, limits: Limits) -> None:
    """Refuse the batch's first cell beyond the limit (`above`: the file's lines before the batch). A column whose
    cells together fit in the limit is not looked into, so a batch of ordinary cells costs a few microseconds."""
    for column, cells in enumerate(batch.columns):
        if _text_bytes(cells) <= limits.cell_bytes:
            continue
        sizes = pc.fill_null(pc.binary_length(cells), 0).to_numpy(zero_copy_only=False)
        row = int(sizes.argmax())
        check_cell(int(sizes[row]), cell_name(above + row + 1, column), limits)


def _text_bytes(cells: pa.Array) -> int:
    """The bytes of all of a column's cells together (what its data buffer holds for them)."""
    return int(pc.sum(pc.binary_length(cells)).as_py() or 0)


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _chunk(batches: list[pa.RecordBatch], done: int) -> Chunk:
    """The batches as one chunk."""
    cells = pa.Table.from_batches(batches)
    return Chunk(cells, np.arange(done + 1, done + 1 + cells.num_rows, dtype=np.int64))


def python_chunks(
    path: str | Path, sniffed: Sniffed, width: int, encoding: str, skip: int = 0, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Chunk]:
    """Rows read with Python's csv module, after the first `skip` data rows; irregular rows come as Malformed, a
    cell beyond the limit is refused."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[Malformed] = []
    number = 0
    # a field longer than a row's limit is a quote never closed
    with csv_field_limit(limits.row_bytes), open(path, encoding=encoding, newline="") as stream:
        records = csv.reader(_bounded_lines(stream, limits.row_bytes), delimiter=sniffed.delimiter)
        try:
            for record in _data_records(records, sniffed.header_rows):
                number += 1
                if number <= skip:
                    continue
                _check_record(record, number + sniffed.header_rows, limits)
                if len(record) > width and not any(cell.strip() for cell in record[width:]):
                    record = record[:width]  # trailing empty cells, as spreadsheets often write
                if len(record) == width:
                    rows.append(record)
                    numbers.append(number)
                else:
                    text = sniffed.delimiter.join(record)
                    malformed.append(Malformed(number, text, len(record), width))
                if len(rows) + len(malformed) >= FALLBACK_CHUNK_ROWS:
                    yield Chunk(text_table(rows, width), np.array(numbers, dtype=np.int64), malformed)
                    rows, numbers, malformed = [], [], []
        except UnicodeDecodeError as error:
            raise ReadRefused("encoding") from error
        except csv.Error as error:
            if "field larger" in str(error):
                raise ReadRefused("long_row", row=number + 1, limit_mb=limits.row_bytes // MB) from error
            raise ReadRefused("malformed_csv", error=f"row {number + 1}: {error}") from error
    if rows or malformed:
        yield Chunk(text_table(rows, width), np.array(numbers, dtype=np.int64), malformed)


def _data_records(records: Iterator[list[str]], header_rows: int) -> Iterator[list[str]]:
    """Records below the header rows, blank lines left out."""
    seen = 0
    for record in records:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        seen += 1
        if seen > header_rows:
            yield record


def _check_record(record: list[str], line: int, limits: Limits) -> None:
    """Refuse a record's cell beyond the limit (counted in characters: the text is decoded here)."""
    longest = max(record, key=len)
    if len(longest) > limits.cell_bytes:
        check_cell(len(longest), cell_name(line, record.index(longest)), limits)


def _bounded_lines(stream, limit: int) -> Iterator[str]:
    """The file's lines, refusing any longer than `limit` characters (memory stays bounded on a file without
    lines)."""
    line_number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        line_number += 1
        if len(line) > limit and not line.endswith("\n"):
            raise ReadRefused("long_line", line=line_number, limit_mb=limit // MB)
        yield line
