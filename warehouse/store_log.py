"""The store's commit log: each table is a Delta Lake table (its own ACID log, `<table>/_delta_log/`), and one
small Delta table, `_commits`, says which version of every table makes up each version of the store.

    store/_commits          one row per store version: version, label (the submission id), committed_at, and
                            versions {"deliveries": 7, "clusters": 2, ...}
    store/<table>/campaign=<c>/cluster_id=<id>/part-<version>-<id>.parquet

A submission stages its partition files under new names, commits each table it touched (a Delta commit of the files
added and removed), then records the new versions in `_commits`: that last commit is what makes the submission
the store. A reader takes the versions from `_commits` and reads each table as of its version, so it sees the
store before a submission or after it, never between, whatever tables the submission touched. A writer killed
between its table commits leaves table versions no store version names; the next writer restores those tables to
their recorded version (Delta's own restore) and removes the files that writer staged (named after a store version
not yet recorded). Files a commit replaces stay in the tables' history (time travel, `vigie season --as-of`) until
`vigie store compact` vacuums them.

Writers on a local disk take one `fcntl` lock on the store. On S3 there is no lock: Delta's commits are put only if
absent (S3 conditional writes), and `_commits` is rewritten from the version the writer read, so of two submissions
committed at once the second fails cleanly (`ConcurrentCommit`, nothing of it visible, also when Delta itself finds
the commits in conflict) and its transaction is run again from the store as it now is (`retried`). A store
written before this log (the JSON manifest `_manifest.json`, or one `part.parquet` per partition) is read as it is
and adopted by its first writer: its files become the tables' first Delta version, in place.
"""

from __future__ import annotations

import fcntl
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa

from warehouse.store_delta import commit_table
from warehouse.store_fs import delta_options, is_remote, table_uri
from warehouse.store_retry import ConcurrentCommit, conflicts_refused
from warehouse.store_url import Location

COMMITS = "_commits"
MANIFEST = "_manifest.json"
"""The file list of a store written before Delta Lake (read and adopted, never written)."""
LEGACY_PART = "part.parquet"
_STAGED = re.compile(r"part-(\d+)-[0-9a-f]+\.parquet$")


@dataclass
class Manifest:
    """The store as of one version: each table's Delta version (`versions`), and its partition files (relative to
    the store) read from its log when first asked."""

    root: str | Location
    version: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    commits: list[dict] = field(default_factory=list)
    log_version: int | None = None
    """The version of `_commits` this manifest was read from (None: not yet created)."""
    legacy: dict[str, list[str]] = field(default_factory=dict)
    _files: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def files(self, table: str) -> list[str]:
        """The partition files of `table` as of this version (relative to the store), sorted."""
        if table not in self._files:
            self._files[table] = sorted(self.legacy.get(table) or _table_files(self.root, table, self.versions))
        return self._files[table]

    @property
    def tables(self) -> dict[str, list[str]]:
        """Every table that has files, with its files."""
        names = set(self.versions) | set(self.legacy)
        return {table: self.files(table) for table in sorted(names) if self.files(table)}


def _table_files(root: str | Location, table: str, versions: dict[str, int]) -> list[str]:
    if table not in versions:
        return []
    from deltalake import DeltaTable

    log = DeltaTable(table_uri(root, table), version=versions[table], storage_options=delta_options(root))
    paths = pa.table(log.get_add_actions(flatten=False)).column("path").to_pylist()
    return [f"{table}/{unquote(path)}" for path in paths]  # the log keeps paths URL-encoded


def load(root: str | Location, as_of: int | datetime | None = None) -> Manifest:
    """The store as of its last version, or as of store version `as_of` (a number) or the last version committed
    at or before `as_of` (a time). An empty manifest for a new store; a legacy store's files as they are."""
    rows, log_version = _commit_rows(root)
    if not rows:
        if as_of is not None:
            raise LookupError("the store has no recorded version yet")
        return _legacy(root)
    chosen = rows[-1] if as_of is None else _chosen(rows, as_of)
    return Manifest(root, chosen["version"], json.loads(chosen["versions"]), rows, log_version=log_version)


