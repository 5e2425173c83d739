"""Repeated keys across the chunks of one file: the first row with a key is kept, later ones are quarantined.

Each key is remembered by polars' 64-bit hash of its cells' texts (`Series.hash`) with the row that brought it;
a chunk's keys are matched against those seen before by a join, and against each other by `is_first_distinct`.
A hash collision (about one chance in 10^19 per pair of rows) would quarantine a row as a repeat of the row it
names, where it can be checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa


class KeyTracker:
    """Remembers the keys seen so far in a file and finds the rows that repeat one. Chunks come in file order."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._seen = pl.DataFrame(schema={"hash": pl.UInt64, "first": pl.Int64})  # each key's hash and first row

    def repeats(self, table: pa.Table, row_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `table` of rows whose key was already seen (in this chunk or an earlier one), and the row
        number of the first row with that key. Rows with an empty key part are not tracked."""
        keys = pl.from_arrow(table.select(self.columns)).select(pl.all().cast(pl.String))
        rows = keys.select(
            hash=pl.struct(pl.all()).hash(),
            complete=pl.all_horizontal(pl.all().is_not_null()),
            row=pl.Series(np.asarray(row_numbers, dtype=np.int64)),
            at=pl.int_range(pl.len(), dtype=pl.Int64),
        ).filter("complete")
        earlier = self._seen.join(rows.select("hash"), on="hash", how="semi")  # the few keys that come again
        rows = rows.join(earlier, on="hash", how="left", maintain_order="left").with_columns(
            repeated=pl.col("first").is_not_null() | ~pl.col("hash").is_first_distinct(),
            first=pl.coalesce("first", pl.col("row").first().over("hash")),
        )
        self._seen = pl.concat([self._seen, rows.filter(~pl.col("repeated")).select("hash", first="row")])
        repeated = rows.filter("repeated")
        return repeated["at"].to_numpy(), repeated["first"].to_numpy()


def key_text(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> pd.Series:
    """Each row's natural key as one text (`a|b`), missing where a part of the key is missing."""
    parts = [frame[c].astype("str") for c in columns]
    text = parts[0]
    for part in parts[1:]:
        text = text + "|" + part
    complete = frame[list(columns)].notna().all(axis=1)
    return text.where(complete)
