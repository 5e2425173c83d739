"""Numbers, scores and colours as a committee reads them (decimal comma in French)."""

from __future__ import annotations

import math

SCORE_COLOURS = {1: "#c0392b", 2: "#d35400", 3: "#7cb342", 4: "#2e7d32"}
NO_SCORE_COLOUR = "#9e9e9e"
SHARE_UNITS = {"share", "ratio", "fraction"}


def missing(value) -> bool:
    """True for None, NaN and pandas' missing markers."""
    try:
        return value is None or bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return True


def number(value, language: str, decimals: int = 1) -> str:
    """A number with the language's decimal mark and thin grouping (`1 234,5` in French)."""
    if missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def quantity(value, unit: str | None, language: str) -> str:
    """A metric value with its unit; shares are shown as percentages."""
    if missing(value):
        return "–"
    if unit in SHARE_UNITS:
        return f"{number(float(value) * 100, language, 0)} %"
    if unit in ("count", "meetings", "events", "reviews", "fairs"):
        return f"{number(value, language, 0)} {unit if unit != 'count' else ''}".strip()
    return f"{number(value, language, 1 if abs(float(value)) < 100 else 0)} {unit or ''}".strip()


def score_colour(score) -> str:
    """The colour of a 1-4 score (rounded for axis means), grey when there is no score."""
    if missing(score):
        return NO_SCORE_COLOUR
    return SCORE_COLOURS[min(4, max(1, int(round(float(score)))))]


def signed(value, language: str, decimals: int = 1) -> str:
    """A change with its sign (`+0,5`, `−1`), empty when unknown."""
    if missing(value):
        return ""
    sign = "+" if float(value) > 0 else ("−" if float(value) < 0 else "±")
    return sign + number(abs(float(value)), language, decimals)
