"""The columnar store of accepted rows: Parquet files partitioned by table, campaign and cluster.

    store/<table>/campaign=<campaign>/cluster_id=<cluster>/part.parquet   (tables with a campaign)
    store/<table>/cluster_id=<cluster>/part.parquet                       (clusters, actors)

Each partition file is replaced atomically (written beside it, then renamed over it). Rows are replaced by their
natural key (and by Kobo's `_uuid` when rows carry one): a corrected file never duplicates a row, even when the
correction moves the row to another campaign or cluster. Writers of one table take a lock on the table's folder.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from schemas.tables import CONTRACTS, TABLE_KEYS, columns_of

PART = "part.parquet"
_DICTIONARY = ["campaign", "cluster_id", "product", "link", "kind", "market_kind", "counterparty_kind", "resource_kind",
               "_submission_id"]  # fmt: skip
"""Low-cardinality columns worth dictionary encoding (ids are not: encoding them costs time for nothing)."""


@dataclass(frozen=True)
class Written:
    """What a write did: partitions rewritten, rows written, stored rows replaced."""

    partitions: int
    rows: int
    replaced: int


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


def partition_files(root: Path, table: str) -> dict[tuple[str, ...], Path]:
    """Every stored partition of `table`: values -> file."""
    base = Path(root, table)
    if not base.exists():
        return {}
    depth = len(partition_columns(table))
    found = {}
    for path in base.glob("/".join(["*"] * depth) + f"/{PART}"):
        found[tuple(unquote(p.split("=", 1)[1]) for p in path.parent.relative_to(base).parts)] = path
    return found


@dataclass(frozen=True)
class Plan:
    """Where each partition's rows are (`partition_index`), worked out ahead of `write_rows` for rows cut in
    batches of these `lengths`."""

    lengths: tuple[int, ...]
    index: dict[tuple[str, ...], list[tuple[int, np.ndarray]]]


def plan_rows(table: str, rows: pa.Table) -> Plan:
    """The partition plan of `rows` (only the partition columns are read). Intake works it out while the outlier
    step changes the rows' warnings: their batches stay cut the same, so `write_rows` can use it."""
    batches = [batch for batch in rows.select(partition_columns(table)).to_batches() if batch.num_rows]
    return Plan(tuple(batch.num_rows for batch in batches), partition_index(table, batches))


def write_rows(root: str | Path, table: str, rows: pa.Table, plan: Plan | None = None) -> Written:
    """Store `rows` (typed, contract columns plus `_`-prefixed metadata), replacing stored rows with the same
    natural key or `_uuid`. Each partition is written atomically; rows are never copied whole (each partition
    gathers its own rows from each record batch). A `plan` is used when it was made for batches cut like these
    rows' (it is worked out again otherwise)."""
    root = Path(root)
    if rows.num_rows == 0:
        return Written(0, 0, 0)
    batches = [batch for batch in rows.to_batches() if batch.num_rows]
    lengths = tuple(batch.num_rows for batch in batches)
    index = plan.index if plan is not None and plan.lengths == lengths else partition_index(table, batches)
    with _locked(root, table):
        stored = partition_files(root, table)
        replaced = _drop_moved(root, table, rows, stored, set(index))

        def write(values: tuple[str, ...], pieces: list) -> int:
            return _merge_write(root, table, values, _gather(batches, pieces), stored)

        with ThreadPoolExecutor(max_workers=2) as pool:  # partitions are gathered and written in parallel threads
            replaced += sum(pool.map(write, index.keys(), index.values()))
    return Written(len(index), rows.num_rows, replaced)


def _gather(batches: list[pa.RecordBatch], pieces: list[tuple[int, np.ndarray]]) -> pa.Table:
    """One partition's rows gathered from the batches (a run of consecutive rows is sliced, not copied).
    Dictionary-encoded columns stay so: Parquet writes their dictionaries as they are."""
    parts = [
        batches[i].slice(int(at[0]), len(at)) if int(at[-1]) - int(at[0]) + 1 == len(at) else batches[i].take(at)
        for i, at in pieces
    ]
    return pa.Table.from_batches(parts, batches[0].schema)


def partition_index(table: str, batches: list[pa.RecordBatch]) -> dict[tuple[str, ...], list[tuple[int, np.ndarray]]]:
    """Where each partition's rows are: partition values -> [(batch number, row positions)]."""
    columns = partition_columns(table)
    index: dict[tuple[str, ...], list[tuple[int, np.ndarray]]] = {}
    for number, batch in enumerate(batches):
        codes = np.zeros(batch.num_rows, dtype=np.int64)
        dictionaries = []
        for column in columns:
            values = batch.column(column)
            encoded = values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)
            dictionaries.append(encoded.dictionary.to_pylist())
            codes = codes * (len(encoded.dictionary) + 1) + encoded.indices.to_numpy(zero_copy_only=False)
        small = len(codes) and int(codes.max()) < 1 << 16  # a radix sort then: a few times faster
        order = np.argsort(codes.astype(np.uint16) if small else codes, kind="stable")
        ordered = codes[order]
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(ordered)) + 1, [len(order)]])
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            code, values = int(ordered[start]), []
            for dictionary in reversed(dictionaries):
                code, position = divmod(code, len(dictionary) + 1)
                values.append(dictionary[position])
            index.setdefault(tuple(reversed(values)), []).append((number, order[start:end]))
    return index


