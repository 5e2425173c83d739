"""Numbers said in plain sentences for a committee: one sentence per indicator, plurals, regularity in words."""

from __future__ import annotations

from reports.formatting import NBSP, measure, missing, number, signed

REGULAR_CV = 0.25
"""Weekly volumes whose coefficient of variation is below this are "about the same every week"."""
VARIABLE_CV = 0.6
"""At or above this, deliveries "vary a lot from one week to the next"; between the two, "vary somewhat"."""
FLAT_GROWTH = 0.005
"""A yearly growth rate smaller than half a percent, either way, is said as "stable"."""


def counted(n, key: str, t: dict, language: str, **more: object) -> str:
    """`n` and its noun, singular or plural from the catalogue (`{key}_one`, `{key}_many`): `1 ligne`, `2 lignes`;
    `more` fills the text's other fields (`of` in `3 indicateurs notés sur 4`).

    French takes the singular below 2 (0 and 1), English only for 1.
    """
    value = 0 if missing(n) else float(n)
    one = abs(value) < 2 if language == "fr" else abs(value) == 1
    decimals = 0 if value == int(value) else 1
    return t[f"{key}_one" if one else f"{key}_many"].format(n=number(value, language, decimals), **more)


def share_words(value: float, language: str, t: dict) -> str:
    """A 0..1 share as a reader says it: `la moitié` for exactly a half, else `42 %`."""
    if round(float(value) * 100) == 50:
        return t["share_half"]
    return f"{number(float(value) * 100, language, 0)}{NBSP}%"


def indicator_sentence(row: dict, language: str, t: dict) -> str:
    """What an indicator's value means, in one sentence from the catalogue (`say_<id>`); empty without a value.

    Growth rates choose between `say_<id>_up`, `_down` and `_flat`; an indicator without a sentence of its own
    falls back to its value in its unit, and one without a value but with a known reason says the reason.
    """
    indicator, value, unit = str(row.get("indicator_id")), row.get("value"), row.get("unit")
    if missing(value):
        reason = row.get("reason")
        return _capital(t[f"reason_{reason}"]) + "." if not missing(reason) and f"reason_{reason}" in t else ""
    value = float(value)
    if unit == "rate_per_year":
        way = "flat" if abs(value) < FLAT_GROWTH else ("up" if value > 0 else "down")
        key = f"say_{indicator}_{way}"
        shown = f"{number(abs(value) * 100, language, 0)}{NBSP}%"
    elif unit == "points_per_year":
        way = "flat" if abs(value) < FLAT_GROWTH else ("up" if value > 0 else "down")
        key = f"say_{indicator}_{way}"
        shown = counted(round(abs(value) * 100), "n_points", t, language)
    elif unit in ("share", "ratio", "fraction"):
        key, shown = f"say_{indicator}", share_words(value, language, t)
    elif unit == "days":
        key = f"say_{indicator}_before" if value <= 0 else f"say_{indicator}"
        shown = counted(abs(value), "n_days", t, language)
    else:
        key = f"say_{indicator}"
        counts = f"n_{indicator}_one" in t
        shown = counted(value, f"n_{indicator}", t, language) if counts else number(value, language, 0)
    if key not in t:
        return measure(value, unit, language)
    return _capital(t[key].format(v=shown, signed=signed(value * 100, language, 0)))


def regularity_words(cv, t: dict) -> str:
    """How much weekly deliveries vary, in words (the coefficient of variation stays out of the sentence)."""
    if missing(cv):
        return "–"
    if float(cv) < REGULAR_CV:
        return t["qqrp_cv_regular"]
    return t["qqrp_cv_some" if float(cv) < VARIABLE_CV else "qqrp_cv_much"]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
