"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Each key is remembered as Python's 64-bit hash of its cells' texts: the hashes seen so far are kept sorted in one
numpy array (8 bytes a key), where a chunk's keys are looked up with `np.searchsorted` and its new keys inserted
(`np.insert`, one pass); the first rows' hashes and row numbers are also kept in file order, and read only for the
keys that come again. Hashing a chunk's keys (`digest`) needs no other chunk, so it runs in the threads that prepare
chunks; only `absorb` must take the chunks in file order. A hash collision (about one chance in 10^19 per pair of
rows) would quarantine a row as a repeat of the row it names, where it can be checked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def key_hashes(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """Python's hash of each row's key (its cells' texts), and whether the key is complete (no part missing)."""
    complete = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        if column.null_count:
            complete &= column.is_valid().to_numpy(zero_copy_only=False)
    texts = [column.cast(pa.large_string()).to_pylist() for column in columns]
    keys = texts[0] if len(texts) == 1 else zip(*texts, strict=True)
    return np.fromiter(map(hash, keys), dtype=np.int64, count=len(complete)), complete


@dataclass(frozen=True)
class Digest:
    """One chunk's tracked keys, in file order: their `hashes`, their positions in the chunk and row numbers."""

    hashes: np.ndarray
    positions: np.ndarray
    rows: np.ndarray


class KeyTracker:
    """Remembers the keys seen so far in a file and finds the rows that repeat one."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._sorted = np.zeros(0, dtype=np.int64)  # every key's hash, sorted
        self._hashes: list[np.ndarray] = []  # each key's hash and first row, chunk by chunk in file order
        self._firsts: list[np.ndarray] = []

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
        order = np.argsort(digest.hashes, kind="stable")  # equal keys stay in file order
        hashes, rows = digest.hashes[order], digest.rows[order]
        leads = np.ones(len(hashes), dtype=bool)  # the first row of each key within the chunk
        leads[1:] = hashes[1:] != hashes[:-1]
        firsts = rows[np.flatnonzero(leads)][np.cumsum(leads) - 1]
        at = np.searchsorted(self._sorted, hashes)
        earlier = self._sorted[np.minimum(at, len(self._sorted) - 1)] == hashes if len(self._sorted) else at < 0
        if earlier.any():  # keys of earlier chunks: their first rows, from the hashes in file order
            seen = pc.index_in(pa.array(hashes[earlier]), value_set=pa.array(np.concatenate(self._hashes)))
            firsts[earlier] = np.concatenate(self._firsts)[seen.to_numpy(zero_copy_only=False)]
        new = leads & ~earlier
        self._sorted = np.insert(self._sorted, at[new], hashes[new])  # one pass; stays sorted
        self._hashes.append(hashes[new])
        self._firsts.append(rows[new])
        repeated = np.zeros(len(hashes), dtype=bool)
        repeated[order] = ~new
        first_rows = np.zeros(len(hashes), dtype=np.int64)
        first_rows[order] = firsts
        return digest.positions[repeated], first_rows[repeated]


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
