"""The columnar store of accepted rows: a Delta Lake table per input table, its Parquet files partitioned by
campaign and cluster, and how to read it.

    store/<table>/campaign=<campaign>/cluster_id=<cluster>/part-<version>-<id>.parquet   (tables with a campaign)
    store/<table>/cluster_id=<cluster>/part-<version>-<id>.parquet                       (clusters, actors)

Which files make up the store is said by its commit log (warehouse/store_log.py: the tables' Delta logs and the
store's versions); writes go through a transaction (warehouse/store_write.py), so a reader sees every table as of
one store version. Rows are read by pyarrow from the files a version names, on a local disk or S3.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

from schemas.tables import CONTRACTS, columns_of, low_cardinality, on_change
from warehouse import store_log
from warehouse.store_fs import filesystem
from warehouse.store_log import Manifest
from warehouse.store_url import Location, RemoteStore


def dictionary_columns() -> list[str]:
    """The columns whose Parquet files keep a dictionary: those the tables declare low-cardinality, and the
    submission id (unique ids are not: encoding them costs time for nothing)."""
    return [*low_cardinality(), "_submission_id"]


def partition_columns(table: str) -> list[str]:
    """The columns a table is partitioned by (campaign when it has one, then cluster)."""
    return list(_partition_columns(table))


@cache
def _partition_columns(table: str) -> tuple[str, ...]:
    return tuple(c for c in ("campaign", "cluster_id") if c in columns_of(table))


def partition_dir(root: Path, table: str, values: tuple[str, ...]) -> Path:
    """The folder of one partition (values are quoted, so any id makes a safe folder name)."""
    parts = [
        f"{column}={quote(str(value), safe='')}" for column, value in zip(partition_columns(table), values, strict=True)
    ]
    return Path(root, table, *parts)


def partition_files(
    root: str | Location, table: str, manifest: Manifest | None = None
) -> dict[tuple[str, ...], Location]:
    """Every stored partition of `table` as of `manifest` (the current one by default): values -> file."""
    manifest = manifest if manifest is not None else store_log.load(root)
    root = root if isinstance(root, RemoteStore) else Path(root)
    return {values_of(relative): root / relative for relative in manifest.files(table)}


def values_of(relative: str) -> tuple[str, ...]:
    """The partition values of a file's path relative to the store (`deliveries/campaign=a/cluster_id=b/part-…`)."""
    return tuple(unquote(part.split("=", 1)[1]) for part in relative.split("/")[1:-1])


def partition_index(table: str, rows: pa.Table) -> dict[tuple[str, ...], np.ndarray]:
    """Where each partition's rows are: partition values -> row positions (polars' group-by, in row order)."""
    columns = partition_columns(table)
    frame = pl.from_arrow(rows.select(columns)).with_row_index("_at")
    groups = frame.group_by(columns, maintain_order=True).agg(pl.col("_at"))
    return {tuple(group[:-1]): np.asarray(group[-1], dtype=np.int64) for group in groups.iter_rows()}


def by_partition(table: str, rows: pa.Table) -> dict[tuple[str, ...], Callable[[], pa.Table]]:
    """`rows` split by partition: for each, a function that gathers its rows from each record batch (one batch at
    a time: no copy of the whole table, and a take from one batch, not from the chunked columns)."""
    batches = [batch for batch in rows.to_batches() if batch.num_rows]
    starts = np.cumsum([0, *(batch.num_rows for batch in batches)])

    def gather(at: np.ndarray) -> pa.Table:
        which = np.searchsorted(starts, at, side="right") - 1
        taken = [batches[b].take(pa.array(at[which == b] - starts[b])) for b in np.unique(which).tolist()]
        return pa.Table.from_batches(taken, rows.schema)

    return {values: partial(gather, at) for values, at in partition_index(table, rows).items()}


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed over `path` when the block ends well, removed if not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_rows(
    root: str | Location,
    table: str,
    columns: list[str] | None = None,
    partitions: set[tuple[str, ...]] | None = None,
    manifest: Manifest | None = None,
) -> pa.Table | None:
    """Stored rows of `table` (all, or those of `partitions`) as of `manifest` (the current one by default), as
    arrow; None when nothing is stored. A file removed under the reader (two commits went by while it read) means
    the rows are read again from the current manifest."""
    fs, base = filesystem(root)
    for attempt in range(3):
        files = (manifest if attempt == 0 and manifest is not None else store_log.load(root)).files(table)
        chosen = [f"{base}/{relative}" for relative in files if partitions is None or values_of(relative) in partitions]
        if not chosen:
            return None
        try:
            dataset = ds.dataset(chosen, format="parquet", filesystem=fs)
            present = [c for c in columns if c in dataset.schema.names] if columns else None
            # the system allocator: pyarrow's default pool keeps about half the table again as scratch memory
            # after reading thousands of partition files (0.4 GB at 10 M deliveries), for no speed gained here
            return dataset.to_table(columns=present, memory_pool=pa.system_memory_pool())
        except FileNotFoundError:
            if attempt == 2:
                raise
    return None


def read_tables(
    root: str | Location,
    tables: list[str] | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
    manifest: Manifest | None = None,
) -> dict[str, pd.DataFrame]:
    """Every stored table (or those named), typed with the contract's dtypes, all as of one commit (`manifest`,
    the last one by default); tables with nothing stored are absent. A table named in `columns` comes with those
    columns only (the others stay on disk), any other with all its contract columns."""
    manifest = manifest if manifest is not None else store_log.load(root)
    found = {}
    for table in tables or list(CONTRACTS):
        wanted = list((columns or {}).get(table) or columns_of(table))
        rows = read_rows(root, table, wanted, manifest=manifest)
        if rows is not None:
            found[table] = typed_frame(table, rows, wanted)
    return found


def typed_frame(table: str, rows: pa.Table, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Stored rows as a frame with the contract's columns (or those given) and dtypes (a missing optional column
    comes out empty)."""
    columns = list(columns or columns_of(table))
    schema = CONTRACTS[table].to_schema().select_columns(columns)
    frame = rows.to_pandas(
        types_mapper={pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}.get
    )
    for name in columns:
        if name not in frame.columns:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="object")
    return schema.coerce_dtype(frame[columns]).reset_index(drop=True)


on_change(_partition_columns.cache_clear)  # a table declared again is read afresh
