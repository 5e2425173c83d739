"""One table's Delta Lake commit: the partition files a store transaction added and removed (warehouse/store_log.py
records which table versions make up each store version). Files are written by pyarrow beforehand; Delta only
records them, so the log costs a few milliseconds a commit, not a second write of the rows."""

from __future__ import annotations

import time
import uuid
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.store_fs import delta_options, filesystem, table_uri
from warehouse.store_url import Location


def commit_table(root: str | Location, table: str, recorded: int | None, old: set[str], new: set[str]) -> int:
    """One Delta commit: the files added and removed. A table left with versions no store version names (a
    killed writer's) is first restored to its recorded version; a legacy table's files become its first version.
    A commit Delta placed after another writer's (on S3, appends of different partitions do not conflict) is
    refused: it would name that writer's files, which that writer removes if its own record is refused, and a
    store version naming a removed file was seen (test_parallel_intake on S3, once in a CI run)."""
    from deltalake import CommitProperties, DeltaTable
    from deltalake.transaction import RemoveAction, create_table_with_add_actions

    uri, options, tag = table_uri(root, table), delta_options(root), uuid.uuid4().hex
    adds = _adds(root, sorted(new - old if recorded is not None else new))
    partitions = [name for name, _ in _partition_values(next(iter(new or old)))]
    if recorded is None:  # new, legacy, or created by a killed writer: our files are all of it
        schema = _schema(root, sorted(new)[:1])
        create_table_with_add_actions(uri, _delta_schema(schema), adds, mode="overwrite", partition_by=partitions,
                                      storage_options=options, configuration=CONFIGURATION,
                                      commit_properties=CommitProperties({TAG: tag}))  # fmt: skip
        return _version_of(DeltaTable(uri, storage_options=options), tag)
    log = DeltaTable(uri, storage_options=options)
    if log.version() != recorded:
        log.restore(recorded)
    now = int(time.time() * 1000)
    removes = [RemoveAction(_in_table(p), True, now, None, dict(_partition_values(p))) for p in sorted(old - new)]
    current = pa.schema(log.schema().to_arrow())
    schema = pa.unify_schemas([current, _schema(root, sorted(new - old)[:1])]) if new - old else current
    base = log.version()
    log.create_write_transaction(
        [*adds, *removes], mode="append", schema=_delta_schema(schema), partition_by=partitions,
        commit_properties=CommitProperties({TAG: tag}),
    )  # fmt: skip
    log.update_incremental()
    version = _version_of(log, tag)
    if version != base + 1:  # Delta put ours after another writer's commit, whose files ours now names
        from warehouse.store_retry import ConcurrentCommit

        raise ConcurrentCommit(f"another submission was stored in {table} at the same time: run again")
    return version


TAG = "vigie.commit"


def _version_of(log, tag: str) -> int:
    """The version of the commit this writer tagged (a concurrent writer's commit may have come first). A table
    created by two writers at once on S3 can give a history whose versions are counted from a stale snapshot
    (negative): said as a ConcurrentCommit, so the whole transaction runs again (warehouse/store_retry.py)."""
    from warehouse.store_retry import ConcurrentCommit

    log.update_incremental()
    for entry in log.history(20):
        if entry.get(TAG) == tag:
            version = int(entry["version"])
            if version < 0:
                raise ConcurrentCommit(f"another submission created the table at the same time (version {version})")
            return version
    raise RuntimeError(f"the commit {tag} is not in the table's history")


CONFIGURATION = {"delta.dataSkippingNumIndexedCols": "0", "delta.logRetentionDuration": "interval 30 days"}
"""Vigie reads whole partitions, never skips files by column statistics: none are kept. The log keeps 30 days
of history (Delta's default, said here because `vigie store compact` relies on it)."""


def _in_table(relative: str) -> str:
    """A file's path inside its table (the store's relative path less the table's folder)."""
    return relative.split("/", 1)[1]


def _partition_values(relative: str) -> list[tuple[str, str]]:
    """The partition columns and values of a file's path (`deliveries/campaign=a/cluster_id=b/part-…`)."""
    return [tuple(unquote(part) for part in folder.split("=", 1)) for folder in relative.split("/")[1:-1]]


def _adds(root: str | Location, relatives: list[str]) -> list:
    """Delta add actions for partition files already written (their sizes read in one listing call)."""
    from deltalake.transaction import AddAction

    fs, base = filesystem(root)
    infos = fs.get_file_info([f"{base}/{relative}" for relative in relatives]) if relatives else []
    now = int(time.time() * 1000)
    return [
        AddAction(_in_table(relative), info.size, dict(_partition_values(relative)), now, True, "{}")
        for relative, info in zip(relatives, infos, strict=True)
    ]


def _schema(root: str | Location, relatives: list[str]) -> pa.Schema:
    """The Arrow schema of a partition file (dictionary and large types as Delta keeps them: plain)."""
    fs, base = filesystem(root)
    return pq.read_schema(f"{base}/{relatives[0]}", filesystem=fs)


def _delta_schema(schema: pa.Schema):
    from deltalake import Schema

    plain = {pa.large_string(): pa.string()}
    fields = [
        pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else plain.get(f.type, f.type))
        for f in schema
    ]
    return Schema.from_arrow(pa.schema(fields))


def cluster_files(root: str | Location, table: str, version: int, cluster_ids: list[str] | None) -> list[str]:
    """The partition files (relative to the store) of `table` as of its Delta `version` holding the rows of these
    clusters (all of them for None, or for a table not partitioned by cluster): read from the table's log alone,
    so a Dask task finds its own partitions without any data passing through the flow."""
    from deltalake import DeltaTable

    log = DeltaTable(table_uri(root, table), version=version, storage_options=delta_options(root))
    actions = pa.table(log.get_add_actions(flatten=True))
    paths = actions.column("path").to_pylist()
    if cluster_ids is not None and "partition.cluster_id" in actions.column_names:
        wanted = set(cluster_ids)
        clusters = actions.column("partition.cluster_id").to_pylist()
        paths = [path for path, cluster in zip(paths, clusters, strict=True) if cluster in wanted]
    return sorted(f"{table}/{unquote(path)}" for path in paths)  # the log keeps paths URL-encoded


def read_clusters(
    root: str | Location, table: str, version: int, cluster_ids: list[str] | None, columns: list[str] | None = None
) -> pa.Table | None:
    """The stored rows of `table` of these clusters as of its Delta `version` (only their partition files are
    read; these `columns` of them when given), as arrow; None when none is stored."""
    import pyarrow.dataset as ds

    files = cluster_files(root, table, version, cluster_ids)
    if not files:
        return None
    fs, base = filesystem(root)
    dataset = ds.dataset([f"{base}/{relative}" for relative in files], format="parquet", filesystem=fs)
    present = [c for c in columns if c in dataset.schema.names] if columns else None
    return dataset.to_table(columns=present, memory_pool=pa.system_memory_pool())
