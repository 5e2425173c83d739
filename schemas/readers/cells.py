"""Bring text cells to the contract's types, vectorised: numbers with a decimal comma or thousands separators,
dates `dd/mm/yyyy` or ISO, yes/no words in French or English. Cells that cannot be read become missing and are
listed as problems (row, column, code, value as sent), so nothing is guessed silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.chunks import TEXT
from schemas.tables import CONTRACTS

TRUE_WORDS = ("true", "1", "yes", "oui", "vrai", "y", "o")
FALSE_WORDS = ("false", "0", "no", "non", "faux", "n")
PROBLEM_COLUMNS = ["row", "column", "code", "value"]
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NUMBER_FORMS = (  # (pattern on the text without spaces, characters removed, decimal comma)
    (r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$", ".", True),  # 1.234,5  1.234.567
    (r"^[+-]?\d{1,3}(,\d{3}){2,}(\.\d*)?$|^[+-]?\d{1,3}(,\d{3})+\.\d*$", ",", False),  # 1,234,567  1,234.5
    (r"^[+-]?(\d+,\d*|,\d+)$", "", True),  # 1234,5 (a lone comma is a decimal comma)
    (_PLAIN_NUMBER, "", False),  # 1 234.5 once its spaces are gone
)
_DATE_FORMS = (  # patterns with named parts y, m, d; a time after the date is ignored
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ].*)?$",
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?: .*)?$",
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?: .*)?$",
)
_FORMULA = r"^([=@]|[+-][^0-9.,\s])"
_YESNO_AS_TYPED = pa.array(
    [form(word) for word in TRUE_WORDS + FALSE_WORDS for form in (str.lower, str.upper, str.capitalize)] + [None],
    type=TEXT,
)
_MASKED = {pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def contract_kinds(table: str) -> dict[str, str]:
    """Each contract column's kind: text, number, whole, yesno or date."""
    kinds = {"Float64": "number", "Int64": "whole", "boolean": "yesno"}
    return {
        name: "date" if "datetime" in str(column.dtype) else kinds.get(str(column.dtype), "text")
        for name, column in CONTRACTS[table].to_schema().columns.items()
    }


