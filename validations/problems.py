"""What can be wrong with a row, as codes with details, said in plain words (English here, French in the
report catalogue `reports/i18n/fr.yaml`, keys `problem_<code>`)."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["row", "column", "code", "value", "detail"]
"""A problem frame: `row` is the row's position in the frame checked, `value` the cell as sent."""

WARNINGS = frozenset({"outlier", "late_date", "supervisor_flagged"})
"""Codes that flag a row but keep it; every other code sends the row to quarantine."""

TEXTS: dict[str, str] = {
    "not_number": "{column}: cannot be read as a number (got {value!r})",
    "not_whole": "{column}: cannot be read as a whole number (got {value!r})",
    "not_yesno": "{column}: cannot be read as yes or no (got {value!r})",
    "not_date": "{column}: cannot be read as a date (got {value!r}; write dd/mm/yyyy)",
    "formula": "{column}: looks like a spreadsheet formula (got {value!r}); type the value itself",
    "control_character": "{column}: holds an invisible character ({detail}, such as a line break); type the value "
    "on one line",
    "required": "{column}: is required",
    "one_of": "{column}: must be one of {detail} (got {value!r})",
    "bad_form": "{column}: does not have the expected form (got {value!r})",
    "at_least": "{column}: must be at least {detail} (got {value!r})",
    "at_most": "{column}: must be at most {detail} (got {value!r})",
    "above": "{column}: must be above {detail} (got {value!r})",
    "between": "{column}: must lie between {detail} (got {value!r})",
    "length": "{column}: has the wrong length (got {value!r})",
    "accepted_above_delivered": "accepted_kg is above quantity_kg",
    "duplicate_key": "same key ({detail}) as an earlier row of the file (row {value})",
    "duplicate_uuid": "same Kobo/ODK submission (same submission id) as an earlier row of the file (row {value})",
    "unknown_cluster": "cluster_id: {value!r} is not a known cluster (send the clusters table first, or fix the id)",
    "unknown_actor": "{column}: {value!r} is not a known actor of cluster {detail}",
    "not_action_status": "{column}: {value!r} is not an action status (planned, in progress, done or dropped, "
    "in English or French)",
    "unknown_indicator": "{column}: {value!r} is not an indicator of the grid",
    "future_date": "{column}: {value} is in the future",
    "outside_campaign": "{column}: {value} is outside campaign {detail}",
    "late_date": "{column}: {value} is outside campaign {detail} (accepted, please check)",
    "kobo_not_approved": "_validation_status: marked not approved in KoboToolbox",
    "supervisor_rejected": "{column}: rejected by the supervisor ({value})",
    "supervisor_flagged": "{column}: on hold or with issues for the supervisor ({value}; accepted, please check)",
    "malformed": "the row has {value} cells where the header has {detail} (a separator inside a value?)",
    "outlier": "{column}: {value} is unusual for this cluster, link and campaign (group median {detail})",
    "contract": "{column}: {detail}",
}


def problems_frame(rows=(), column=None, code: str = "", value=None, detail=None) -> pd.DataFrame:
    """A problem frame for `rows`; the other fields may be scalars or sequences as long as `rows`."""
    frame = pd.DataFrame({"row": pd.array(list(rows), dtype="int64")})
    for name, given in (("column", column), ("code", code), ("value", value), ("detail", detail)):
        frame[name] = given if not isinstance(given, list | tuple) else list(given)
    return frame[COLUMNS].astype({"column": "object", "value": "object", "detail": "object"})


def empty_problems() -> pd.DataFrame:
    """A problem frame without problems (a copy of one built once: building a frame costs milliseconds, and every
    check of every chunk returns one)."""
    return _EMPTY.copy()


_EMPTY = problems_frame([])


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One problem frame from several (empty ones skipped)."""
    frames = [frame for frame in frames if frame is not None and len(frame)]
    return pd.concat(frames, ignore_index=True)[COLUMNS] if frames else empty_problems()


def as_sent(problems: pd.DataFrame, cells: dict[str, pd.Series]) -> pd.DataFrame:
    """The problems with each cell's value as the sender wrote it (`cells`: column -> text cells by row)."""
    if problems.empty:
        return problems
    out = problems.copy()
    out["value"] = out["value"].astype(object)  # pandera may give a typed column (NaT for a missing date)
    for column, values in cells.items():
        here = (out["column"] == column).to_numpy()
        if here.any():
            out.loc[here, "value"] = values.to_numpy(dtype=object)[out.loc[here, "row"].to_numpy()]
    return out


def describe(code: str, column: object, value: object, detail: object, texts: dict[str, str] | None = None) -> str:
    """One problem in words, from `texts` (default: English); an unknown code falls back to its detail."""
    catalogue = texts or TEXTS
    template = catalogue.get(code) or catalogue.get(f"problem_{code}") or TEXTS.get(code, "{column}: {detail}")
    return template.format(column=_text(column), value=_text(value), detail=_text(detail))


def reasons_by_row(problems: pd.DataFrame, texts: dict[str, str] | None = None) -> dict[int, list[str]]:
    """Every row's problems in words, each said once, in the order found."""
    found: dict[int, dict[str, None]] = {}
    for row, column, code, value, detail in problems[COLUMNS].itertuples(index=False, name=None):
        found.setdefault(int(row), {})[describe(code, column, value, detail, texts)] = None
    return {row: list(texts_) for row, texts_ in found.items()}


def _text(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value
