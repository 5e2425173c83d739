"""The parsers of cells (ISO dates, plain decimals, yes/no words, the cells worth trimming), against plain Python."""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.readers.cells import clean_text, needs_look
from schemas.readers.parsers import parse_dates

DIGITS = st.text("0123456789", min_size=1, max_size=4)
ISO_LIKE = st.builds(lambda y, m, d: f"{y}-{m}-{d}", DIGITS, DIGITS, DIGITS)
EDGES = st.sampled_from(
    ["1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29",
     "2024-04-31", "2024-00-10", "2024-12-00", "2024/01/05"]
)  # fmt: skip
CELLS = st.lists(
    st.one_of(st.none(), ISO_LIKE, EDGES, st.text(max_size=12), st.dates().map(date.isoformat)), max_size=40
)


def _expected_day(cell: str | None) -> int | None:
    if cell is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell):
        return None
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        return None
    return (day - date(1970, 1, 1)).days if 1900 <= day.year <= 2200 else None


@settings(max_examples=200, deadline=None)
@given(CELLS, st.integers(0, 3), st.booleans())
def test_iso_days_read_exactly_the_real_days_written_yyyy_mm_dd(cells, cut, large):
    text = pa.array(["pad"] * cut + cells, pa.large_string() if large else pa.string()).slice(cut)
    values, _ = parse_dates(text)
    found = [None if v is None else (v.date() - date(1970, 1, 1)).days for v in values.to_pylist()]
    iso = [cell is not None and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell) is not None for cell in cells]
    assert [f for f, i in zip(found, iso, strict=True) if i] == [
        _expected_day(c) for c, i in zip(cells, iso, strict=True) if i
    ]


@settings(max_examples=100, deadline=None)
@given(CELLS)
def test_parse_dates_gives_the_same_day_by_the_fast_path_or_the_slow_one(cells):
    """An ISO cell read by pyarrow's cast and the same day written dd/mm/yyyy, read by the regular expressions,
    come out equal."""
    iso = [cell if _expected_day(cell) is not None else None for cell in cells]
    french = [f"{c[8:10]}/{c[5:7]}/{c[0:4]}" if c else None for c in iso]
    fast, _ = parse_dates(pa.array(iso, pa.large_string()))
    slow, _ = parse_dates(pa.array(french, pa.large_string()))
    assert fast.to_pylist() == slow.to_pylist()
    assert all((v is None) == (c is None) for v, c in zip(fast.to_pylist(), iso, strict=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6), st.sampled_from([" x", "x ", "=1", "+a", "\u00a0x", ""])),
                max_size=40))  # fmt: skip
def test_needs_look_marks_every_cell_that_cleaning_changes(cells):
    text = pa.array(cells, pa.large_string())
    look = needs_look(text).to_pylist()
    everything, formulas = clean_text(text, look_all=True)
    changed = [a != b for a, b in zip(everything.to_pylist(), cells, strict=True)]
    formula = formulas.to_pylist() if formulas is not None else [False] * len(cells)
    assert all(seen for seen, c, f in zip(look, changed, formula, strict=True) if c or f)
    quick, quick_formulas = clean_text(text)
    assert quick.to_pylist() == everything.to_pylist()
    assert (quick_formulas is None) == (formulas is None)


PLAIN = st.from_regex(r"\A[+-]?[0-9]{0,18}(\.[0-9]{0,24})?\Z", fullmatch=True)
NUMBERS = st.lists(
    st.one_of(st.none(), PLAIN, st.sampled_from(["1e3", "1 234,5", "1.234,5", "1,234.5", "inf", "nan", "", " 7",
                                                 "1,5", "x", "12.", ".5", "-0", "1.234", "0.1", "9007199254740993"]),
              st.text("0123456789.,-+ e", max_size=10)),
    max_size=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PLAIN, max_size=30))
def test_plain_decimals_read_exactly_what_python_reads(cells):
    """Correctly rounded like Python's float() (pyarrow's cast); a cell without a digit gives no value."""
    from schemas.readers.parsers import parse_numbers

    values, _ = parse_numbers(pa.array(cells, pa.large_string()))
    for cell, value in zip(cells, values.to_pylist(), strict=True):
        ok = value is not None
        assert ok == any(c.isdigit() for c in cell), cell
        if ok:
            assert value == float(cell) and str(value) == str(float(cell)), cell  # the sign of zero too


@settings(max_examples=200, deadline=None)
@given(NUMBERS)
def test_parse_numbers_reads_each_cell_as_the_cast_or_the_written_forms_would_alone(cells):
    """Each cell gets the value the earlier whole-column reading gave it when read alone."""
    from schemas.readers.parsers import _other_numbers, parse_numbers

    values, _ = parse_numbers(pa.array(cells, pa.large_string()))
    alone = [None if c is None else _other_numbers(pa.array([c], pa.large_string()))[0].as_py() for c in cells]
    assert [None if v is None else str(v) for v in values.to_pylist()] == [None if v is None else str(v) for v in alone]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["oui", "NON", "Vrai", "faux", "yes", "No", "Y", "o", "1", "0",
                                                      "true", "FALSE", "", "ouí", "si", "n "]),
                          st.text("ouinOUINyesYESvraifx01", max_size=5)), max_size=30))  # fmt: skip
def test_yes_no_words_are_read_in_any_case(cells):
    from schemas.readers.parsers import FALSE_WORDS, TRUE_WORDS, parse_yesno

    values, _ = parse_yesno(pa.array(cells, pa.large_string()))
    expected = [
        None if c is None else True if c.lower() in TRUE_WORDS else False if c.lower() in FALSE_WORDS else None
        for c in cells
    ]
    assert values.to_pylist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(" \t\u00a0\u202f\u3000\u1680\u2003\x0bxé=", max_size=4)), max_size=30))
def test_blank_cells_are_those_only_spaces_of_any_kind(cells):
    from validations.rows import _blank

    expected = [cell is None or not cell.strip() for cell in cells]
    assert _blank(pa.array(cells, pa.large_string())).tolist() == expected