def normalise_cells(table: str, cells: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contract's columns typed (a missing column comes out empty), and the problems found on the way."""
    typed, problems = read_cells(table, cells)
    return to_frame(typed), problems


def to_frame(typed: pa.Table) -> pd.DataFrame:
    """A typed arrow table as pandas with the contract's dtypes (nullable numbers and booleans)."""
    return typed.to_pandas(types_mapper=_MASKED.get)


def read_cells(table: str, cells: pa.Table) -> tuple[pa.Table, pd.DataFrame]:
    """The contract's columns typed, as arrow, and the problems found (rows are positions in `cells`)."""
    typed: dict[str, pa.Array] = {}
    problems: list[pd.DataFrame] = []
    for name, kind in contract_kinds(table).items():
        raw = cells.column(name).combine_chunks() if name in cells.column_names else pa.nulls(cells.num_rows, TEXT)
        values, bad, formula = parse_column(raw, kind)
        if formula is not None:
            problems.append(_problems(formula, name, "formula", raw))
        typed[name] = values
        if bad is not None:
            problems.append(_problems(bad, name, f"not_{kind}", raw))
    found = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pa.table(typed), found


def parse_column(raw: pa.Array, kind: str) -> tuple[pa.Array, pa.Array | None, pa.Array | None]:
    """Typed values, the mask of cells that could not be read, the mask of formula cells (None when none).

    Numbers, dates and yes/no words are first read as they come; only the cells that fail are trimmed and
    read again, so a clean column costs one pass."""
    if raw.type != TEXT:
        raw = raw.cast(TEXT)
    if kind == "text":
        text, formula = clean_text(raw)
        return text, None, formula
    values, bad = _PARSERS[kind](raw)
    if bad is None:
        return values, None, None
    rows = pa.array(np.flatnonzero(bad.to_numpy(zero_copy_only=False)))
    text, formula = clean_text(raw.take(rows), look_all=True)
    again, _ = _PARSERS[kind](text)
    values = pc.replace_with_mask(values, bad, again.cast(values.type))
    lost = _lost(pc.replace_with_mask(raw, bad, text), values)
    if formula is None:
        return values, lost, None
    mask = np.zeros(len(raw), dtype=bool)
    mask[rows.to_numpy()[formula.to_numpy(zero_copy_only=False)]] = True
    lost = pc.and_(lost, pc.invert(pa.array(mask))) if lost is not None else None
    return values, lost if lost is not None and pc.any(lost).as_py() else None, pa.array(mask)


def clean_text(raw: pa.Array, look_all: bool = False) -> tuple[pa.Array, pa.Array | None]:
    """Cells without surrounding spaces (non-breaking ones too), empty cells missing, formulas removed; with the
    mask of formula cells (None when there is none). Only rows whose first or last byte asks for it are looked
    at closely, so a clean column costs two byte lookups per cell."""
    if raw.type != TEXT:
        raw = raw.cast(TEXT)
    look = np.ones(len(raw), dtype=bool) if look_all else _needs_look(raw)
    if not look.any():
        return raw, None
    rows = pa.array(np.flatnonzero(look))
    some = raw.take(rows)
    trimmed = pc.utf8_trim(pc.utf8_trim_whitespace(some), "\u00a0\u202f\ufeff")
    formula = pc.fill_null(pc.match_substring_regex(trimmed, _FORMULA), False)
    empty = pc.or_(pc.equal(trimmed, ""), formula)
    fixed = pc.if_else(empty, pa.scalar(None, TEXT), trimmed)
    text = pc.replace_with_mask(raw, pa.array(look), fixed)
    if not pc.any(formula).as_py():
        return text, None
    mask = np.zeros(len(raw), dtype=bool)
    mask[np.flatnonzero(look)[formula.to_numpy(zero_copy_only=False)]] = True
    return text, pa.array(mask)


_LEADING = np.zeros(256, dtype=bool)
_LEADING[[ord(c) for c in " \t\r\n=@+-"] + [0xC2, 0xE2, 0xEF]] = True  # spaces, formulas, NBSP/NNBSP/BOM lead bytes
_TRAILING = np.zeros(256, dtype=bool)
_TRAILING[[ord(c) for c in " \t\r\n"] + [0xA0, 0xAF, 0xBF]] = True  # spaces, NBSP/NNBSP/BOM last bytes


def _offsets(text: pa.Array) -> np.ndarray:
    """Where each cell's bytes start and end (string or large string)."""
    kind = np.int64 if pa.types.is_large_string(text.type) else np.int32
    return np.frombuffer(text.buffers()[1], dtype=kind)[text.offset : text.offset + len(text) + 1]


def _needs_look(raw: pa.Array) -> np.ndarray:
    """Rows whose text is empty, or starts or ends with a byte that may be a space or a formula sign."""
    offsets = _offsets(raw)
    lengths = np.diff(offsets)
    data = raw.buffers()[2]
    if data is None or len(data) == 0:
        look = lengths == 0
    else:
        bytes_ = np.frombuffer(data, dtype=np.uint8)
        last = len(bytes_) - 1
        first = bytes_[np.minimum(offsets[:-1], last)]
        final = bytes_[np.clip(offsets[1:] - 1, 0, last)]
        look = (lengths == 0) | _LEADING[first] | _TRAILING[final]
    if raw.null_count:
        look &= raw.is_valid().to_numpy(zero_copy_only=False)
    return look


def _parse_text(text: pa.Array) -> tuple[pa.Array, None]:
    return text, None


def parse_numbers(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Numbers from text written `1234.5`, `1 234,5` (spaces, non-breaking spaces), `1.234,5` or `1,234.5`."""
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        values = _parse_number_forms(text)
    values = pc.if_else(pc.or_kleene(pc.is_nan(values), pc.is_inf(values)), pa.scalar(None, pa.float64()), values)
    return values, _lost(text, values)


def _parse_number_forms(text: pa.Array) -> pa.Array:
    compact = pc.replace_substring_regex(text, "[\\s\u00a0\u202f']", "")
    values = pa.nulls(len(text), pa.float64())
    for pattern, removed, decimal_comma in _NUMBER_FORMS:
        todo = pc.and_(pc.is_null(values), pc.match_substring_regex(compact, pattern))
        if not pc.any(todo).as_py():
            continue
        candidate = pc.if_else(todo, compact, pa.scalar(None, TEXT))
        if removed:
            candidate = pc.replace_substring(candidate, removed, "")
        if decimal_comma:
            candidate = pc.replace_substring(candidate, ",", ".")
        values = pc.if_else(todo, pc.cast(candidate, pa.float64()), values)
    return values


def parse_whole(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Whole numbers (`12`, `12.0`, `1 200`); a fraction is a problem."""
    values, _ = parse_numbers(text)
    whole = pc.equal(pc.floor(values), values)
    values = pc.if_else(whole, values, pa.scalar(None, pa.float64()))
    return pc.cast(values, pa.int64()), _lost(text, values)


def parse_yesno(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Booleans from yes/no words in French or English (oui, non, vrai, faux, 1, 0, ...)."""
    words = text if pc.all(pc.is_in(text, _YESNO_AS_TYPED)).as_py() else pc.utf8_lower(text)
    words = pc.if_else(pc.equal(words, ""), pa.scalar(None, TEXT), words)
    values = pc.if_else(
        pc.is_in(words, pa.array(TRUE_WORDS, type=TEXT)),
        True,
        pc.if_else(pc.is_in(words, pa.array(FALSE_WORDS, type=TEXT)), False, pa.scalar(None, pa.bool_())),
    )
    return values, _lost(text, values)


def parse_dates(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Dates written yyyy-mm-dd (a time may follow), dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy/mm/dd."""
    values = _iso_dates(text)
    rest = pc.and_(pc.is_valid(text), pc.is_null(values))
    if pc.any(rest).as_py():
        rows = pa.array(np.flatnonzero(rest.to_numpy(zero_copy_only=False)))
        values = pc.replace_with_mask(values, rest, _date_forms(text.take(rows)))
    return values, _lost(text, values)


def _iso_dates(text: pa.Array) -> pa.Array:
    """The fast path: exactly `yyyy-mm-dd` (ten characters) naming a real day."""
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    exact = pc.and_(pc.equal(pc.binary_length(text), 10), pc.equal(pc.day(parsed), pa.array(_iso_day(text))))
    keep = pc.and_(exact, _plausible_year(parsed))
    return pc.cast(pc.if_else(pc.fill_null(keep, False), parsed, pa.scalar(None, parsed.type)), pa.timestamp("ns"))


def _plausible_year(parsed: pa.Array) -> pa.Array:
    """Years a campaign record can carry (a two-digit year read as year 24 is not one)."""
    year = pc.year(parsed)
    return pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2200))


def _iso_day(text: pa.Array) -> np.ndarray:
    """The day written in the last two characters of ten-character cells (-1 elsewhere)."""
    offsets = _offsets(text)
    day = np.full(len(text), -1, dtype=np.int64)
    data = text.buffers()[2]
    ten = np.diff(offsets) == 10
    if data is None or not ten.any():
        return day
    digits = np.frombuffer(data, dtype=np.uint8)
    ends = offsets[1:][ten]
    day[ten] = (digits[ends - 2].astype(np.int64) - 48) * 10 + digits[ends - 1].astype(np.int64) - 48
    return day


def _date_forms(text: pa.Array) -> pa.Array:
    """Dates in any accepted form (the slow path, for the rows the fast path did not read)."""
    values = pa.nulls(len(text), pa.timestamp("ns"))
    for pattern in _DATE_FORMS:
        todo = pc.and_(pc.is_null(values), pc.match_substring_regex(text, pattern))
        if not pc.any(todo).as_py():
            continue
        parts = pc.extract_regex(pc.if_else(todo, text, pa.scalar(None, TEXT)), pattern)
        year, month, day = (pc.struct_field(parts, name) for name in ("y", "m", "d"))
        iso = pc.binary_join_element_wise(
            year, pc.utf8_lpad(month, 2, "0"), pc.utf8_lpad(day, 2, "0"), pa.scalar("-", TEXT)
        )
        parsed = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
        exact = pc.and_(  # strptime rolls 31/02 over to March: keep only dates that read back the same
            pc.equal(pc.day(parsed), pc.cast(day, pa.int64())),
            pc.equal(pc.month(parsed), pc.cast(month, pa.int64())),
        )
        good = pc.and_(todo, pc.fill_null(pc.and_(exact, _plausible_year(parsed)), False))
        kept = pc.if_else(good, parsed, pa.scalar(None, parsed.type))
        values = pc.if_else(good, pc.cast(kept, pa.timestamp("ns")), values)
    return values


def _lost(text: pa.Array, values: pa.Array) -> pa.Array | None:
    """Cells that held something but gave no value (None when there is none)."""
    lost = pc.and_(pc.is_valid(text), pc.is_null(values))
    return lost if pc.any(lost).as_py() else None


def _problems(mask: pa.Array, column: str, code: str, raw: pa.Array) -> pd.DataFrame:
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    return pd.DataFrame(
        {"row": rows, "column": column, "code": code, "value": raw.take(pa.array(rows)).to_pylist()},
        columns=PROBLEM_COLUMNS,
    )


_PARSERS = {
    "text": _parse_text,
    "number": parse_numbers,
    "whole": parse_whole,
    "yesno": parse_yesno,
    "date": parse_dates,
}
