"""Check an XLSX workbook against the limits before openpyxl opens it: what its parts inflate to (from the zip's
central directory, nothing decompressed: a zip bomb is refused unopened), then the size of every cell's text,
streamed piece by piece (openpyxl would load a 400 MB cell whole, and the shared strings all at once)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

import numpy as np

from schemas.readers.limits import MB, Limits, check_cell, megabytes
from schemas.readers.refusal import ReadRefused

PIECE = 1 << 20
_TAG = ord("<")


def check_workbook(path: str | Path, limits: Limits) -> None:
    """Refuse a workbook whose parts inflate beyond VIGIE_MAX_XLSX_MB or VIGIE_MAX_XLSX_PART_MB, or holding a
    cell beyond VIGIE_MAX_CELL_KB (named as `sheet!B7`). Memory stays bounded whatever the workbook holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_inflated(archive.infolist(), limits)
            strings, sheets = workbook_parts(path)
            huge = _huge_string(archive, strings, limits) if strings else None
            for name, member in sheets:
                _check_sheet(archive, name, member, huge, limits)
    except ReadRefused:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, expat.ExpatError) as error:
        raise ReadRefused("bad_workbook", error=type(error).__name__) from error
    if huge is not None:  # a shared text no cell uses: openpyxl would still load it
        check_cell(huge[1], f"{strings}#{huge[0] + 1}", limits)


def check_inflated(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse from the sizes the zip's central directory declares (Python's zipfile never inflates a part beyond
    its declared size: a part that lies fails its CRC check and the workbook is refused as unreadable)."""
    for member in members:
        if member.file_size > limits.xlsx_part_mb * MB:
            found = megabytes(member.file_size)
            raise ReadRefused("xlsx_part_too_large", part=member.filename, found_mb=found, limit_mb=limits.xlsx_part_mb)
    total = sum(member.file_size for member in members)
    if total > limits.xlsx_mb * MB:
        raise ReadRefused("xlsx_too_large", found_mb=megabytes(total), limit_mb=limits.xlsx_mb)


def workbook_parts(path: str | Path) -> tuple[str | None, list[tuple[str, str]]]:
    """The shared strings part (None without one) and each sheet's name and part, from the workbook's manifest
    (openpyxl's reader, without the shared strings)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    reader = ExcelReader(str(path), read_only=True)
    try:
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
        reader.read_workbook()
        sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()]
    finally:
        reader.archive.close()
    return (strings.PartName[1:] if strings is not None else None), sheets


def has_long_text(archive: zipfile.ZipFile, member: str, limit: int) -> bool:
    """Whether the part holds a run of more than `limit` bytes without markup (a cell's text has no `<`): one
    streamed pass, a few milliseconds a megabyte. Parts smaller than the limit are not read."""
    if archive.getinfo(member).file_size <= limit:
        return False
    run = 0  # bytes since the last `<` of the earlier pieces
    for piece in _pieces(archive, member):
        marks = np.flatnonzero(np.frombuffer(piece, dtype=np.uint8) == _TAG)
        if not len(marks):
            run += len(piece)
        elif run + marks[0] > limit or (len(marks) > 1 and np.diff(marks).max() > limit + 1):
            return True
        else:
            run = len(piece) - int(marks[-1]) - 1
        if run > limit:
            return True
    return False


def _huge_string(archive: zipfile.ZipFile, member: str, limits: Limits) -> tuple[int, int] | None:
    """The position and size of the first shared text beyond the cell limit, None when there is none."""
    if not has_long_text(archive, member, limits.cell_bytes):
        return None
    scan = _Texts("si", limits.cell_bytes)
    return next(iter(scan.oversize(_pieces(archive, member))), None)


def _check_sheet(archive, name: str, member: str, huge: tuple[int, int] | None, limits: Limits) -> None:
    """Refuse the first cell of the sheet beyond the limit, its own text or the shared text it shows."""
    if huge is None and not has_long_text(archive, member, limits.cell_bytes):
        return
    scan = _Texts("c", limits.cell_bytes, shared=huge[0] if huge else None)
    for ref, size in scan.oversize(_pieces(archive, member)):
        check_cell(size if size > limits.cell_bytes else huge[1], f"{name}!{ref}", limits)


class _Texts:
    """Expat handlers measuring the text of each `unit` element (`c`, a sheet's cell; `si`, a shared text) in
    the pieces they are given, storing none of it; with `shared`, a cell showing that shared text counts too."""

    def __init__(self, unit: str, limit: int, shared: int | None = None) -> None:
        self.unit, self.limit, self.shared = unit, limit, shared
        self.found: list[tuple[str, int]] = []
        self.index, self.size, self.ref, self.value = -1, 0, "", None

    def oversize(self, pieces: Iterator[bytes]) -> Iterator[tuple[str | int, int]]:
        """(cell reference or shared text position, size) of the elements beyond the limit, in order."""
        parser = expat.ParserCreate()
        parser.buffer_text = False
        parser.StartElementHandler, parser.EndElementHandler = self._start, self._end
        parser.CharacterDataHandler = self._text
        for piece in pieces:
            parser.Parse(piece, False)
            yield from self.found
            self.found.clear()
        parser.Parse(b"", True)
        yield from self.found

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == self.unit:
            self.index, self.size, self.ref = self.index + 1, 0, attributes.get("r", "")
            self.value = [] if attributes.get("t") == "s" and self.shared is not None else None

    def _text(self, data: str) -> None:
        self.size += len(data)
        if self.value is not None and len(self.value) < 8:
            self.value.append(data)

    def _end(self, name: str) -> None:
        if name.rpartition(":")[2] != self.unit:
            return
        shows = self.value is not None and "".join(self.value).strip() == str(self.shared)
        if self.size > self.limit or shows:
            self.found.append((self.ref if self.unit == "c" else self.index, self.size))


def _pieces(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    with archive.open(member) as stream:
        while piece := stream.read(PIECE):
            yield piece
