"""The rows of a repeat group, as ODK Central's export writes a repeat's file (`<form>-<repeat>.csv`): the group's
questions, then `PARENT_KEY` (the submission's stable id) and `KEY` (`<parent>/<repeat>[n]`, the row's own stable
id while the row keeps its place). Intake reads such a file through the form mapping that says `repeat: <name>`.

Both platforms' rows are written so: Central's OData sub-table (`Submissions.<group>.<repeat>`, each row with
`__Submissions-id`) and Kobo's nested arrays (`"livraison/lots": [{"livraison/lots/quantity_kg": ...}]`), whose
CSV export has no repeat rows at all."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

PARENT = "__Submissions-id"
"""The column of an OData sub-table row naming its submission."""
OWN = ("__id", PARENT)


def kobo_rows(records: Iterable[dict], path: str, stable_id) -> list[tuple[str, dict]]:
    """(parent id, the row's questions) for every item of the repeat at `path` in each Kobo record, in order; the
    item's names lose the repeat's path (`livraison/lots/quantity_kg` -> `quantity_kg`)."""
    prefix = f"{path}/"
    rows = []
    for record in records:
        items = record.get(path) or []
        for item in items if isinstance(items, list) else []:
            rows.append((stable_id(record), {name.removeprefix(prefix): value for name, value in item.items()}))
    return rows


def odata_rows(rows: Iterable[dict]) -> list[tuple[str, dict]]:
    """(parent id, the row's questions) for each row of a Central sub-table, in the order Central gives them."""
    return [(str(row[PARENT]), {name: value for name, value in row.items() if name not in OWN and
             not name.startswith("@")}) for row in rows]  # fmt: skip


def write_repeat(rows: list[tuple[str, dict]], repeat: str, path: Path, flat, cell) -> Path:
    """The rows as a repeat's CSV file; `flat` joins group paths inside a row, `cell` writes a value."""
    keyed, seen = [], {}
    for parent, questions in rows:
        seen[parent] = seen.get(parent, 0) + 1
        row = {name: cell(value) for name, value in flat(questions, "")}
        keyed.append({**row, "PARENT_KEY": parent, "KEY": f"{parent}/{repeat}[{seen[parent]}]"})
    names = list(dict.fromkeys(name for row in keyed for name in row if name not in ("PARENT_KEY", "KEY")))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, [*names, "PARENT_KEY", "KEY"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(keyed)
    return path
