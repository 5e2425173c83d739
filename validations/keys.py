"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Keys are remembered as 64-bit hashes of the cells' bytes, with the row number of their first row, in one
open-addressing hash table (linear probing, kept at most 60 % full: about 200 MB at ten million keys). Hashing a
chunk's keys (`digest`) needs no other chunk, so it runs in the threads that prepare chunks; only `absorb`, one
look-up or insertion per row, must take the chunks in file order. Both loops are compiled with numba and release
the GIL. A hash collision (about one chance in 10^19 per pair of rows) would quarantine a row as a repeat of the
row it names, where it can be checked."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import pyarrow as pa

MAX_LOAD = 0.6


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of each row's key, and whether the key is complete (no part missing). Computed on the Arrow
    buffers (no Python object per cell), so it runs in parallel threads."""
    complete = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        if column.null_count:
            complete &= column.is_valid().to_numpy(zero_copy_only=False)
    hashed = np.full(len(complete), len(columns), dtype=np.uint64)
    for column in columns:
        offsets, data = _text_buffers(column)
        _mix_text(hashed, offsets, data)
    return hashed.view(np.int64), complete


def _text_buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's byte offsets (int64, one more than cells) and the bytes (other types as their text)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.large_string())
    kind = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=kind)[column.offset : column.offset + len(column) + 1]
    data = column.buffers()[2]
    return offsets.astype(np.int64), np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)


@numba.njit(nogil=True, cache=True, inline="always")
def _mix(z):  # pragma: no cover - compiled
    """splitmix64's finaliser: every input bit moves every output bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(nogil=True, cache=True)
def _mix_text(hashed, offsets, data):  # pragma: no cover - compiled; tested through key_hashes
    """Fold each cell's length and bytes (eight at a time, little-endian) into `hashed`, in place."""
    odd = np.uint64(0x9E3779B97F4A7C15)
    for row in range(len(hashed)):
        start, end = offsets[row], offsets[row + 1]
        h = _mix(hashed[row] * odd ^ np.uint64(end - start))
        at = start
        while at < end:
            word = np.uint64(0)
            for byte in range(min(8, end - at)):
                word |= np.uint64(data[at + byte]) << np.uint64(8 * byte)
            h = _mix(h * odd ^ word)
            at += 8
        hashed[row] = h


@dataclass(frozen=True)
class Digest:
    """One chunk's tracked keys, in file order: their `hashes`, their positions in the chunk and row numbers."""

    hashes: np.ndarray
    positions: np.ndarray
    rows: np.ndarray


class KeyTracker:
    """Remembers the keys seen so far in a file and finds the rows that repeat one."""

    def __init__(self, columns: list[str], slots: int = 1 << 16) -> None:
        self.columns = columns
        self._hashes = np.zeros(slots, dtype=np.int64)  # a power of two of slots
        self._rows = np.zeros(slots, dtype=np.int64)  # the first row with the slot's key; 0: an empty slot
        self._count = 0

    def digest(self, table: pa.Table, row_numbers: np.ndarray) -> Digest:
        """Hash one chunk's keys (rows with an empty key part are not tracked). Needs no other chunk."""
        hashes, tracked = key_hashes([_array(table.column(c)) for c in self.columns])
        positions = np.flatnonzero(tracked)
        return Digest(hashes[positions], positions, np.asarray(row_numbers, dtype=np.int64)[positions])

    def repeats(self, table: pa.Table, row_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `table` of rows whose key was already seen (in this chunk or an earlier one), and the row
        number of the first row with that key. Chunks come in file order."""
        return self.absorb(self.digest(table, row_numbers))

    def absorb(self, digest: Digest) -> tuple[np.ndarray, np.ndarray]:
        """`repeats` for a chunk already digested; chunks come in file order."""
        needed = self._count + len(digest.hashes)
        if needed > MAX_LOAD * len(self._rows):
            size = len(self._rows)
            while needed > MAX_LOAD * size:
                size *= 2
            self._hashes, self._rows = _rehash(self._hashes, self._rows, size)
        firsts = np.zeros(len(digest.hashes), dtype=np.int64)
        added = _absorb(self._hashes, self._rows, digest.hashes, digest.rows, firsts)
        self._count += added
        repeated = firsts > 0
        return digest.positions[repeated], firsts[repeated]


@numba.njit(nogil=True, cache=True)
def _absorb(table_hashes, table_rows, hashes, rows, firsts):  # pragma: no cover - compiled; tested via absorb
    """Look each hash up in file order: a key seen before gets its first row in `firsts`, a new one is inserted.
    Returns how many were inserted."""
    mask = len(table_rows) - 1
    added = 0
    for i in range(len(hashes)):
        h = hashes[i]
        slot = h & mask
        while table_rows[slot] != 0 and table_hashes[slot] != h:
            slot = (slot + 1) & mask
        if table_rows[slot] != 0:
            firsts[i] = table_rows[slot]
        else:
            table_hashes[slot] = h
            table_rows[slot] = rows[i]
            added += 1
    return added


@numba.njit(nogil=True, cache=True)
def _rehash(table_hashes, table_rows, size):  # pragma: no cover - compiled; tested via absorb
    """The same keys in a table of `size` slots (a power of two)."""
    new_hashes = np.zeros(size, np.int64)
    new_rows = np.zeros(size, np.int64)
    mask = size - 1
    for old in range(len(table_rows)):
        if table_rows[old] != 0:
            slot = table_hashes[old] & mask
            while new_rows[slot] != 0:
                slot = (slot + 1) & mask
            new_hashes[slot] = table_hashes[old]
            new_rows[slot] = table_rows[old]
    return new_hashes, new_rows


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
