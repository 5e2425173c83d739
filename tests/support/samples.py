"""Files as people really send them, built from clean tables: a KoboToolbox export, a Windows-1252 CSV from a
French spreadsheet, an XLSX workbook with French sheet names. For tests, demos and trying intake by hand."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pandas as pd

FRENCH_SHEETS = {
    "clusters": "clusters",
    "actors": "acteurs",
    "memberships": "adhesions",
    "deliveries": "livraisons",
    "sales": "ventes",
    "contracts": "contrats",
    "resources": "ressources",
    "member_services": "services_membres",
    "governance_events": "gouvernance",
    "operating_accounts": "comptes_exploitation",
    "employment": "emplois",
    "assessments": "appreciations",
    "action_plan": "plan_action",
}
NBSP = "\u00a0"


def kobo_export(
    frame: pd.DataFrame,
    path: str | Path,
    group: str = "livraison",
    rename: dict[str, str] | None = None,
    hxl: bool = True,
    uuids: list[str] | None = None,
    extra: dict[str, list] | None = None,
) -> Path:
    """A KoboToolbox CSV export: `;`, every field quoted, CRLF, an HXL row, metadata columns, group paths
    (`livraison/quantity_kg`), columns renamed through `rename` (a form's own names or labels) and shuffled.
    `extra` adds metadata columns at the end, as Kobo adds `meta/rootUuid` (`{"meta/rootUuid": [...]}`)."""
    rename = rename or {}
    body = frame.rename(columns=rename)
    body.columns = [f"{group}/{name}" for name in body.columns]
    count = len(body)
    meta = pd.DataFrame(
        {
            "start": "2025-03-01T08:00:00.000+01:00",
            "_id": range(1000, 1000 + count),
            "_uuid": uuids or [str(uuid.UUID(int=i + 1)) for i in range(count)],
            "_submission_time": "2025-03-02T09:30:00",
            "_validation_status": "validation_status_approved",
            "_notes": "",
            "_status": "submitted_via_web",
            "_submitted_by": "coach1",
            "__version__": "vK3x9",
            "_tags": "",
            "_index": range(1, count + 1),
            **(extra or {}),
        }
    )
    columns = list(body.columns)
    shuffled = columns[len(columns) // 2 :] + columns[: len(columns) // 2]  # by name, never by position
    out = pd.concat([meta[["start"]], body[shuffled], meta.drop(columns=["start"])], axis=1)
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(out.columns)
        if hxl:
            writer.writerow(
                ["#date+start", *[f"#x_{c.split('/')[-1]}" for c in shuffled], *["" for _ in meta.columns[1:]]]
            )
        for row in out.itertuples(index=False, name=None):
            writer.writerow(["" if pd.isna(value) else value for value in row])
    return path


def windows_csv(frame: pd.DataFrame, path: str | Path, numbers: list[str], dates: list[str]) -> Path:
    """A CSV saved by a French spreadsheet: Windows-1252, `;`, decimal commas, non-breaking-space thousands,
    dates dd/mm/yyyy, CRLF."""
    out = frame.copy()
    for column in numbers:
        out[column] = [_french_number(v) for v in out[column]]
    for column in dates:
        out[column] = [_french_date(v) for v in out[column]]
    path = Path(path)
    text = out.to_csv(sep=";", index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("cp1252"))
    return path


def workbook(frames: dict[str, pd.DataFrame], path: str | Path, french: bool = True) -> Path:
    """An XLSX workbook, one sheet per table (named in French), numbers and dates as typed cells."""
    return sheets({FRENCH_SHEETS[table] if french else table: frame for table, frame in frames.items()}, path)


def sheets(frames: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """An XLSX workbook, one sheet per frame under the name given (a Kobo XLSX export names its first sheet after
    the form and each repeat group's sheet after the group), numbers and dates as typed cells."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_cell(value) for value in row])
    book.save(path)
    return Path(path)


def odk_central_csv(
    frame: pd.DataFrame, path: str | Path, group: str = "livraison", keys: list[str] | None = None, **meta: list
) -> Path:
    """An ODK Central CSV export (the main table of its zip): `,`, quotes only where needed, `\\n` line ends,
    `SubmissionDate` first, groups joined by `-` (`livraison-quantity_kg`), then `meta-instanceID`, `KEY` (the
    submission's first instance id, `uuid:...`, kept across edits) and Central's columns (`ReviewState`, ...).
    `meta` overrides metadata columns by name (`ReviewState=[...]`)."""
    count = len(frame)
    keys = keys or [f"uuid:{uuid.UUID(int=i + 1)}" for i in range(count)]
    body = frame.rename(columns={name: f"{group}-{name}" if group else name for name in frame.columns})
    columns = {
        "meta-instanceID": keys, "KEY": keys, "SubmitterID": 7, "SubmitterName": "coach1", "AttachmentsPresent": 0,
        "AttachmentsExpected": 0, "Status": "", "ReviewState": "", "DeviceID": "collect:Xy12", "Edits": 0,
        "FormVersion": "2025030101",
    }  # fmt: skip
    tail = pd.DataFrame({**columns, **meta}, index=body.index)
    head = pd.DataFrame({"SubmissionDate": "2025-03-02T09:30:00.000Z"}, index=body.index)
    out = pd.concat([head, body, tail], axis=1)
    out.to_csv(path, index=False, lineterminator="\n")
    return Path(path)


def odk_repeat_csv(frame: pd.DataFrame, path: str | Path, repeat: str, parents: list[str]) -> Path:
    """The file of one repeat group in an ODK Central export (`<form>-<repeat>.csv`): the group's questions, then
    `PARENT_KEY` (the submission's KEY) and `KEY` (`uuid:.../<repeat>[n]`)."""
    seen: dict[str, int] = {}
    own = []
    for parent in parents:
        seen[parent] = seen.get(parent, 0) + 1
        own.append(f"{parent}/{repeat}[{seen[parent]}]")
    out = frame.assign(PARENT_KEY=parents, KEY=own)
    out.to_csv(path, index=False, lineterminator="\n")
    return Path(path)


def _french_number(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return ""
    number = float(value)
    whole, _, decimals = f"{abs(number):,.2f}".partition(".")
    text = whole.replace(",", NBSP) + ("," + decimals.rstrip("0") if decimals.rstrip("0") else "")
    return ("-" if number < 0 else "") + text


def _french_date(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        try:
            return pd.Timestamp(value).to_pydatetime() if len(value) == 10 and value[4] == "-" else float(value)
        except ValueError:
            return value
    return value