def as_of_value(text: str | None) -> int | datetime | None:
    """A store version as given (`12`, or an ISO time such as `2026-12-03T14:00Z`): a number, a time, or None.
    A ValueError in plain words otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a store version (a number) nor a time such as 2026-12-03T14:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _chosen(rows: list[dict], as_of: int | datetime) -> dict:
    if isinstance(as_of, datetime):
        found = [row for row in rows if row["committed_at"] <= as_of.astimezone(UTC)]
    else:
        found = [row for row in rows if row["version"] == as_of]
    if not found:
        first, last = rows[0], rows[-1]
        raise LookupError(
            f"the store has no version {as_of}: its versions go from {first['version']} "
            f"({first['committed_at']:%Y-%m-%d %H:%M}) to {last['version']} ({last['committed_at']:%Y-%m-%d %H:%M})"
        )
    return found[-1]


def _commit_rows(root: str | Location) -> tuple[list[dict], int | None]:
    """The rows of `_commits` and the version of it they were read from ([] and None for a new store)."""
    log = _commits_log(root)
    if log is None:
        return [], None
    rows = log.to_pyarrow_dataset().to_table().sort_by("version").to_pylist()
    for row in rows:
        row["committed_at"] = row["committed_at"].replace(tzinfo=UTC)
    return rows, log.version()


def _commits_log(root: str | Location):
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(table_uri(root, COMMITS), storage_options=delta_options(root))
    except TableNotFoundError:
        return None


def _legacy(root: str | Location) -> Manifest:
    """A store written before Delta Lake: the files its JSON manifest names, or every `part.parquet`."""
    if is_remote(root):
        return Manifest(root)
    root = Path(root)
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(root, data["version"], legacy=data["tables"])
    except FileNotFoundError:
        pass
    tables: dict[str, list[str]] = {}
    if root.is_dir():
        for path in sorted(root.glob(f"*/**/{LEGACY_PART}")):
            relative = path.relative_to(root)
            tables.setdefault(relative.parts[0], []).append(relative.as_posix())
    return Manifest(root, 0, legacy=tables)


def new_file_name(version: int) -> str:
    """A partition file name no other commit uses (the store version it is meant for, then a random id)."""
    return f"part-{version}-{uuid.uuid4().hex[:12]}.parquet"


@contextmanager
def locked(root: str | Location) -> Iterator[None]:
    """The writers' lock on a local store, held for a whole transaction (none on S3: see the module's words)."""
    if is_remote(root):
        yield
        return
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def commit(root: str | Location, before: Manifest, tables: dict[str, list[str]], label: str) -> Manifest:
    """Commit each table whose files changed (one Delta commit each), then record the new store version in
    `_commits`: from then on readers see it. Called under `locked`."""
    versions = dict(before.versions)
    for table in sorted(set(tables) | set(before.versions) | set(before.legacy)):
        old = set(before.files(table))
        new = set(tables[table]) if table in tables else old  # a table the transaction left alone keeps its files
        if old != new or (table not in versions and new):
            with conflicts_refused():  # another writer's commit to the table won: the transaction is run again
                versions[table] = commit_table(root, table, before.versions.get(table), old, new)
    after = before.version + 1
    row = {"version": after, "label": label, "versions": json.dumps(versions, sort_keys=True),
           "committed_at": datetime.now(UTC).replace(tzinfo=None)}  # fmt: skip
    record(root, [*before.commits, row], before.log_version)
    if before.legacy and not is_remote(root):  # adopted: its files are the tables' first versions now
        (Path(root) / MANIFEST).unlink(missing_ok=True)
    return Manifest(root, after, versions, [*before.commits, row])


def record(root: str | Location, rows: list[dict], read_from: int | None) -> None:
    """Rewrite `_commits` whole (a few hundred rows), from the version of it the writer read (`read_from`): when
    another writer recorded in between (possible on S3, which has no lock), a ConcurrentCommit, and the writer's
    table commits stay unrecorded (the next writer undoes them); Delta's own conflict check covers the instant
    between this test and the commit."""
    from deltalake import write_deltalake

    log = _commits_log(root)
    if (log.version() if log is not None else None) != read_from:
        raise ConcurrentCommit("another submission was stored at the same time: send this one again")
    table = pa.Table.from_pylist(rows, schema=COMMIT_SCHEMA)
    with conflicts_refused():
        write_deltalake(log or table_uri(root, COMMITS), table, mode="overwrite", storage_options=delta_options(root))


COMMIT_SCHEMA = pa.schema(
    [("version", pa.int64()), ("label", pa.string()), ("versions", pa.string()), ("committed_at", pa.timestamp("us"))]
)


def sweep(root: str | Location, manifest: Manifest) -> int:
    """Remove what a killed writer staged (partition files named after a store version not yet recorded) and
    temporary files; return how many files went. Called under `locked`, before staging; on a local disk only
    (on S3 a writer cannot tell a killed writer's files from a live one's: `vigie store compact` removes them)."""
    if is_remote(root):
        return 0
    root, removed = Path(root), 0
    for folder in (p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        for path in list(folder.rglob("*.*")):  # listed first: removing empties folders as it goes
            staged = _STAGED.match(path.name)  # the name first: a stat of every file cost 0.3 s at 1 500 files
            ours = path.suffix == ".tmp" or (staged and int(staged.group(1)) > manifest.version)
            if ours and "_delta_log" not in path.parts and path.is_file():
                _remove(path)
                removed += 1
    return removed


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent.name.count("="):  # a partition folder left empty goes too
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
