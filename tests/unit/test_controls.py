"""Which text cells hold a character they cannot hold (pyarrow's RE2 match), checked by hand and against a plain
Python search."""

from __future__ import annotations

import re

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from validations.controls import control_cells, first_control


def test_control_cells_finds_c0_del_c1_and_line_separators_and_lets_free_text_keep_its_breaks():
    cells = [
        "ok",
        "a\nb",
        "a\tb",
        "a\rb",
        "x\x85y",
        "é\u00a0«»",
        "a\u2028b",
        "a\u2029",
        "\u2027€",
        "d\x7f",
        None,
        "\x00",
    ]
    text = pa.array(cells, pa.large_string())
    assert control_cells(text).tolist() == [False, True, True, True, True, False, True, True, False, True, False, True]
    free = [False, False, False, False, True, False, True, True, False, True, False, True]
    assert control_cells(text, breaks=True).tolist() == free
    assert control_cells(pa.array(cells, pa.string())[1:4]).tolist() == [True, True, True], "a slice, small offsets"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("a\t\n\r\x01\x1f\x7f\x80\x9f\xa0é\u2027\u2028\u2029\u202f€", max_size=6), max_size=20))
def test_control_cells_agrees_with_a_plain_python_search(cells):
    strict = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
    loose = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
    text = pa.array(cells, pa.large_string())
    assert control_cells(text).tolist() == [bool(strict.search(c)) for c in cells]
    assert control_cells(text, breaks=True).tolist() == [bool(loose.search(c)) for c in cells]


def test_the_first_character_named_is_the_one_the_cell_cannot_hold():
    assert (first_control("Kétou\n"), first_control("a\tb", breaks=True), first_control("x\u2028")) == (
        "U+000A", "", "U+2028"
    )  # fmt: skip
