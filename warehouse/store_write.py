"""Writing the store: a transaction stages new partition files and commits them all at once (warehouse/store_log.py).

Rows are replaced by their natural key (and by the stable submission id `_uuid` when rows carry one): a corrected
file never duplicates a row, even when the correction moves the row to another campaign or cluster. A partition
file is never changed in place: its new content goes to a new file, which the commit puts in the old one's stead.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from schemas.tables import TABLE_KEYS
from warehouse import store_log
from warehouse.parquet_store import by_partition, dictionary_columns, partition_columns, partition_dir, values_of
from warehouse.store_fs import filesystem
from warehouse.store_keys import conform, keeping_ids, key_text, matches
from warehouse.store_log import Manifest
from warehouse.store_url import Location, RemoteStore


@dataclass(frozen=True)
class Written:
    """What a write did: partitions rewritten, rows written, stored rows replaced."""

    partitions: int
    rows: int
    replaced: int


def write_rows(root: str | Location, table: str, rows: pa.Table) -> Written:
    """Store `rows` of one table in a transaction of their own (see `Transaction.write_rows`)."""
    with transaction(root, f"write {table}") as writing:
        return writing.write_rows(table, rows)


@contextmanager
def transaction(root: str | Location, label: str) -> Iterator[Transaction]:
    """Writes that become visible together when the block ends well (`label`, e.g. the submission id, is recorded
    with the commit) and leave nothing behind when it raises or its commit is refused (a concurrent commit on S3:
    its staged files are removed, so a retried attempt leaves no orphan in the bucket). Writers on a local disk
    wait for each other."""
    root = root if isinstance(root, RemoteStore) else Path(root)
    with store_log.locked(root):
        before = store_log.load(root)
        store_log.sweep(root, before)  # what a killed writer had staged
        writing = Transaction(root, before)
        try:
            yield writing
            if writing.staged or any(paths != before.files(table) for table, paths in writing.tables.items()):
                writing.committing = True
                store_log.commit(root, before, writing.tables, label)
        except BaseException:
            writing.abort()
            raise


class Transaction:
    """Partition files staged under new names, and the store's file list as it will be once committed."""

    def __init__(self, root: Location, before: Manifest) -> None:
        self.root, self.before = root, before
        self.fs, self.base = filesystem(root)
        self.tables: dict[str, list[str]] = {}  # the tables written so far, with their files as they will be
        self.staged: set[str] = set()
        self.committing = False  # the commit was begun: some table's Delta commit may name staged files

    def write_rows(self, table: str, rows: pa.Table) -> Written:
        """Stage `rows` (typed, contract columns plus `_`-prefixed metadata), replacing stored rows with the same
        natural key or `_uuid`, wherever they are stored (a correction may move a row to another campaign or
        cluster). Each partition takes its own rows."""
        if rows.num_rows == 0:
            return Written(0, 0, 0)
        files = self.tables.get(table, self.before.files(table))
        stored: dict[tuple, str | None] = {values_of(relative): relative for relative in files}
        hits = self._hits(table, rows, stored)
        if hits:  # a row corrected from a plain spreadsheet keeps the submission id its stored row had
            rows = keeping_ids(rows, pa.concat_tables(hits.values(), promote_options="permissive"), table)
        parts = by_partition(table, rows)
        replaced = self._drop_moved(table, stored, set(parts), hits)

        def write(values: tuple[str, ...], gather) -> tuple[int, str]:
            relative = stored.get(values)
            return self._merge_write(table, values, gather(), relative, hits.get(relative))

        with ThreadPoolExecutor(max_workers=2) as pool:  # partitions are written in parallel threads
            results = list(pool.map(write, parts.keys(), parts.values()))
        for values, (_, relative) in zip(parts, results, strict=True):
            stored[values] = relative
        self.tables[table] = sorted(relative for relative in stored.values() if relative)
        return Written(len(parts), rows.num_rows, replaced + sum(count for count, _ in results))

    def _hits(self, table: str, rows: pa.Table, stored: dict) -> dict[str, pa.Table]:
        """The stored rows (their key and `_uuid`) that `rows` replace, by file, found in one scan of the key
        columns. A table whose key holds its partition columns keeps a row in its partition: nothing to look for
        beyond the partitions written."""
        if set(partition_columns(table)) <= set(TABLE_KEYS[table]):
            return {}
        return _scan_hits([relative for relative in stored.values() if relative], self, rows, table)

    def _merge_write(
        self, table: str, values: tuple, new: pa.Table, relative: str | None, hit: pa.Table | None
    ) -> tuple[int, str]:
        """Stage one partition: the stored rows not replaced by `new` (nor by a row `hit` says moved elsewhere),
        then `new`; return how many stored rows were replaced and the partition's new file."""
        replaced = 0
        if relative is not None:
            old = self.read(relative)
            matched = matches(old, new, table)
            if hit is not None:
                matched = pc.or_(matched, matches(old, hit, table))
            keep = pc.invert(matched)
            replaced = old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
            new = keeping_ids(new, old, table)
            new = pa.concat_tables([conform(old.filter(keep), new.schema), new])
        return replaced, self._stage(table, values, new, relative)

    def _drop_moved(self, table: str, stored: dict, touched: set, hits: dict[str, pa.Table]) -> int:
        """Remove rows that moved out of the partitions no new row goes to (a corrected campaign or cluster);
        only the files holding such rows are read whole."""
        dropped = 0
        for values, relative in list(stored.items()):
            if values in touched or relative not in hits:
                continue
            old = self.read(relative)
            dropped += self._keep(table, stored, values, old, pc.invert(matches(old, hits[relative], table)))
        return dropped

    def delete_rows(self, table: str, uuids: list[str]) -> int:
        """Stage the removal of the stored rows of `table` whose submission id `_uuid` is among `uuids` (a
        submission a supervisor rejected after it was stored); return how many went."""
        files = self.tables.get(table, self.before.files(table))
        if not uuids or not files:
            return 0
        ids = pa.array(sorted(set(uuids)), pa.large_string())
        hits = _scan(files, self, [pa.field("_uuid", pa.large_string())], ds.field("_uuid").isin(ids))
        stored: dict[tuple, str | None] = {values_of(relative): relative for relative in files}
        dropped = 0
        for relative in hits:
            old = self.read(relative)
            gone = pc.fill_null(pc.is_in(old.column("_uuid").cast(pa.large_string()), value_set=ids), False)
            dropped += self._keep(table, stored, values_of(relative), old, pc.invert(gone))
        self.tables[table] = sorted(relative for relative in stored.values() if relative)
        return dropped

    def _keep(self, table: str, stored: dict, values: tuple, old: pa.Table, keep: pa.Array) -> int:
        """Stage a partition with only its `keep` rows (none: it leaves the store); return how many went."""
        if pc.any(keep).as_py():
            stored[values] = self._stage(table, values, old.filter(keep), stored[values])
        else:  # the partition is left empty: it is no longer part of the store
            self._forget(stored[values])
            stored[values] = None
        return old.num_rows - pc.sum(keep.cast(pa.int64())).as_py()

    def _stage(self, table: str, values: tuple, rows: pa.Table, replacing: str | None) -> str:
        """Write a partition's rows to a new file and return its path relative to the store."""
        relative = partition_dir(Path(), table, values) / store_log.new_file_name(self.before.version + 1)
        _write_parquet(rows, f"{self.base}/{relative.as_posix()}", self.fs)
        self.staged.add(relative.as_posix())
        if replacing is not None:
            self._forget(replacing)
        return relative.as_posix()

    def _forget(self, relative: str) -> None:
        """A file this transaction staged, then replaced, was never visible: it is removed at once."""
        if relative in self.staged:
            self.staged.discard(relative)
            self.fs.delete_file(f"{self.base}/{relative}")

    def read(self, relative: str) -> pa.Table:
        """One stored partition file, whole."""
        return pq.read_table(f"{self.base}/{relative}", filesystem=self.fs)

    def abort(self) -> None:
        """Remove the staged files: the store stays as it was. Once the commit was begun, a table's Delta commit
        may name some of them, but no reader sees a table version no store version names (the next writer
        restores the table): they go too, unless a store version recorded since names them (its record went
        through though an error was raised, a lost answer), and if the store's log cannot be read, all stay. A
        file that cannot be removed is left (unseen) rather than hiding why the transaction failed."""
        keep: set[str] = set()
        if self.committing:
            try:
                keep = _recorded_among(self.root, self.before, self.staged)
            except Exception:  # noqa: BLE001 (the store unreachable: removing nothing is the safe side)
                keep = set(self.staged)
        for relative in sorted(self.staged - keep):
            with suppress(OSError):
                self._forget(relative)
                self._prune(relative)

    def _prune(self, relative: str) -> None:
        """On a local disk (under the lock), the partition folders a removed file leaves empty go too. Not on S3:
        an empty folder there is only a marker, and removing a folder removes all beneath it, which another
        writer may be staging in at that moment."""
        if isinstance(self.root, RemoteStore):
            return
        folder = (Path(self.base) / relative).parent
        while folder.name.count("="):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent


