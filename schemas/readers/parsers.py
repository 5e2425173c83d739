"""Typed values from text cells, vectorised (pyarrow compute): numbers as people write them (decimal comma,
thousands separators), whole numbers, yes/no words in French or English, dates in the usual forms. A cell that
cannot be read gives no value and is flagged, never guessed.

Each parser first tries pyarrow's own cast of the whole column (a clean column of ISO dates or plain decimals
costs one pass, as fast as a hand-written loop); a column holding any other form goes through the written forms,
each a regular expression and a cast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.chunks import TEXT

_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NUMBER_FORMS = (  # (pattern on the text without spaces, characters removed, decimal comma)
    (r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$", ".", True),  # 1.234,5  1.234.567
    (r"^[+-]?\d{1,3}(,\d{3}){2,}(\.\d*)?$|^[+-]?\d{1,3}(,\d{3})+\.\d*$", ",", False),  # 1,234,567  1,234.5
    (r"^[+-]?(\d+,\d*|,\d+)$", "", True),  # 1234,5 (a lone comma is a decimal comma)
    (_PLAIN_NUMBER, "", False),  # 1 234.5 once its spaces are gone
)
_ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"
_DATE_FORMS = (  # patterns with named parts y, m, d; a time after the date is ignored
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ].*)?$",
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?: .*)?$",
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?: .*)?$",
)


def _parse_text(text: pa.Array) -> tuple[pa.Array, None]:
    return text, None


def parse_numbers(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Numbers from text written `1234.5`, `1 234,5` (spaces, non-breaking spaces), `1.234,5` or `1,234.5`."""
    values = _other_numbers(text)
    return values, unread_cells(text, values)


def _other_numbers(text: pa.Array) -> pa.Array:
    """Plain decimals and exponents by pyarrow's cast, the other cells by the written forms; infinities and NaN give
    no value."""
    values = cast_or_forms(text, lambda cells: pc.cast(cells, pa.float64()), _PLAIN_NUMBER, _parse_number_forms)
    return pc.if_else(pc.or_kleene(pc.is_nan(values), pc.is_inf(values)), pa.scalar(None, pa.float64()), values)


def cast_or_forms(text: pa.Array, cast: Callable[[pa.Array], pa.Array], simple: str, forms) -> pa.Array:
    """`cast` of the whole column when every cell takes it (one pass); else `cast` of the cells matching the
    pattern `simple`, and `forms` (a function of the other cells) for the rest. A cell that looks simple but that
    the cast refuses (`2024-02-30`) sends the whole column to `forms`."""
    try:
        return cast(text)
    except pa.ArrowInvalid:
        pass
    plain = pc.fill_null(pc.match_substring_regex(text, simple), False)
    try:
        values = cast(pc.if_else(plain, text, pa.scalar(None, text.type)))
    except pa.ArrowInvalid:
        return forms(text)
    rest = pc.and_(pc.invert(plain), pc.is_valid(text))
    if not pc.any(rest).as_py():
        return values
    return pc.replace_with_mask(values, rest, forms(text.filter(rest)).cast(values.type))


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


TRUE_WORDS = ("true", "1", "yes", "oui", "vrai", "y", "o")
FALSE_WORDS = ("false", "0", "no", "non", "faux", "n")
_WORDS = pa.array(TRUE_WORDS + FALSE_WORDS, TEXT)
_TRUTH = pa.array([True] * len(TRUE_WORDS) + [False] * len(FALSE_WORDS))


def parse_yesno(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Booleans from yes/no words in French or English (oui, non, vrai, faux, 1, 0, ...), in any ASCII case."""
    values = _TRUTH.take(pc.index_in(pc.ascii_lower(text.cast(TEXT)), value_set=_WORDS))
    return values, unread_cells(text, values)


def parse_dates(text: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Dates written yyyy-mm-dd (a time may follow), dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy/mm/dd, of the years
    1900 to 2200."""
    parsed = cast_or_forms(text, _iso_dates, _ISO_DAY, _date_forms)
    values = pc.if_else(pc.fill_null(_plausible_year(parsed), False), parsed, pa.scalar(None, parsed.type))
    return values, unread_cells(text, values)


def _iso_dates(text: pa.Array) -> pa.Array:
    """Cells written exactly `yyyy-mm-dd` naming a real day, by pyarrow's strict cast (any other cell: ArrowInvalid)."""
    return pc.cast(pc.cast(text, pa.date32()), pa.timestamp("ns"))


def _plausible_year(parsed: pa.Array) -> pa.Array:
    """Years a campaign record can carry, 1900 to 2200 (a two-digit year read as year 24 is not one)."""
    first, after = (pa.scalar(datetime(year, 1, 1), pa.timestamp("s")).cast(parsed.type) for year in (1900, 2201))
    return pc.and_(pc.greater_equal(parsed, first), pc.less(parsed, after))


def _date_forms(text: pa.Array) -> pa.Array:
    """Dates in any accepted form (when the column is not all strict ISO)."""
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
