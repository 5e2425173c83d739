"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Keys are remembered as 64-bit hashes (of the cells' bytes, computed with numpy over the whole chunk) with the row
number of their first row: each chunk keeps its new keys as one sorted run, and a filter of at least 4 slots per
key (one byte each: at most 80 MB at ten million keys) marks the slots of every hash seen. A key whose slot is
unmarked was never seen (most keys); only the others, about one in five, are looked up in the runs (binary
search), so nothing is merged or re-sorted as keys pile up. Ten million keys take 160 MB of runs. Hashing and
sorting a chunk's own keys (`digest`) need no other chunk, so they run in the threads that prepare chunks; only
`absorb` must take the chunks in file order. A hash collision (about one chance in 10^19 per pair of rows) would
quarantine a row as a repeat of the row it names, where it can be checked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of each row's key, and whether the key is complete (no part missing). Computed on the Arrow
    buffers with numpy (eight bytes at a time, no Python object per cell), so it runs in parallel threads."""
    complete = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        if column.null_count:
            complete &= column.is_valid().to_numpy(zero_copy_only=False)
    hashed = np.full(len(complete), len(columns), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            hashed = _mix(hashed * _ODD ^ _text_hash(column))
    return hashed.view(np.int64), complete


_ODD = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _text_hash(column: pa.Array) -> np.ndarray:
    """A 64-bit hash of each cell's bytes (text; other types are hashed as their text), its length included."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.large_string())
    kind = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=kind)[column.offset : column.offset + len(column) + 1]
    offsets = offsets.astype(np.int64)
    data = column.buffers()[2]
    padded = np.zeros(int(offsets[-1]) + 8, dtype=np.uint8)  # the cells' bytes, then 8 zero bytes
    if data is not None and offsets[-1] > 0:
        padded[: offsets[-1]] = np.frombuffer(data, dtype=np.uint8)[: offsets[-1]]
    words = np.ndarray((len(padded) - 7,), dtype=np.uint64, buffer=padded, strides=(1,))  # 8 bytes from each byte
    starts, lengths = offsets[:-1], np.diff(offsets)
    hashed = lengths.astype(np.uint64)
    for word in range(int((lengths.max() + 7) // 8) if len(lengths) else 0):
        left = np.clip(lengths - 8 * word, 0, 8).astype(np.uint64)  # this word's bytes that belong to the cell
        keep = np.where(left == 8, np.uint64(0xFFFFFFFFFFFFFFFF), (np.uint64(1) << (np.uint64(8) * left)) - 1)
        hashed = _mix(hashed * _ODD ^ (words[np.minimum(starts + 8 * word, len(words) - 1)] & keep))
    return hashed


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

    def __init__(self, columns: list[str], filter_slots: int = 1 << 16) -> None:
        self.columns = columns
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # per chunk: its new hashes (sorted) and their rows
        self._filter = np.zeros(filter_slots, dtype=bool)  # slots of the hashes seen (a power of two of them)
        self._count = 0

    def digest(self, table: pa.Table, row_numbers: np.ndarray) -> Digest:
        """Hash and sort one chunk's keys (rows with an empty key part are not tracked). Needs no other chunk."""
        hashes, tracked = key_hashes([_array(table.column(c)) for c in self.columns])
        positions = np.flatnonzero(tracked)
        order = np.argsort(hashes[positions])
        ordered = hashes[positions][order]
        same = ordered[1:] == ordered[:-1]
        if same.any():  # rows with equal keys (rare): in file order, so the first of each run is the first row
            tied = np.zeros(len(ordered), dtype=bool)
            tied[1:] |= same
            tied[:-1] |= same
            at = np.flatnonzero(tied)
            order[at] = order[at][np.lexsort((order[at], ordered[at]))]
        starts = np.ones(len(ordered), dtype=bool)
        starts[1:] = ~same
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
        if self._runs:
            maybe = np.flatnonzero(self._filter[_slots(ordered, len(self._filter))])  # a key never seen stops here
            candidates, found = ordered[maybe], np.zeros(len(maybe), dtype=bool)
            for run, rows in self._runs:  # each key lives in one run: the chunk where it first came
                here = _contains(run, candidates) & ~found
                if here.any():
                    first_rows[maybe[here]] = rows[np.searchsorted(run, candidates[here])]
                    found |= here
            earlier[maybe] = found
        new = starts & ~earlier
        self._add(ordered[new], digest.rows[new])
        repeated = ~new
        rows = digest.positions[repeated]
        firsts = first_rows[repeated]
        sort = np.argsort(rows)
        return rows[sort], firsts[sort]

    def _add(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        """A new sorted run, and its keys marked in the filter (doubled as needed to keep 4 slots per key or more)."""
        self._runs.append((hashes, rows))
        self._count += len(hashes)
        if len(self._filter) < 4 * self._count:
            size = len(self._filter)
            while size < 4 * self._count:
                size *= 2
            self._filter = np.zeros(size, dtype=bool)
            for run, _ in self._runs:
                self._filter[_slots(run, size)] = True
        else:
            self._filter[_slots(hashes, len(self._filter))] = True


def _slots(hashes: np.ndarray, size: int) -> np.ndarray:
    """Each hash's slot in a filter of `size` (a power of two) slots: its low bits, well mixed already."""
    return (hashes.view(np.uint64) & np.uint64(size - 1)).astype(np.intp)


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
