"""Blocking problems: the whole file (or sheet) is refused, with a reason a non-programmer understands."""

from __future__ import annotations

REFUSALS: dict[str, str] = {
    "empty": "the file is empty",
    "binary": "the file is not a table of text ({kind}): send a CSV or XLSX file",
    "old_excel": "the file is an old Excel workbook (.xls): save it as .xlsx or as CSV",
    "not_xlsx": "the file is a ZIP archive, not an XLSX workbook",
    "bad_workbook": "the workbook cannot be opened ({error})",
    "encoding": "the text is neither UTF-8 nor Windows-1252: save the file as 'CSV UTF-8'",
    "long_line": "line {line} is longer than {limit_mb} MB: this is not a table of rows (check the line endings)",
    "no_header": "no column names found on the first line",
    "no_rows": "no rows of data below the column names",
    "unknown_table": "cannot tell which table {name!r} holds: name it after its table (e.g. livraisons.csv) or use "
    "--table (tables: {known})",
    "ambiguous_table": "the name {name!r} matches several tables ({tables}): use --table",
    "bad_table_option": "{table!r} is not a table (tables: {known})",
    "duplicate_column": "columns {first} and {second} both give {column}: keep only one of them",
    "missing_columns": "required column(s) missing for the table {table}: {columns}. Columns found: {found}.",
    "malformed_csv": "the file cannot be read as CSV ({error})",
    "no_table_sheet": "no sheet of the workbook is named after a table (sheets: {sheets}): rename the sheets or "
    "use --table",
    "bad_form": "form mapping {file}: {entry}: {problem}; fix the mapping, then send the file again",
    "repeat_group": "{name!r} holds the rows of a repeat group of the form ({columns}), not a table: send the "
    "form's main file, or describe the group in a form mapping (key repeat) that names its table",
    "file_too_large": "the file is {found_mb} MB, above the limit of {limit_mb} MB: split it, or raise "
    "VIGIE_MAX_FILE_MB",
    "too_many_columns": "the table has {found} columns, above the limit of {limit}: remove the unused columns, or "
    "raise VIGIE_MAX_COLUMNS",
    "too_many_rows": "more than {limit} rows of data ({found} read when the reading stopped): split the file, or "
    "raise VIGIE_MAX_ROWS",
    "cell_too_large": "the cell {cell} holds {found_kb} KB of text, above the limit of {limit_kb} KB a cell: "
    "check that cell, or raise VIGIE_MAX_CELL_KB",
    "long_row": "data row {row} is longer than {limit_mb} MB (a huge cell, or a quote never closed): check that "
    "row, or raise VIGIE_MAX_CELL_KB (a row may hold four cells at the limit)",
    "xlsx_too_large": "unpacked, the workbook would take {found_mb} MB, above the limit of {limit_mb} MB: split "
    "it, or raise VIGIE_MAX_XLSX_MB",
    "xlsx_part_too_large": "unpacked, the part {part} of the workbook would take {found_mb} MB, above the limit "
    "of {limit_mb} MB: split the workbook, or raise VIGIE_MAX_XLSX_PART_MB",
}
HINTS: dict[str, str] = {
    "closest": "Closest known name: {closest}?",
    "closest_many": "Closest known names: {closest_many}?",
}
"""Sentences a refusal adds when its detail of the same name is given (`missing_columns`: a title that looks like
a known column name)."""


def refusal_sentence(code: str, details: dict[str, str], words: dict[str, str] | None = None) -> str:
    """The refusal in words, with its hints: `words` is a label catalogue (`refusal_<code>`,
    `refusal_hint_<name>`), English (REFUSALS, HINTS) when None. Raises KeyError when a word is missing."""
    if words is None:
        words = {f"refusal_{c}": text for c, text in REFUSALS.items()}
        words |= {f"refusal_hint_{name}": text for name, text in HINTS.items()}
    hints = [words[f"refusal_hint_{name}"].format(**details) for name in HINTS if details.get(name)]
    return " ".join([words[f"refusal_{code}"].format(**details), *hints])


class ReadRefused(ValueError):
    """A file or sheet that cannot be read as a table: `code` names the problem, `details` fill its message."""

    def __init__(self, code: str, **details: object) -> None:
        self.code = code
        self.details = {name: str(value) for name, value in details.items()}
        super().__init__(refusal_sentence(code, self.details))
