"""Writing the store: a transaction stages new partition files and commits them all at once (warehouse/store_log.py).

Rows are replaced by their natural key (and by the stable submission id `_uuid` when rows carry one): a corrected
file never duplicates a row, even when the correction moves the row to another campaign or cluster. A partition
file is never changed in place: its new content goes to a new file, which the commit puts in the old one's stead.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from schemas.tables import TABLE_KEYS
from warehouse import store_log
from warehouse.parquet_store import DICTIONARY, Plan, partition_columns, partition_dir, partition_index, values_of
from warehouse.store_log import Manifest


@dataclass(frozen=True)
class Written:
    """What a write did: partitions rewritten, rows written, stored rows replaced."""

    partitions: int
    rows: int
    replaced: int


def write_rows(root: str | Path, table: str, rows: pa.Table, plan: Plan | None = None) -> Written:
    """Store `rows` of one table in a transaction of their own (see `Transaction.write_rows`)."""
    with transaction(root, f"write {table}") as writing:
        return writing.write_rows(table, rows, plan)


@contextmanager
def transaction(root: str | Path, label: str) -> Iterator[Transaction]:
    """Writes that become visible together when the block ends well (`label`, e.g. the submission id, is recorded
    with the commit) and leave nothing behind when it raises. Writers wait for each other."""
    root = Path(root)
    with store_log.locked(root):
        before = store_log.load(root)
        store_log.sweep(root, before)  # what a killed writer had staged
        writing = Transaction(root, before)
        try:
            yield writing
        except BaseException:
            writing.abort()
            raise
        if writing.staged or writing.tables != before.tables:
            store_log.commit(root, before, writing.tables, label)


class Transaction:
    """Partition files staged under new names, and the store's file list as it will be once committed."""

    def __init__(self, root: Path, before: Manifest) -> None:
        self.root, self.before = root, before
        self.tables = {table: list(paths) for table, paths in before.tables.items()}
        self.staged: set[str] = set()

    def write_rows(self, table: str, rows: pa.Table, plan: Plan | None = None) -> Written:
        """Stage `rows` (typed, contract columns plus `_`-prefixed metadata), replacing stored rows with the same
        natural key or `_uuid`. Rows are never copied whole (each partition gathers its own rows from each record
        batch). A `plan` is used when it was made for batches cut like these rows' (worked out again otherwise)."""
        if rows.num_rows == 0:
            return Written(0, 0, 0)
        batches = [batch for batch in rows.to_batches() if batch.num_rows]
        lengths = tuple(batch.num_rows for batch in batches)
        index = plan.index if plan is not None and plan.lengths == lengths else partition_index(table, batches)
        stored: dict[tuple, str | None] = {values_of(relative): relative for relative in self.tables.get(table, [])}
        replaced = self._drop_moved(table, rows, stored, set(index))

        def write(values: tuple[str, ...], pieces: list) -> tuple[int, str]:
            return self._merge_write(table, values, _gather(batches, pieces), stored.get(values))

        with ThreadPoolExecutor(max_workers=2) as pool:  # partitions are gathered and written in parallel threads
            results = list(pool.map(write, index.keys(), index.values()))
        for values, (_, relative) in zip(index, results, strict=True):
            stored[values] = relative
        self.tables[table] = sorted(relative for relative in stored.values() if relative)
        return Written(len(index), rows.num_rows, replaced + sum(count for count, _ in results))

    def _merge_write(self, table: str, values: tuple, new: pa.Table, relative: str | None) -> tuple[int, str]:
        """Stage one partition: the stored rows not replaced by `new`, then `new`; return how many stored rows
        were replaced and the partition's new file."""
        replaced = 0
        if relative is not None:
            old = pq.read_table(self.root / relative)
            keep = pc.invert(_matches(old, new, table))
            replaced = old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
            new = pa.concat_tables([_conform(old.filter(keep), new.schema), new])
        return replaced, self._stage(table, values, new, relative)

    def _drop_moved(self, table: str, rows: pa.Table, stored: dict, touched: set) -> int:
        """Remove rows whose key now lives in another partition (a corrected campaign or cluster). The few files
        that hold such rows are found in one scan of the other partitions' keys; only those are read whole."""
        if set(partition_columns(table)) <= set(TABLE_KEYS[table]):
            return 0
        dropped = 0
        others = {self.root / relative: values for values, relative in stored.items() if values not in touched}
        for path in _holding(list(others), rows, table):
            old = pq.read_table(path)
            keep = pc.invert(_matches(old, rows, table))
            dropped += old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
            values = others[path]
            if pc.any(keep).as_py():
                stored[values] = self._stage(table, values, old.filter(keep), stored[values])
            else:  # the partition is left empty: it is no longer part of the store
                self._forget(stored[values])
                stored[values] = None
        return dropped

    def _stage(self, table: str, values: tuple, rows: pa.Table, replacing: str | None) -> str:
        """Write a partition's rows to a new file and return its path relative to the store."""
        relative = partition_dir(Path(), table, values) / store_log.new_file_name(self.before.version + 1)
        _write_parquet(rows, self.root / relative)
        self.staged.add(relative.as_posix())
        if replacing is not None:
            self._forget(replacing)
        return relative.as_posix()

    def _forget(self, relative: str) -> None:
        """A file this transaction staged, then replaced, was never visible: it is removed at once."""
        if relative in self.staged:
            self.staged.discard(relative)
            (self.root / relative).unlink(missing_ok=True)

    def abort(self) -> None:
        """Remove every staged file: the store stays as it was."""
        for relative in list(self.staged):
            self._forget(relative)


def _gather(batches: list[pa.RecordBatch], pieces: list[tuple[int, np.ndarray]]) -> pa.Table:
    """One partition's rows gathered from the batches (a run of consecutive rows is sliced, not copied).
    Dictionary-encoded columns stay so: Parquet writes their dictionaries as they are."""
    parts = [
        batches[i].slice(int(at[0]), len(at)) if int(at[-1]) - int(at[0]) + 1 == len(at) else batches[i].take(at)
        for i, at in pieces
    ]
    return pa.Table.from_batches(parts, batches[0].schema)


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


def _write_parquet(rows: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(  # without the Arrow schema, dictionary columns read back as plain text
        rows, path, compression="snappy", use_dictionary=DICTIONARY, write_statistics=False, store_schema=False
    )
