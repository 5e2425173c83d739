"""Cells that Vigie writes to a spreadsheet (CSV or XLSX) never run as formulas (OWASP, "CSV injection")."""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def neutral(value: object) -> str:
    """A cell's text for a spreadsheet: empty when missing; a text starting with = + - @, a tab or a carriage return
    gets a leading apostrophe, so no spreadsheet runs it. A text that is only a number (`-4`, `+1,5`) is left as it
    is (a number runs nothing), and numbers are never touched."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
