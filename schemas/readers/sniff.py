"""Look at the first megabyte of a file: what it is (CSV text or XLSX), its encoding, separator and header."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from schemas.readers.headers import is_hxl_row
from schemas.readers.limits import csv_field_limit
from schemas.readers.refusal import ReadRefused

SAMPLE_BYTES = 1 << 20
MAX_LINE_MB = 1
SEPARATORS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Sniffed:
    """What a file is: `xlsx`, or `csv` with its encoding, separator, header cells and header row count."""

    kind: str
    encoding: str = "utf-8"
    delimiter: str = ","
    headers: tuple[str, ...] = ()
    header_rows: int = 1


def sniff(path: str | Path) -> Sniffed:
    """Classify `path`; refuse (ReadRefused) what is empty, binary, an old .xls or in an unknown encoding."""
    with open(path, "rb") as stream:
        sample = stream.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES or not stream.read(1)
    if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ReadRefused("empty")
    if sample.startswith(b"PK\x03\x04"):
        return Sniffed(kind="xlsx") if _is_xlsx(path) else _refuse("not_xlsx")
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadRefused("old_excel")
    if sample.startswith(b"%PDF"):
        raise ReadRefused("binary", kind="PDF document")
    encoding = detect_encoding(sample, complete)
    text = _decode(sample, encoding, complete)
    brk = re.search(r"[\r\n]", text)  # old Macintosh files end their lines with CR alone
    header_line = text[: brk.start()] if brk else (text if complete else None)
    if header_line is None:
        raise ReadRefused("long_line", line=1, limit_mb=MAX_LINE_MB)
    delimiter = detect_delimiter(header_line)
    rows = list(_first_rows(text, delimiter, complete))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ReadRefused("no_header")
    headers = tuple(cell.strip().lstrip("\ufeff") for cell in rows[0])
    hxl = len(rows) > 1 and is_hxl_row(rows[1])
    return Sniffed("csv", encoding, delimiter, headers, 2 if hxl else 1)


def detect_encoding(sample: bytes, complete: bool) -> str:
    """`utf-8-sig`, `utf-16`, `utf-8` or `cp1252`, from a sample; binary content is refused."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in sample:
        raise ReadRefused("binary", kind="binary content")
    try:
        sample.decode("utf-8") if complete else _decode_prefix(sample, "utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError as error:
        raise ReadRefused("encoding") from error


def detect_delimiter(line: str) -> str:
    """The separator used most often in the header line, outside quotes (comma on a tie)."""
    outside, quoted = [], False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {sep: outside.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


def _decode(sample: bytes, encoding: str, complete: bool) -> str:
    return sample.decode(encoding) if complete else _decode_prefix(sample, encoding)


def _decode_prefix(sample: bytes, encoding: str) -> str:
    """Decode a sample that may end inside a multi-byte character."""
    for cut in range(4):
        try:
            return sample[: len(sample) - cut].decode(encoding)
        except UnicodeDecodeError:
            if cut == 3:
                raise
    raise AssertionError("unreachable")


def _first_rows(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The first two records of the sample (a record may span lines inside quotes)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=None), delimiter=delimiter)
    rows = []
    with csv_field_limit(len(text) + 1):  # the sample's one field may be all of it
        try:
            for row in reader:
                if row:
                    rows.append(row)
                if len(rows) == 2:
                    break
        except csv.Error as error:
            raise ReadRefused("malformed_csv", error=error) from error
    return rows


def _is_xlsx(path: str | Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _refuse(code: str) -> Sniffed:
    raise ReadRefused(code)
