"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Keys are remembered as 64-bit hashes (Python's own string hash, computed in C over the whole chunk) with the row
number of their first row, in sorted runs whose sizes at least double from one run to the next (merging two runs
when they come close, as a log-structured merge does): ten million keys take 160 MB, a chunk is looked up with
one binary search per run (a handful), and every key is merged only a logarithmic number of times. Hashing and
sorting a chunk's own keys (`digest`) need no other chunk, so they run in the threads that prepare chunks; only
`repeats` must take the chunks in file order. A hash collision (about one chance in 10^12 per pair of rows) would
quarantine a row as a repeat of the row it names, where it can be checked."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Digest:
    """One chunk's tracked keys, sorted: `hashes` (sorted), the chunk position and row number of each, and
    `starts` (the first of each run of equal hashes)."""

    hashes: np.ndarray
    positions: np.ndarray
    rows: np.ndarray
    starts: np.ndarray


class KeyTracker:
    """Remembers the keys seen so far in a file and finds the rows that repeat one."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # sorted hashes and their first rows, largest first

    def digest(self, table: pa.Table, row_numbers: np.ndarray) -> Digest:
        """Hash and sort one chunk's keys (rows with an empty key part are not tracked). Needs no other chunk."""
        hashes, tracked = key_hashes([_array(table.column(c)) for c in self.columns])
        positions = np.flatnonzero(tracked)
        order = np.argsort(hashes[positions], kind="stable")
        ordered = hashes[positions][order]
        starts = np.ones(len(ordered), dtype=bool)
        starts[1:] = ordered[1:] != ordered[:-1]
        return Digest(ordered, positions[order], row_numbers[positions[order]], starts)

    def repeats(self, table: pa.Table, row_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `table` of rows whose key was already seen (in this chunk or an earlier one), and the row
        number of the first row with that key. Chunks come in file order."""
        return self.absorb(self.digest(table, row_numbers))

    def absorb(self, digest: Digest) -> tuple[np.ndarray, np.ndarray]:
        """`repeats` for a chunk already digested; chunks come in file order."""
        ordered, starts = digest.hashes, digest.starts
        first_rows = digest.rows[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        earlier = np.zeros(len(ordered), dtype=bool)
        for run, rows in self._runs:
            here = _contains(run, ordered) & ~earlier
            if here.any():
                first_rows[here] = rows[np.searchsorted(run, ordered[here])]
                earlier |= here
        new = starts & ~earlier
        self._add(ordered[new], digest.rows[new])
        repeated = ~new
        rows = digest.positions[repeated]
        firsts = first_rows[repeated]
        sort = np.argsort(rows)
        return rows[sort], firsts[sort]

    def _add(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        """A new sorted run; runs merge while the newest is at least half the size of the one before."""
        self._runs.append((hashes, rows))
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (new, new_rows), (old, old_rows) = self._runs.pop(), self._runs.pop()
            self._runs.append(_merge(old, old_rows, new, new_rows))


def _merge(old: np.ndarray, old_rows: np.ndarray, new: np.ndarray, new_rows: np.ndarray) -> tuple:
    """Two sorted runs (with their rows) as one: one linear pass, never a re-sort."""
    at = np.searchsorted(old, new) + np.arange(len(new))
    merged = np.empty(len(old) + len(new), dtype=old.dtype)
    merged_rows = np.empty(len(merged), dtype=old_rows.dtype)
    slots = np.ones(len(merged), dtype=bool)
    slots[at] = False
    merged[at], merged_rows[at] = new, new_rows
    merged[slots], merged_rows[slots] = old, old_rows
    return merged, merged_rows


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
