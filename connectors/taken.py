"""What a source has given intake so far, version by version: `$VIGIE_HOME/pulls/<source>/taken.json`, one entry
per submission, its stable id -> the version taken (Kobo's `_uuid`, Central's `meta/instanceID`, both new at every
edit, with the supervisor's verdict).

A full read of a form (`vigie pull --full`, the nightly pull of KoboToolbox sources) is compared with it: only the
submissions new or edited since they were taken go to intake, and the ones taken but no longer on the platform are
the ones deleted there. KoboToolbox says neither when a submission was edited nor that one was deleted (kpi#7259),
so this is how Vigie sees both. The file is written only once intake has recorded what it lists; without it (lost,
or a source older than it) a full read takes everything again, which intake stores once (stable ids).

The warehouse would be its right place (a `pull_versions` table beside `pull_marks`); it is a file until then."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

Versions = dict[str, str]
"""Stable submission id -> the id of the version taken."""


def taken_path(pulls_dir: Path, source: str) -> Path:
    """`<pulls>/<source>/taken.json`."""
    return Path(pulls_dir) / source / "taken.json"


def read_taken(path: Path, form: str) -> Versions:
    """The versions taken from `form` (the source's platform, server and form, as one text); none when the file is
    missing, unreadable or about another form (a source pointed elsewhere: its old ids are not deletions)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("form") != form or not isinstance(data.get("versions"), dict):
        return {}
    return {str(k): str(v) for k, v in data["versions"].items()}


def write_taken(path: Path, form: str, versions: Versions) -> None:
    """Replace the file whole (written beside, then renamed: a crash leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps({"form": form, "versions": versions}, sort_keys=True, indent=0), encoding="utf-8")
    partial.replace(path)


def versions_of(records: Iterable[dict], stable: Callable[[dict], str], version: Callable[[dict], str]) -> Versions:
    """Each record's stable id -> its version id."""
    return {stable(record): version(record) for record in records}


def sweep(records: list[dict], taken: Versions, stable: Callable[[dict], str], version: Callable[[dict], str]
          ) -> tuple[list[dict], list[str]]:  # fmt: skip
    """Of a full read: the records not taken in this version (new or edited), and the stable ids taken but not read
    (deleted on the platform), sorted."""
    read = versions_of(records, stable, version)
    changed = [record for record in records if taken.get(stable(record)) != version(record)]
    return changed, sorted(set(taken) - set(read))
