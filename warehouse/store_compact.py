"""Compacting the store: the history it keeps (`vigie store compact`). Each write already leaves one file per
partition, so there are no small files to merge; what grows is history: the files earlier versions read and the
tables' logs. Compacting checkpoints each table's log, vacuums the files no version of the last `keep_days` reads,
and forgets the store versions older than that (a `--as-of` before them is then refused in plain words)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from warehouse import store_log
from warehouse.store_fs import delta_options, table_uri
from warehouse.store_url import Location

LOG_RETENTION_DAYS = 30
"""How long the tables' logs keep their history (Delta's `delta.logRetentionDuration`): the most `keep_days`
may be."""


@dataclass(frozen=True)
class Compacted:
    """What compacting did: files removed, store versions forgotten, the oldest version kept."""

    files_removed: int
    versions_forgotten: int
    oldest_version: int


def compact(root: str | Location, keep_days: int) -> Compacted:
    """Vacuum every table of the store, keeping what the store versions of the last `keep_days` read (the last
    version always). Writers wait (on a local disk) while it runs."""
    from deltalake import DeltaTable

    if not 0 <= keep_days <= LOG_RETENTION_DAYS:
        raise ValueError(f"keep_days={keep_days}: history is kept {LOG_RETENTION_DAYS} days at most")
    with store_log.locked(root):
        manifest = store_log.load(root)
        if not manifest.commits:
            return Compacted(0, 0, 0)
        removed = 0
        for table, version in manifest.versions.items():
            log = DeltaTable(table_uri(root, table), storage_options=delta_options(root))
            if log.version() != version:  # a killed writer's commit: undone first, so vacuum keeps what we read
                log.restore(version)
            log.create_checkpoint()
            removed += len(log.vacuum(keep_days * 24, dry_run=False, enforce_retention_duration=False, full=True))
        since = datetime.now(UTC) - timedelta(days=keep_days)
        kept = [row for row in manifest.commits[:-1] if row["committed_at"] >= since] + manifest.commits[-1:]
        rows = [{**row, "committed_at": row["committed_at"].replace(tzinfo=None)} for row in kept]
        store_log.record(root, rows, manifest.log_version)
        commits = DeltaTable(table_uri(root, store_log.COMMITS), storage_options=delta_options(root))
        commits.vacuum(0, dry_run=False, enforce_retention_duration=False)
    return Compacted(removed, len(manifest.commits) - len(kept), kept[0]["version"])
