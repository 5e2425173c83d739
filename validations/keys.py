"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Keys are remembered as 64-bit hashes of the cells' bytes, with the row number of their first row, in one
open-addressing hash table (linear probing from the slot named by the hash's top bits, kept at most 75 % full:
270 MB at ten million keys). Hashing a chunk's keys (`digest`) needs no other chunk, so it runs in the threads
that prepare chunks; only `absorb`, one look-up or insertion per row, must take the chunks in file order. Both loops
are compiled with numba and release the GIL. A hash collision (about one chance in 10^19 per pair of rows) would
quarantine a row as a repeat of the row it names, where it can be checked."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import pyarrow as pa

from schemas.readers.compiled import cell_buffers

MAX_LOAD = 0.75
RESERVE_SLOTS = 1 << 25  # 512 MB: room for 25 million keys


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
    return cell_buffers(column)


@numba.njit(nogil=True, cache=True, inline="always")
def _mix(z):  # pragma: no cover - compiled
    """splitmix64's finaliser: every input bit moves every output bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(nogil=True, cache=True)
def _mix_text(hashed, offsets, data):  # pragma: no cover - compiled; tested through key_hashes
    """Fold each cell's length and bytes (eight at a time, little-endian) into `hashed`, in place. A full word is
    written out as eight loads, which the compiler merges into one; only the last, partial word is looped."""
    odd = np.uint64(0x9E3779B97F4A7C15)
    for row in range(len(hashed)):
        start, end = offsets[row], offsets[row + 1]
        h = _mix(hashed[row] * odd ^ np.uint64(end - start))
        at = start
        while at + 8 <= end:
            word = (
                np.uint64(data[at]) | np.uint64(data[at + 1]) << np.uint64(8) | np.uint64(data[at + 2]) << np.uint64(16)
                | np.uint64(data[at + 3]) << np.uint64(24) | np.uint64(data[at + 4]) << np.uint64(32)
                | np.uint64(data[at + 5]) << np.uint64(40) | np.uint64(data[at + 6]) << np.uint64(48)
                | np.uint64(data[at + 7]) << np.uint64(56)
            )  # fmt: skip
            h = _mix(h * odd ^ word)
            at += 8
        if at < end:
            word = np.uint64(0)
            for byte in range(end - at):
                word |= np.uint64(data[at + byte]) << np.uint64(8 * byte)
            h = _mix(h * odd ^ word)
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
        self._table = np.zeros((max(2, slots), 2), dtype=np.int64)  # per slot: the key's hash, its first row (0: empty)
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

    def reserve(self, keys: int) -> None:
        """Make room for about `keys` keys in all (a file's expected rows), so that the table is not grown and
        rehashed again and again as the chunks come: at ten million keys that saves about 0.4 s of the one thread
        that takes chunks in order. At most RESERVE_SLOTS are reserved; past them the table grows as it fills."""
        self._grow(min(keys, int(MAX_LOAD * RESERVE_SLOTS)))

    def _grow(self, needed: int) -> None:
        """Double the table until `needed` keys fit in it."""
        size = len(self._table)
        while needed > MAX_LOAD * size:
            size *= 2
        if size > len(self._table):
            self._table = _rehash(self._table, size, _shift(size))

    def absorb(self, digest: Digest) -> tuple[np.ndarray, np.ndarray]:
        """`repeats` for a chunk already digested; chunks come in file order."""
        self._grow(self._count + len(digest.hashes))
        firsts = np.zeros(len(digest.hashes), dtype=np.int64)
        self._count += _absorb(self._table, _shift(len(self._table)), digest.hashes, digest.rows, firsts)
        repeated = firsts > 0
        return digest.positions[repeated], firsts[repeated]


def _shift(size: int) -> int:
    """How far a hash moves right to leave the bits that name one of `size` slots (a power of two)."""
    return 64 - (size.bit_length() - 1)


@numba.njit(nogil=True, cache=True, inline="always")
def _slot(key, shift):  # pragma: no cover - compiled
    """A hash's home slot: its top bits, so that slots follow the order of the hashes whatever the table size."""
    return np.int64(np.uint64(key) >> np.uint64(shift))


@numba.njit(nogil=True, cache=True)
def _absorb(table, shift, hashes, rows, firsts):  # pragma: no cover - compiled; tested through absorb
    """Look each hash up, in file order: a key seen before gets its first row in `firsts`, a new one is inserted.
    Returns how many were inserted."""
    size = len(table)
    added = 0
    for i in range(len(hashes)):
        key = hashes[i]
        slot = _slot(key, shift)
        while table[slot, 1] != 0 and table[slot, 0] != key:
            slot = (slot + 1) & (size - 1)
        if table[slot, 1] != 0:
            firsts[i] = table[slot, 1]
        else:
            table[slot, 0] = key
            table[slot, 1] = rows[i]
            added += 1
    return added


@numba.njit(nogil=True, cache=True)
def _rehash(table, size, shift):  # pragma: no cover - compiled; tested through absorb
    """The same keys in a table of `size` slots (a power of two; `shift`: 64 - log2 of it)."""
    grown = np.zeros((size, 2), np.int64)
    for old in range(len(table)):
        if table[old, 1] != 0:
            slot = _slot(table[old, 0], shift)
            while grown[slot, 1] != 0:
                slot = (slot + 1) & (size - 1)
            grown[slot, 0] = table[old, 0]
            grown[slot, 1] = table[old, 1]
    return grown


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