def _merge_write(root: Path, table: str, values: tuple[str, ...], new: pa.Table, stored: dict) -> int:
    """Write one partition: the stored rows not replaced by `new`, then `new`; return how many were replaced."""
    path = stored.get(values)
    replaced = 0
    if path is not None:
        old = pq.read_table(path)
        keep = pc.invert(_matches(old, new, table))
        replaced = old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
        new = pa.concat_tables([_conform(old.filter(keep), new.schema), new])
    _atomic_write(new, partition_dir(root, table, values) / PART)
    return replaced


def _drop_moved(root: Path, table: str, rows: pa.Table, stored: dict, touched: set) -> int:
    """Remove rows whose key now lives in another partition (a corrected campaign or cluster). The few files that
    hold such rows are found in one scan of the other partitions' keys; only those are read whole and rewritten."""
    if set(partition_columns(table)) <= set(TABLE_KEYS[table]):
        return 0
    dropped = 0
    for path in _holding([path for values, path in stored.items() if values not in touched], rows, table):
        old = pq.read_table(path)
        keep = pc.invert(_matches(old, rows, table))
        dropped += old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
        _atomic_write(old.filter(keep), path) if pc.any(keep).as_py() else path.unlink()
    return dropped


def _holding(paths: list[Path], rows: pa.Table, table: str) -> list[Path]:
    """The files among `paths` holding a row whose natural key, or `_uuid`, is among `rows`'. A single-column key
    is looked for in one multi-threaded scan of the key column (a file without `_uuid` reads as all missing);
    opening each file in turn cost about 3 ms a file, 5 s for a small correction against a national store."""
    key = list(TABLE_KEYS[table])
    if not paths:
        return []
    if len(key) > 1:  # every table with a compound key has its partition columns in it: never reached today
        return [path for path in paths if pc.any(_matches(pq.read_table(path), rows, table)).as_py()]
    fields = [pa.field(key[0], pa.large_string())]
    wanted = ds.field(key[0]).isin(_key_text(rows, key).combine_chunks())
    if "_uuid" in rows.column_names and rows.column("_uuid").null_count < rows.num_rows:
        fields.append(pa.field("_uuid", pa.large_string()))
        uuids = pc.drop_null(rows.column("_uuid")).combine_chunks().cast(pa.large_string())
        wanted = wanted | ds.field("_uuid").isin(uuids)
    dataset = ds.dataset([str(path) for path in paths], schema=pa.schema(fields), format="parquet")
    scan = dataset.scanner(columns=[field.name for field in fields], filter=wanted)
    found = {tagged.fragment.path for tagged in scan.scan_batches() if tagged.record_batch.num_rows}
    return [path for path in paths if str(path) in found]


def _matches(old: pa.Table, new: pa.Table, table: str) -> pa.Array:
    """Stored rows whose natural key, or `_uuid`, is among the new rows'."""
    key = list(TABLE_KEYS[table])
    hit = pc.is_in(_key_text(old, key), value_set=_key_text(new, key).combine_chunks())
    if "_uuid" in old.column_names and "_uuid" in new.column_names:
        uuids = pc.drop_null(new.column("_uuid")).combine_chunks().cast(pa.large_string())
        stored = old.column("_uuid").cast(pa.large_string())
        hit = pc.or_(hit, pc.fill_null(pc.is_in(stored, value_set=uuids), False))
    return pc.fill_null(hit, False)


def _key_text(rows: pa.Table, key: list[str]) -> pa.ChunkedArray:
    if len(key) == 1:
        return rows.column(key[0]).cast(pa.large_string())
    return pc.binary_join_element_wise(
        *[rows.column(c).cast(pa.large_string()) for c in key], pa.scalar("\x1f", pa.large_string())
    )


def _conform(old: pa.Table, schema: pa.Schema) -> pa.Table:
    """Stored rows in the schema of the new ones (a column the new rows add comes out empty)."""
    columns = [
        old.column(f.name).cast(f.type) if f.name in old.column_names else pa.nulls(old.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _atomic_write(rows: pa.Table, path: Path) -> None:
    with atomic_file(path) as temporary:  # without the Arrow schema, dictionary columns read back as plain text
        pq.write_table(
            rows, temporary, compression="snappy", use_dictionary=_DICTIONARY, write_statistics=False,
            store_schema=False,
        )  # fmt: skip


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


@contextmanager
def _locked(root: Path, table: str) -> Iterator[None]:
    folder = Path(root, table)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_rows(
    root: str | Path, table: str, columns: list[str] | None = None, partitions: set[tuple[str, ...]] | None = None
) -> pa.Table | None:
    """Stored rows of `table` (all, or those of `partitions`), as arrow; None when nothing is stored."""
    files = partition_files(Path(root), table)
    chosen = [str(path) for values, path in sorted(files.items()) if partitions is None or values in partitions]
    if not chosen:
        return None
    dataset = ds.dataset(chosen, format="parquet")
    present = [c for c in columns if c in dataset.schema.names] if columns else None
    # the system allocator: pyarrow's default pool keeps about half the table again as scratch memory after
    # reading thousands of partition files (0.4 GB at 10 M deliveries), for no speed gained here
    return dataset.to_table(columns=present, memory_pool=pa.system_memory_pool())


def read_tables(
    root: str | Path, tables: list[str] | None = None, columns: Mapping[str, Sequence[str]] | None = None
) -> dict[str, pd.DataFrame]:
    """Every stored table (or those named), typed with the contract's dtypes; tables with nothing stored are
    absent. A table named in `columns` comes with those columns only (the others stay on disk), any other with
    all its contract columns."""
    found = {}
    for table in tables or list(CONTRACTS):
        wanted = list((columns or {}).get(table) or columns_of(table))
        rows = read_rows(root, table, wanted)
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
