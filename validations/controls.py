"""Invisible characters in text cells: a line break, a tab or another control character in an id, a name or a code
breaks what is built from it later (an e-mail subject, a file name, a report line), so the row is quarantined. Free
text columns (rules.yaml, `control_characters.free_text`) may keep tabs and line breaks, never the other ones."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.readers.cells import contract_kinds
from validations.problems import combine, problems_frame
from validations.rules import Rules

CODE = "control_character"
_CLASS = {
    False: r"[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}]",
    True: r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{2028}\x{2029}]",  # tab, line feed, return belong
}
"""The characters a cell cannot hold, in RE2's syntax (pyarrow) and, below, Python's (same class)."""
_FIRST = {breaks: re.compile(pattern.replace("x{", "u").replace("}", "")) for breaks, pattern in _CLASS.items()}


def control_cells(text: pa.Array, breaks: bool = False) -> np.ndarray:
    """Cells holding a control character (C0, DEL, C1) or a line or paragraph separator (U+2028, U+2029); with
    `breaks`, a tab, a line feed and a carriage return are allowed (free text). Nulls: False. Only the cells that
    are not plain printable ASCII (pyarrow's `ascii_is_printable`, 0.02 s on 2 M ids) go through pyarrow's RE2
    match (0.11 s on 2 M cells; a compiled byte loop measured beside it was not worth a kernel)."""
    found = np.zeros(len(text), dtype=bool)
    suspect = np.flatnonzero(pc.invert(pc.ascii_is_printable(text)).fill_null(False).to_numpy(zero_copy_only=False))
    if len(suspect):
        matched = pc.match_substring_regex(text.take(pa.array(suspect)), _CLASS[breaks])
        found[suspect] = matched.fill_null(False).to_numpy(zero_copy_only=False)
    return found


def control_problems(table: str, typed: pa.Table, rules: Rules) -> pd.DataFrame:
    """One problem per text cell of `typed` holding a character it cannot hold; the detail names the first one
    (`U+000A`)."""
    free = set(rules.free_text.get(table, ()))
    found = []
    for column, kind in contract_kinds(table).items():
        if kind == "text" and column in typed.column_names:
            rows = np.flatnonzero(control_cells(typed.column(column).combine_chunks(), column in free))
            if len(rows):
                values = typed.column(column).take(pa.array(rows)).to_pylist()
                found.append(
                    problems_frame(rows, column, CODE, values, [first_control(v, column in free) for v in values])
                )
    return combine(found)


def first_control(value: str, breaks: bool = False) -> str:
    """The first character `value` cannot hold, as a code point (`U+000A`)."""
    found = _FIRST[breaks].search(value)
    return f"U+{ord(found.group()):04X}" if found else ""
