"""Numbers, units, bands, scores and colours as a committee reads them (decimal comma in French)."""

from __future__ import annotations

import math

from reports.i18n import catalogue

SCORE_COLOURS = {1: "#c0392b", 2: "#d35400", 3: "#7cb342", 4: "#2e7d32"}
NO_SCORE_COLOUR = "#9e9e9e"
SHARE_UNITS = {"share", "ratio", "fraction"}
PERCENT_UNITS = SHARE_UNITS | {"rate_per_year"}
COUNT_UNITS = {"count", "meetings", "events", "reviews", "fairs"}
NBSP = "\u00a0"


def missing(value) -> bool:
    """True for None, NaN and pandas' missing markers."""
    try:
        return value is None or bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return True


def number(value, language: str, decimals: int = 1) -> str:
    """A number with the language's decimal mark and grouping (`1 234,5` in French, `1,234.5` in English)."""
    if missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # "-0" reads as a loss where there is none
    if language == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−")


def signed(value, language: str, decimals: int = 1) -> str:
    """A change with its sign (`+0,5`, `−1`, `±0`), empty when unknown."""
    if missing(value):
        return ""
    text = number(abs(float(value)), language, decimals)
    if text.strip("0,.\u202f") == "":
        return "±" + text
    return ("+" if float(value) > 0 else "−") + text


def measure(value, unit: str | None, language: str, decimals: int | None = None) -> str:
    """A metric value in its unit: shares as %, yearly rates as signed % a year, days, counts, kg, XOF."""
    if missing(value):
        return "–"
    t = catalogue(language)
    value = float(value)
    if unit in SHARE_UNITS:
        return t["unit_share"].format(n=number(value * 100, language, 0 if decimals is None else decimals))
    if unit == "rate_per_year":
        return t["unit_rate_per_year"].format(n=signed(value * 100, language, 0 if decimals is None else decimals))
    if unit == "points_per_year":
        text = signed(value * 100, language, 0 if decimals is None else decimals)
        return t["unit_points_per_year"].format(n=text)
    if unit in COUNT_UNITS:
        return number(value, language, 0 if decimals is None else decimals)
    if unit == "days":
        return t["unit_days"].format(n=number(value, language, 0 if decimals is None else decimals))
    if unit == "score":
        return t["unit_score"].format(n=number(value, language, 0 if decimals is None else decimals))
    if unit in ("kg", "xof", "xof_per_kg"):
        text = number(value, language, (1 if abs(value) < 100 else 0) if decimals is None else decimals)
        return t[f"unit_{unit}"].format(n=text)
    text = number(value, language, (1 if abs(value) < 100 else 0) if decimals is None else decimals)
    return f"{text} {unit or ''}".strip()


def quantity(value, unit: str | None, language: str) -> str:
    """A metric value with its unit (the name older callers use for `measure`)."""
    return measure(value, unit, language)


def value_decimals(value, unit: str | None, bounds: tuple) -> int | None:
    """One more decimal when rounding would put a share on its band's bound (49,6 % shown as 50 % in `< 50 %`)."""
    if missing(value) or unit not in PERCENT_UNITS:
        return None
    shown = round(float(value) * 100)
    for bound in bounds:
        if not missing(bound) and shown == round(float(bound) * 100) and not math.isclose(float(value), float(bound)):
            return 1
    return None


def band_text(low, high, unit: str | None, direction: str, language: str) -> str:
    """The band a value fell in, e.g. `50 % à 75 %`, `< 50 %`, `≥ 90 %`, `2–3` (counts), empty when unknown."""
    if missing(low) and missing(high):
        return ""
    t = catalogue(language)
    if unit in COUNT_UNITS and direction != "lower":
        lo = None if missing(low) else int(round(float(low)))
        hi = None if missing(high) else int(round(float(high))) - 1
        if lo is None:
            return t["band_at_most"].format(high=hi)
        if hi is None:
            return t["band_from"].format(low=lo)
        return str(lo) if lo >= hi else f"{lo}–{hi}"
    lo, hi = _bound(low, unit, language), _bound(high, unit, language)
    if missing(low):
        text = t["band_at_most" if direction == "lower" else "band_below"].format(high=hi)
    elif missing(high):
        text = t["band_above" if direction == "lower" else "band_from"].format(low=lo)
    else:
        text = t["band_between"].format(low=lo, high=hi)
    suffix = t.get(f"band_suffix_{unit}", "")
    return f"{text} {suffix}".strip()


def _bound(value, unit: str | None, language: str) -> str:
    """A band bound: shares and rates as %, other units as plain numbers (the unit is said once, after)."""
    if missing(value):
        return ""
    if unit in SHARE_UNITS:
        return f"{number(float(value) * 100, language, 0)}{NBSP}%"
    if unit == "rate_per_year":
        rate = float(value) * 100
        return f"{signed(rate, language, 0) if round(rate) else number(0, language, 0)}{NBSP}%"
    if unit == "points_per_year":
        points = float(value) * 100
        return signed(points, language, 0) if round(points) else number(0, language, 0)
    return number(value, language, 0 if float(value) == int(float(value)) else 2)


def score_colour(score) -> str:
    """The colour of a 1-4 score (rounded for axis means), grey when there is no score."""
    if missing(score):
        return NO_SCORE_COLOUR
    return SCORE_COLOURS[min(4, max(1, int(round(float(score)))))]


def percent(value, language: str) -> str:
    """A 0..1 share as a whole percentage (`75 %`), `–` when unknown."""
    return "–" if missing(value) else f"{number(float(value) * 100, language, 0)}{NBSP}%"
