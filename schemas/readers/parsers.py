"""Typed values from text cells, vectorised (pyarrow compute): numbers as people write them (decimal comma,
thousands separators), whole numbers, yes/no words in French or English, dates in the usual forms. A cell that
cannot be read gives no value and is flagged, never guessed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.chunks import TEXT
from schemas.readers.compiled import iso_days, plain_decimals, yes_no

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


def _parse_text(text: pa.Array) -> tuple[pa.Array, None]:
    return text, None


def parse_numbers(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Numbers from text written `1234.5`, `1 234,5` (spaces, non-breaking spaces), `1.234,5` or `1,234.5`. Plain
    decimals are read by a compiled loop; only the other cells go through pyarrow's cast and the written forms."""
    numbers, read = plain_decimals(text)
    rest = ~read & text.is_valid().to_numpy(zero_copy_only=False)
    if rest.any():
        rows = np.flatnonzero(rest)
        others = _other_numbers(text.take(pa.array(rows)))
        read[rows] = others.is_valid().to_numpy(zero_copy_only=False)
        numbers[rows] = others.fill_null(0.0).to_numpy(zero_copy_only=False)
    values = pa.array(numbers, type=pa.float64(), mask=~read)
    return values, unread_cells(text, values)


def _other_numbers(text: pa.Array) -> pa.Array:
    """Cells that are not plain decimals: pyarrow's cast when every one of them takes it (exponents, long
    numbers), else the written forms; infinities and NaN give no value."""
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        values = _parse_number_forms(text)
    return pc.if_else(pc.or_kleene(pc.is_nan(values), pc.is_inf(values)), pa.scalar(None, pa.float64()), values)


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
    return pc.cast(values, pa.int64()), unread_cells(text, values)


def parse_yesno(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Booleans from yes/no words in French or English (oui, non, vrai, faux, 1, 0, ...), in any case."""
    truth, read = yes_no(text)
    values = pa.array(truth, type=pa.bool_(), mask=~read)
    return values, unread_cells(text, values)


def parse_dates(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Dates written yyyy-mm-dd (a time may follow), dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy/mm/dd."""
    values = _iso_dates(text)
    rest = pc.and_(pc.is_valid(text), pc.is_null(values))
    if pc.any(rest).as_py():
        rows = pa.array(np.flatnonzero(rest.to_numpy(zero_copy_only=False)))
        values = pc.replace_with_mask(values, rest, _date_forms(text.take(rows)))
    return values, unread_cells(text, values)


def _iso_dates(text: pa.Array) -> pa.Array:
    """The fast path: exactly `yyyy-mm-dd` (ten characters) naming a real day of a plausible year (compiled)."""
    days, read = iso_days(text)
    return pa.array(days * 86_400_000_000_000, type=pa.timestamp("ns"), mask=~read)


def _plausible_year(parsed: pa.Array) -> pa.Array:
    """Years a campaign record can carry (a two-digit year read as year 24 is not one)."""
    year = pc.year(parsed)
    return pc.and_(pc.greater_equal(year, 1900), pc.less_equal(year, 2200))


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


def unread_cells(text: pa.Array, values: pa.Array) -> pa.Array | None:
    """Cells that held something but gave no value (None when there is none)."""
    lost = pc.and_(pc.is_valid(text), pc.is_null(values))
    return lost if pc.any(lost).as_py() else None


PARSERS = {
    "text": _parse_text,
    "number": parse_numbers,
    "whole": parse_whole,
    "yesno": parse_yesno,
    "date": parse_dates,
}