def _recorded_among(root: Location, before: Manifest, staged: set[str]) -> set[str]:
    """Those of `staged` that a store version recorded after `before` names."""
    tables = {relative.split("/", 1)[0] for relative in staged}
    found: set[str] = set()
    for row in store_log.load(root).commits:
        if row["version"] > before.version:
            recorded = store_log.load(root, row["version"])
            found |= {relative for table in tables for relative in recorded.files(table)} & staged
    return found


def _scan_hits(files: list[str], where: Transaction, rows: pa.Table, table: str) -> dict[str, pa.Table]:
    """The rows of `files` (relative to `root`) whose single-column natural key, or `_uuid`, is among `rows'`, by
    file: one multi-threaded scan of the key columns (a file without `_uuid` reads it as missing); opening each
    file in turn cost about 3 ms a file, 5 s for a small correction against a national store."""
    if not files:
        return {}
    key = TABLE_KEYS[table][0]
    fields = [pa.field(key, pa.large_string()), pa.field("_uuid", pa.large_string())]  # ids kept by `_keeping_ids`
    wanted = ds.field(key).isin(key_text(rows, [key]).combine_chunks())
    if "_uuid" in rows.column_names and rows.column("_uuid").null_count < rows.num_rows:
        uuids = pc.drop_null(rows.column("_uuid")).combine_chunks().cast(pa.large_string())
        wanted = wanted | ds.field("_uuid").isin(uuids)
    return _scan(files, where, fields, wanted)


def _scan(files: list[str], where: Transaction, fields: list[pa.Field], wanted: ds.Expression) -> dict[str, pa.Table]:
    """The rows of `files` that `wanted` keeps, with `fields` only, by file (a file without a field reads it as
    missing): one multi-threaded scan."""
    by_path = {f"{where.base}/{relative}": relative for relative in files}
    dataset = ds.dataset(list(by_path), schema=pa.schema(fields), format="parquet", filesystem=where.fs)
    found: dict[str, list] = {}
    for tagged in dataset.scanner(columns=[f.name for f in fields], filter=wanted).scan_batches():
        if tagged.record_batch.num_rows:
            found.setdefault(by_path[tagged.fragment.path], []).append(tagged.record_batch)
    return {relative: pa.Table.from_batches(batches) for relative, batches in found.items()}


def _write_parquet(rows: pa.Table, path: str, fs: pafs.FileSystem) -> None:
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(  # without the Arrow schema, dictionary columns read back as plain text
        rows, path, compression="snappy", use_dictionary=dictionary_columns(), write_statistics=False,
        store_schema=False, filesystem=fs,
    )  # fmt: skip
