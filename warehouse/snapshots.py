"""A stored table's columns kept as one Arrow file beside the store, for the read every submission makes (the known
clusters and actors, checked against each row): a national store holds them in a thousand partition files, which
took 0.35 s to read; the snapshot takes a few milliseconds.

    store/.snapshots/<table>.arrow

A snapshot is used only while the table's partition files are exactly those it was made from (their names in the
store's commit log, recorded in the snapshot itself): any write to the table, or a damaged or missing
snapshot, means the partition files are read again and the snapshot rewritten. It is derived data: deleting the
folder loses nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from warehouse.parquet_store import atomic_file, partition_files, read_rows
from warehouse.store_fs import is_remote
from warehouse.store_url import Location

FOLDER = ".snapshots"
_STAMP = b"vigie.snapshot"


def read_snapshot(root: str | Location, table: str, columns: list[str]) -> pa.Table | None:
    """The stored rows of `table` with `columns` (None when nothing is stored), from its snapshot when that is
    current, else from the partition files (and the snapshot is then written for the next reader)."""
    if is_remote(root):  # no snapshot beside a store in a bucket: its files are read
        return read_rows(root, table, columns)
    root = Path(root)
    stamp = _stamp(root, table, columns)
    if stamp is None:
        return None
    path = root / FOLDER / f"{table}.arrow"
    found = _read(path, stamp)
    if found is not None:
        return found
    rows = read_rows(root, table, columns)
    if rows is not None and _stamp(root, table, columns) == stamp:  # the files did not change while being read
        _write(path, rows, stamp)
    return rows


def _stamp(root: Path, table: str, columns: list[str]) -> bytes | None:
    """What identifies the table's files as they are now, and the columns asked (None: no file). Partition files
    are never changed in place (a write gives a new file a new name), so their names are enough."""
    files = partition_files(root, table)
    if not files:
        return None
    digest = hashlib.sha256(repr(columns).encode())
    for path in sorted(files.values()):
        digest.update(f"{path.relative_to(root)}\n".encode())
    return digest.hexdigest().encode()


def _read(path: Path, stamp: bytes) -> pa.Table | None:
    try:
        with pa.OSFile(str(path), "rb") as source:
            reader = pa.ipc.open_file(source)
            if (reader.schema.metadata or {}).get(_STAMP) != stamp:
                return None
            rows = reader.read_all()  # read into memory: nothing refers to the file once it is closed
    except (OSError, pa.ArrowInvalid):
        return None  # missing or damaged: the partition files are read instead
    return rows.replace_schema_metadata(None)


def _write(path: Path, rows: pa.Table, stamp: bytes) -> None:
    """Write the snapshot atomically; a store that cannot take it (read-only, full) just goes without."""
    schema = rows.schema.with_metadata({_STAMP: stamp})
    try:
        with (  # closed in reverse order: the file is complete before it is renamed into place
            atomic_file(path) as temporary,
            pa.OSFile(str(temporary), "wb") as sink,
            pa.ipc.new_file(sink, schema) as writer,
        ):
            writer.write_table(rows)
    except OSError:
        pass
