"""Loops over the bytes of text cells, compiled with numba (they release the GIL, so chunks are read in parallel
threads): the look at each cell's first and last byte, and the fast paths for ISO dates, plain decimals and yes/no
words. Each takes Arrow buffers as numpy views (`cell_buffers`), never a Python object per cell."""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa

LEADING = np.zeros(256, dtype=np.bool_)
LEADING[[ord(c) for c in " \t\r\n\v\f=@+-"] + [0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True
"""First bytes that may start a space (any Unicode one: NBSP, NNBSP, ideographic...), a formula sign or a BOM."""
TRAILING = np.zeros(256, dtype=np.bool_)
TRAILING[[ord(c) for c in " \t\r\n"] + [0xA0, 0xAF, 0xBF]] = True  # spaces, NBSP/NNBSP/BOM last bytes


def cell_buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Where each cell's bytes start and end (int64, one more than cells), and the bytes (string or large string)."""
    kind = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=kind)[text.offset : text.offset + len(text) + 1]
    data = text.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets.astype(np.int64, copy=False), data  # a large string's offsets are used as they are, not copied


def needs_look(text: pa.Array) -> np.ndarray:
    """Cells that are empty, or start or end with a byte that may be a space or a formula sign (nulls: False)."""
    offsets, data = cell_buffers(text)
    look = _edges(offsets, data, LEADING, TRAILING)
    if text.null_count:
        look &= text.is_valid().to_numpy(zero_copy_only=False)
    return look


def plain_decimals(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The cells written as a plain decimal (`-12`, `0.5`, `+.25`, `1.`; at most 15 significant digits and 22
    decimals), read exactly as pyarrow's cast reads them (one correctly rounded division), and which cells those
    are; any other cell is left to the slower parsers."""
    offsets, data = cell_buffers(text)
    return _plain_decimals(offsets, data, _POWERS)


def yes_no(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's truth for the yes/no words (`TRUE_WORDS`, `FALSE_WORDS`, in any ASCII case), and which cells
    are one of them."""
    offsets, data = cell_buffers(text)
    return _yes_no(offsets, data, _WORD_BYTES, _WORD_OFFSETS, _WORD_TRUTH)


TRUE_WORDS = ("true", "1", "yes", "oui", "vrai", "y", "o")
FALSE_WORDS = ("false", "0", "no", "non", "faux", "n")
_WORD_BYTES = np.frombuffer("".join(TRUE_WORDS + FALSE_WORDS).encode(), dtype=np.uint8)
_WORD_OFFSETS = np.cumsum([0, *(len(w) for w in TRUE_WORDS + FALSE_WORDS)]).astype(np.int64)
_WORD_TRUTH = np.array([True] * len(TRUE_WORDS) + [False] * len(FALSE_WORDS))
_POWERS = np.array([10.0**k for k in range(23)])  # each exact in a double


def iso_days(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 of the cells written exactly `yyyy-mm-dd` naming a real day of the years 1900 to 2200,
    and which cells those are; any other cell is left to the slower parsers."""
    offsets, data = cell_buffers(text)
    return _iso_days(offsets, data)


@numba.njit(nogil=True, cache=True)
def _edges(offsets, data, leading, trailing):  # pragma: no cover - compiled; tested through needs_look
    look = np.empty(len(offsets) - 1, np.bool_)
    for i in range(len(look)):
        start, end = offsets[i], offsets[i + 1]
        look[i] = end == start or leading[data[start]] or trailing[data[end - 1]]
    return look


@numba.njit(nogil=True, cache=True)
def _iso_days(offsets, data):  # pragma: no cover - compiled; tested through iso_days
    cells = len(offsets) - 1
    days = np.zeros(cells, np.int64)
    read = np.zeros(cells, np.bool_)
    for i in range(cells):
        at = offsets[i]
        if offsets[i + 1] - at != 10 or data[at + 4] != 45 or data[at + 7] != 45:  # 45: "-"
            continue
        digits = True
        for k in (0, 1, 2, 3, 5, 6, 8, 9):
            digits = digits and 48 <= data[at + k] <= 57
        if not digits:
            continue
        year = (data[at] - 48) * 1000 + (data[at + 1] - 48) * 100 + (data[at + 2] - 48) * 10 + data[at + 3] - 48
        month = (data[at + 5] - 48) * 10 + data[at + 6] - 48
        day = (data[at + 8] - 48) * 10 + data[at + 9] - 48
        if year < 1900 or year > 2200 or month < 1 or month > 12 or day < 1 or day > _month_days(year, month):
            continue
        days[i] = _days_from_civil(year, month, day)
        read[i] = True
    return days, read


@numba.njit(nogil=True, cache=True, inline="always")
def _month_days(year, month):  # pragma: no cover - compiled
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


@numba.njit(nogil=True, cache=True, inline="always")
def _days_from_civil(year, month, day):  # pragma: no cover - compiled
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return era * 146097 + of_cycle - 719468


@numba.njit(nogil=True, cache=True)
def _plain_decimals(offsets, data, powers):  # pragma: no cover - compiled; tested through plain_decimals
    cells = len(offsets) - 1
    values = np.zeros(cells, np.float64)
    read = np.zeros(cells, np.bool_)
    for i in range(cells):
        at, end = offsets[i], offsets[i + 1]
        negative = at < end and data[at] == 45  # "-"
        if at < end and (data[at] == 45 or data[at] == 43):  # "-" or "+"
            at += 1
        mantissa, significant, decimals, digits, dot, plain = 0, 0, 0, 0, False, True
        while at < end:
            byte = data[at]
            if 48 <= byte <= 57:
                digits += 1
                significant += 1 if mantissa > 0 or byte != 48 else 0
                mantissa = mantissa * 10 + (byte - 48) if significant <= 15 else mantissa
                decimals += 1 if dot else 0
            elif byte == 46 and not dot:  # "."
                dot = True
            else:
                plain = False
                break
            at += 1
        if not plain or digits == 0 or significant > 15 or decimals > 22:
            continue
        value = mantissa / powers[decimals]
        values[i] = -value if negative else value
        read[i] = True
    return values, read


@numba.njit(nogil=True, cache=True)
def _yes_no(offsets, data, words, word_offsets, truth):  # pragma: no cover - compiled; tested through yes_no
    cells = len(offsets) - 1
    values = np.zeros(cells, np.bool_)
    read = np.zeros(cells, np.bool_)
    for i in range(cells):
        at, length = offsets[i], offsets[i + 1] - offsets[i]
        for w in range(len(truth)):
            if word_offsets[w + 1] - word_offsets[w] != length:
                continue
            same = True
            for k in range(length):
                byte = data[at + k]
                byte = byte + 32 if 65 <= byte <= 90 else byte  # ASCII lower case
                if byte != words[word_offsets[w] + k]:
                    same = False
                    break
            if same:
                values[i] = truth[w]
                read[i] = True
                break
    return values, read
