"""What the season flow reads of the store when the review runs on Dask: the small tables it needs itself, and of
every other table one row per partition (cluster, campaign and its number of rows, from the Parquet footers); the
rows themselves are read by each Dask task, its own clusters' partitions only, at the store versions pinned here
(`group_tables`). So the flow process never holds the national tables, and every task sees one store version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from flows.adapters import engine_for
from flows.settings import Settings, store_at
from indicators import REVIEW_COLUMNS
from schemas.tables import columns_of
from warehouse import parquet_store, store_delta, store_log
from warehouse.store_fs import filesystem
from warehouse.store_log import Manifest
from warehouse.store_url import Location

WHOLE = ("clusters", "actors", "action_plan")
"""The tables the flow reads whole (the registry, the reports' action plans): a few thousand rows at most."""
ROWS = "_rows"
"""The column of a partition summary that says how many rows the partition holds (reports/context_panels.py)."""


def read_store_lean(settings: Settings, as_of: str | None = None) -> tuple[dict, dict[str, dict[str, int]], str, dict]:
    """As flows.intake.read_store, for a review on Dask: the WHOLE tables typed, every other table as its partition
    summary (cluster_id, campaign, `_rows`), the same counts, fingerprint and store versions read. A store written
    before Delta Lake (no table versions to pin) is read whole as before."""
    from flows.intake import read_store
    from flows.intake_store import inputs_fingerprint, table_counts

    manifest = store_log.load(settings.store_dir, store_log.as_of_value(as_of))
    if manifest.legacy or not manifest.versions:
        return read_store(settings, as_of)
    stored = [table for table in sorted(manifest.versions) if manifest.files(table)]
    tables = parquet_store.read_tables(settings.store_dir, [t for t in WHOLE if t in stored], manifest=manifest)
    if "clusters" not in tables:
        raise FileNotFoundError(f"{settings.store_dir}: no clusters stored yet; submit the files with `vigie submit`")
    for table in (t for t in stored if t not in tables):
        tables[table] = partition_summary(settings.store_dir, table, manifest)
    engine = engine_for(settings)
    sizes = {t: int(f[ROWS].sum()) if ROWS in f else len(f) for t, f in tables.items()}
    counts = table_counts(engine, sizes)
    inputs = inputs_fingerprint(engine, manifest if as_of else None)
    return tables, counts, inputs, {"store": manifest.version, "tables": manifest.versions}


def partition_summary(root: Location, table: str, manifest: Manifest) -> pd.DataFrame:
    """One row per stored partition of `table` as of `manifest` with rows: its partition values and `_rows`, read
    from the files' footers (a few KB each, many at once), never the rows."""
    files = manifest.files(table)
    names = parquet_store.partition_columns(table)
    fs, base = filesystem(root)
    with ThreadPoolExecutor(max_workers=16) as pool:  # 0.1 ms a file on a local disk; on S3, a request each
        rows = list(pool.map(lambda f: pq.read_metadata(f"{base}/{f}", filesystem=fs).num_rows, files))
    frame = pd.DataFrame([parquet_store.values_of(f) for f in files], columns=names, dtype="str")
    frame[ROWS] = pd.Series(rows, dtype="int64")
    frame = frame.groupby(names, as_index=False, sort=True)[ROWS].sum() if len(frame) else frame
    return frame[frame[ROWS] > 0].reset_index(drop=True)


def group_tables(store_url: str, versions: dict[str, int], cluster_ids: list[str]) -> dict[str, pd.DataFrame]:
    """What one Dask task reviews: every table's rows of these clusters, read from their partitions alone at the
    pinned table `versions` (the tables with files: one with none of these clusters' rows comes empty), typed as
    the local review reads them (tables not partitioned by cluster: whole). The
    store's credentials come from the worker's own environment (AWS_*), never from the flow."""
    root = store_root(store_url)
    found = {}
    for table, version in sorted(versions.items()):
        wanted = list(REVIEW_COLUMNS.get(table) or columns_of(table))
        rows = store_delta.read_clusters(root, table, version, cluster_ids, wanted)
        found[table] = parquet_store.typed_frame(table, rows if rows is not None else pa.table({}), wanted)
    return found


def store_root(store_url: str) -> Location:
    """The store a task reads: the URL the flow read (a folder or s3://...), with this process's credentials."""
    return store_at(store_url)
