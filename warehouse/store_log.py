"""The store's commit log: which partition files make up the store now, changed by one atomic rename per commit.

    store/_manifest.json    {"version": 7, "tables": {"deliveries": ["deliveries/campaign=.../part-7-ab12.parquet",
                             ...]}, "superseded": [...], "commits": [{"version": 7, "label": "<submission id>"}]}

A partition file is written once under a new name and never changed. A submission stages its files, then commits
them all at once by replacing the manifest (written beside it, then renamed over it): a reader, who takes the file
list from the manifest, sees the store as it was before the submission or after it, never between, whatever table
or partition the submission touched. A submission that fails removes what it staged; one that was killed leaves
files no manifest names, which the next writer removes (`sweep`) before it stages its own. The files a commit
replaced are kept until the next commit (a reader still holding the previous manifest can finish), then removed.

Writers take one lock on the store (an `fcntl` lock: it holds on a local POSIX disk, not over NFS). A store written
before this log existed (one `part.parquet` per partition, no manifest) is read as it is, and adopted by its first
writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "_manifest.json"
LEGACY_PART = "part.parquet"
KEPT_COMMITS = 50
"""How many commit labels the manifest remembers (which submissions made the last versions)."""


@dataclass
class Manifest:
    """The store as of one commit: per table, the relative paths of its partition files."""

    version: int = 0
    tables: dict[str, list[str]] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)
    commits: list[dict] = field(default_factory=list)

    def files(self, table: str) -> list[str]:
        """The partition files of `table` (relative to the store), sorted."""
        return sorted(self.tables.get(table, []))


def load(root: str | Path) -> Manifest:
    """The store's current manifest (an empty one for a new store; a legacy store's files as they are)."""
    root = Path(root)
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _legacy(root)
    return Manifest(data["version"], data["tables"], data.get("superseded", []), data.get("commits", []))


def _legacy(root: Path) -> Manifest:
    """A store written before the log: every `part.parquet` under a table folder is part of it."""
    tables: dict[str, list[str]] = {}
    if root.is_dir():
        for path in sorted(root.glob(f"*/**/{LEGACY_PART}")):
            relative = path.relative_to(root)
            tables.setdefault(relative.parts[0], []).append(relative.as_posix())
    return Manifest(0, tables)


def new_file_name(version: int) -> str:
    """A partition file name no other commit uses."""
    return f"part-{version}-{uuid.uuid4().hex[:12]}.parquet"


@contextmanager
def locked(root: str | Path) -> Iterator[None]:
    """The writers' lock on the store, held for a whole transaction."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def commit(root: str | Path, before: Manifest, tables: dict[str, list[str]], label: str) -> Manifest:
    """Make `tables` the store (one atomic rename), then remove the files the previous commit replaced. Called
    under `locked`."""
    root = Path(root)
    kept = {path for paths in tables.values() for path in paths}
    replaced = sorted({path for paths in before.tables.values() for path in paths} - kept)
    after = Manifest(
        before.version + 1,
        {table: sorted(paths) for table, paths in tables.items() if paths},
        replaced,
        [*before.commits, {"version": before.version + 1, "label": label}][-KEPT_COMMITS:],
    )
    temporary = root / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(after.__dict__, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, root / MANIFEST)
    finally:
        temporary.unlink(missing_ok=True)
    for path in before.superseded:
        if path not in kept:
            _remove(root / path)
    return after


def sweep(root: str | Path, manifest: Manifest) -> int:
    """Remove what no manifest names (files staged by a killed writer, temporary files, emptied folders); return
    how many files went. Called under `locked`, before staging."""
    root = Path(root)
    named = {path for paths in manifest.tables.values() for path in paths} | set(manifest.superseded)
    removed = 0
    for folder in (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in list(folder.rglob("*")):  # listed first: removing empties folders as it goes
            ours = path.suffix == ".tmp" or path.name.startswith("part")
            if ours and path.is_file() and path.relative_to(root).as_posix() not in named:
                _remove(path)
                removed += 1
    for leftover in root.glob(f".{MANIFEST}.*.tmp"):
        _remove(leftover)
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
