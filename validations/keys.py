"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Keys are remembered as 64-bit hashes (Python's own string hash, computed in C over the whole chunk) with the row
number of their first row, sorted: ten million keys take 160 MB and each chunk costs one sort and one binary
search. A hash collision (about one chance in 10^12 per pair of rows) would quarantine a row as a repeat of the
row it names, where it can be checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of each row's key, and whether the key is complete (no part missing)."""
    complete = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        if column.null_count:
            complete &= column.is_valid().to_numpy(zero_copy_only=False)
    values = [column.to_numpy(zero_copy_only=False) for column in columns]
    rows = values[0] if len(values) == 1 else zip(*values, strict=True)
    return np.fromiter(map(hash, rows), dtype=np.int64, count=len(complete)), complete


class KeyTracker:
    """Remembers the keys seen so far in a file and finds the rows that repeat one."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._hashes = np.empty(0, dtype=np.int64)  # every key seen, sorted
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: its new keys (sorted) and their rows

    def repeats(self, table: pa.Table, row_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `table` of rows whose key was already seen (in this chunk or an earlier one), and the row
        number of the first row with that key; rows with an empty key part are not tracked."""
        hashes, tracked = key_hashes([_array(table.column(c)) for c in self.columns])
        positions = np.flatnonzero(tracked)
        order = np.argsort(hashes[positions], kind="stable")
        ordered = hashes[positions][order]
        rows_in_order = row_numbers[positions[order]]
        starts = np.ones(len(ordered), dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        first_rows = rows_in_order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        earlier = _contains(self._hashes, ordered)
        if earlier.any():
            first_rows[earlier] = self._first_rows(ordered[earlier])
        new = starts & ~earlier
        self._hashes = _merge(self._hashes, ordered[new])
        self._runs.append((ordered[new], rows_in_order[new]))
        repeated = ~new
        rows = positions[order[repeated]]
        firsts = first_rows[repeated]
        sort = np.argsort(rows)
        return rows[sort], firsts[sort]

    def _first_rows(self, hashes: np.ndarray) -> np.ndarray:
        """The row number of the first row with each of these (already seen) hashes."""
        found = np.zeros(len(hashes), dtype=np.int64)
        for run, rows in self._runs:
            here = _contains(run, hashes) & (found == 0)
            if here.any():
                found[here] = rows[np.searchsorted(run, hashes[here])]
        return found


def _merge(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Two sorted arrays as one sorted array: one linear pass, never a re-sort."""
    at = np.searchsorted(old, new) + np.arange(len(new))
    merged = np.empty(len(old) + len(new), dtype=old.dtype)
    slots = np.ones(len(merged), dtype=bool)
    slots[at] = False
    merged[at] = new
    merged[slots] = old
    return merged


def _contains(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which `values` are in `sorted_values`."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def key_text(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> pd.Series:
    """Each row's natural key as one text (`a|b`), missing where a part of the key is missing."""
    parts = [frame[c].astype("str") for c in columns]
    text = parts[0]
    for part in parts[1:]:
        text = text + "|" + part
    complete = frame[list(columns)].notna().all(axis=1)
    return text.where(complete)
