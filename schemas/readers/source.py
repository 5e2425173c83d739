"""Open a submitted file: which tables it holds (from --table, the sheet or the file name), mapped by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from schemas.readers.chunks import Chunk
from schemas.readers.csv_source import csv_chunks
from schemas.readers.forms import Form, repeat_form
from schemas.readers.headers import HeaderMap, map_headers, repeat_markers
from schemas.readers.limits import Limits, check_columns, check_file_size, counted
from schemas.readers.names import AmbiguousName, table_from_name, table_from_option
from schemas.readers.refusal import ReadRefused
from schemas.readers.sniff import sniff
from schemas.readers.xlsx_bounds import check_workbook
from schemas.readers.xlsx_source import sheet_chunks, sheet_header, sheet_names
from schemas.tables import CONTRACTS


@dataclass(frozen=True)
class Part:
    """One table of a file (a CSV, or one sheet of a workbook): its name, header map and chunks of rows."""

    name: str
    mapping: HeaderMap
    header_rows: int
    read: Callable[[], Iterator[Chunk]]

    @property
    def table(self) -> str:
        """The contract table the part holds."""
        return self.mapping.table


@dataclass(frozen=True)
class Source:
    """A submitted file: its kind (csv, kobo, xlsx), encoding and separator, and the tables it holds."""

    path: Path
    kind: str
    parts: list[Part]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)


def resolve_table(option: str | None, name: str) -> str:
    """The table named by --table, else by `name` (file or sheet); refuses when neither names one."""
    if option:
        table = table_from_option(option)
        if table is None:
            raise ReadRefused("bad_table_option", table=option, known=", ".join(CONTRACTS))
        return table
    try:
        table = table_from_name(name)
    except AmbiguousName as error:
        raise ReadRefused("ambiguous_table", name=name, tables=", ".join(error.tables)) from error
    if table is None:
        raise ReadRefused("unknown_table", name=name, known=", ".join(CONTRACTS))
    return table


def open_source(
    path: str | Path, table: str | None = None, forms: tuple[Form, ...] | None = None, limits: Limits | None = None
) -> Source:
    """Classify `path` and map its columns through the form mappings `forms` (by default the packaged ones); any
    blocking problem raises ReadRefused with the reason. A file beyond the `limits` (size, columns, cells, an
    XLSX's inflated size) is refused here, before its rows are read; its rows are counted as they are read, and
    refused once they pass the limit."""
    path, limits = Path(path), limits or Limits()
    check_file_size(path, limits)
    sniffed = sniff(path)
    if sniffed.kind == "xlsx":
        check_workbook(path, limits)
        return _workbook(path, table, forms, limits)
    check_columns(len(sniffed.headers), limits)
    mapping = _mapping(table, path.name, list(sniffed.headers), forms)
    kind = "kobo" if mapping.is_kobo else "csv"
    part = Part(
        path.name, mapping, sniffed.header_rows, lambda: counted(csv_chunks(path, sniffed, limits=limits), limits)
    )
    return Source(path, kind, [part], sniffed.encoding, sniffed.delimiter)


def _mapping(option: str | None, name: str, headers: list[str], forms: tuple[Form, ...] | None) -> HeaderMap:
    """The header map of a file or sheet; a repeat group's rows are read only through a mapping of that group."""
    markers = repeat_markers(headers)
    if not markers:
        return map_headers(resolve_table(option, name), headers, forms=forms)
    form = repeat_form(name, forms)
    if form is None:
        raise ReadRefused("repeat_group", name=name, columns=", ".join(markers))
    return map_headers(resolve_table(option, name) if option else form.table, headers, form=form)


def _workbook(path: Path, table: str | None, forms: tuple[Form, ...] | None, limits: Limits) -> Source:
    """One part per sheet named after a table; a single-sheet workbook takes --table or the file's name."""
    sheets = [(name, sheet_header(path, name, limits)) for name in sheet_names(path)]
    filled = [(name, header) for name, header in sheets if header is not None]
    if not filled:
        raise ReadRefused("no_rows")
    named = {}
    for name, header in filled:
        try:
            found = table_from_name(name)
        except AmbiguousName:
            found = None
        if repeat_markers(header[0]):
            found = _repeat_table(name, found, forms)
        if found and (table is None or found == resolve_table(table, name)):
            named[name] = found
    notes = []
    if not named:
        if len(filled) > 1 and table is None:
            raise ReadRefused("no_table_sheet", sheets=", ".join(name for name, _ in filled))
        name = filled[0][0] if len(filled) == 1 else None
        if name is None:
            raise ReadRefused("no_table_sheet", sheets=", ".join(n for n, _ in filled))
        named[name] = resolve_table(table, path.name)
    parts = []
    for name, header in filled:
        if name not in named:
            notes.append(f"sheet {name!r} ignored: its name is not a table's")
            continue
        headers, header_rows = header
        mapping = _mapping(named[name], name, headers, forms)
        width = len(headers)
        parts.append(
            Part(
                f"{path.name} [{name}]",
                mapping,
                header_rows,
                lambda name=name, rows=header_rows, width=width: counted(sheet_chunks(path, name, rows, width), limits),
            )
        )
    order = list(CONTRACTS)
    parts.sort(key=lambda part: order.index(part.table))
    return Source(path, "xlsx", parts, notes=notes)


def _repeat_table(sheet: str, named: str | None, forms: tuple[Form, ...] | None) -> str | None:
    """The table of a repeat group's sheet: its mapping's. A sheet named after a table without such a mapping is
    refused (its rows lack the submission's own fields); another is left out like any sheet not named a table."""
    form = repeat_form(sheet, forms)
    if form is not None:
        return form.table
    if named is not None:
        raise ReadRefused("repeat_group", name=sheet, columns="_parent_index")
    return None
