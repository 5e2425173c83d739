"""Validation of grid and override documents: every problem raises GridError naming file, entry and problem."""

from __future__ import annotations

import math
import re
from typing import Any

from indicators.catalog import METRICS, VOCABULARIES
from schemas.models import INDICATOR_ID

ID_PATTERN = re.compile(INDICATOR_ID)
DIRECTIONS = ("higher", "lower")
ENTRY_KEYS = {
    "id", "axis", "label_fr", "label_en", "wording_fr", "metric", "unit", "direction",
    "cuts", "mapping", "min_rows", "params", "reason_scores", "notes", "prevails",
}  # fmt: skip
REQUIRED_KEYS = ("id", "axis", "label_fr", "label_en", "wording_fr", "metric", "unit", "direction", "min_rows")
OVERRIDE_KEYS = {
    "cuts", "mapping", "direction", "min_rows", "notes", "prevails", "levers_fr", "levers_en", "target_score",
    "target_value",
}  # fmt: skip
PREVAILS = ("assessment", "computed")


class GridError(ValueError):
    """A grid or override file that cannot be used; the message names the file, the entry and the problem."""

    def __init__(self, file: str, entry: str = "-", problem: str = "invalid") -> None:
        super().__init__(f"{file}: entry {entry}: {problem}")
        self.file, self.entry, self.problem = file, entry, problem


def entry_id(raw: Any, file: str) -> str:
    """An entry id as text ("1.1"); YAML reads an unquoted 1.1 as a float, which is accepted."""
    text = f"{raw}" if isinstance(raw, (str, float)) else None
    if text is None or not ID_PATTERN.match(text):
        raise GridError(file, str(raw), "id must look like 1.1 .. 6.4 (an axis 1..6, then a number)")
    return text


def check_cuts(raw: Any, file: str, eid: str) -> tuple[float, float, float]:
    """Three finite numbers in strictly ascending order."""
    if not isinstance(raw, list) or len(raw) != 3:
        raise GridError(file, eid, f"cuts must be a list of 3 numbers, got {raw!r}")
    if not all(_is_number(value) and math.isfinite(value) for value in raw):
        raise GridError(file, eid, f"cuts must be finite numbers, got {raw!r}")
    if not raw[0] < raw[1] < raw[2]:
        raise GridError(file, eid, f"cuts must be in strictly ascending order, got {raw!r}")
    return float(raw[0]), float(raw[1]), float(raw[2])


def check_mapping(raw: Any, direction: str, file: str, eid: str) -> tuple[tuple[float, int], ...]:
    """A value -> score step table: from each value upward (to the next), the score; monotone with direction."""
    if not isinstance(raw, dict) or len(raw) < 2:
        raise GridError(file, eid, f"mapping must give at least 2 'value: score' pairs, got {raw!r}")
    steps = []
    for value, score in raw.items():
        if not _is_number(value) or isinstance(score, bool) or score not in (1, 2, 3, 4):
            raise GridError(file, eid, f"mapping pair {value!r}: {score!r} must be a number and a score 1..4")
        steps.append((float(value), int(score)))
    steps.sort()
    scores = [score for _, score in steps]
    ordered = sorted(scores) if direction == "higher" else sorted(scores, reverse=True)
    if scores != ordered:
        raise GridError(file, eid, f"mapping scores must {'rise' if direction == 'higher' else 'fall'} with the value")
    return tuple(steps)


def check_direction(raw: Any, file: str, eid: str) -> str:
    """`higher` or `lower` (is better)."""
    if raw not in DIRECTIONS:
        raise GridError(file, eid, f"unknown direction {raw!r} (expected higher or lower)")
    return raw


def check_min_rows(raw: Any, file: str, eid: str) -> int:
    """A non-negative whole number."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise GridError(file, eid, f"min_rows must be a whole number >= 0, got {raw!r}")
    return raw


def check_entry(raw: Any, file: str, axes: dict[int, dict[str, str]]) -> dict[str, Any]:
    """One base entry as a dict of checked fields."""
    if not isinstance(raw, dict):
        raise GridError(file, "?", f"an entry must be a mapping, got {raw!r}")
    eid = entry_id(raw.get("id"), file)
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise GridError(file, eid, f"missing {', '.join(missing)}")
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        raise GridError(file, eid, f"unknown field(s) {', '.join(unknown)}")
    axis = raw["axis"]
    if axis not in axes:
        raise GridError(file, eid, f"axis {axis!r} is missing from the grid's axes")
    if int(eid[0]) != axis:
        raise GridError(file, eid, f"axis {axis} does not match the id")
    for key in ("label_fr", "label_en", "wording_fr"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise GridError(file, eid, f"{key} must be a non-empty text")
    metric = raw["metric"]
    if metric not in METRICS:
        raise GridError(file, eid, f"unknown metric {metric!r}")
    if raw["unit"] != METRICS[metric].unit:
        raise GridError(file, eid, f"unit {raw['unit']!r} differs from metric {metric}'s unit {METRICS[metric].unit!r}")
    direction = check_direction(raw["direction"], file, eid)
    cuts, mapping = _check_scoring(raw, metric, direction, file, eid)
    return {
        "id": eid, "axis": axis, "label_fr": raw["label_fr"].strip(), "label_en": raw["label_en"].strip(),
        "wording_fr": " ".join(raw["wording_fr"].split()), "metric": metric, "unit": raw["unit"],
        "direction": direction, "cuts": cuts, "mapping": mapping,
        "min_rows": check_min_rows(raw["min_rows"], file, eid),
        "params": check_params(raw.get("params"), metric, file, eid),
        "reason_scores": _check_reason_scores(raw.get("reason_scores"), file, eid),
        "notes": " ".join(str(raw.get("notes") or "").split()),
        "prevails": check_prevails(raw.get("prevails", "assessment" if metric == "assessment" else "computed"),
                                   file, eid),
    }  # fmt: skip


def check_params(raw: Any, metric: str, file: str, eid: str) -> dict[str, Any]:
    """Parameters known to the metric, of the default's type, with values from the contracts' vocabularies."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GridError(file, eid, f"params must be a mapping, got {raw!r}")
    defaults = METRICS[metric].defaults
    for key, value in raw.items():
        if key not in defaults:
            raise GridError(file, eid, f"metric {metric} has no parameter {key!r}")
        default = defaults[key]
        if isinstance(default, list):
            ok = isinstance(value, list) and value and all(isinstance(item, str) for item in value)
        elif isinstance(default, str):
            ok = isinstance(value, str)
        else:
            ok = _is_number(value)
        if not ok:
            raise GridError(file, eid, f"parameter {key} must look like {default!r}, got {value!r}")
        allowed = VOCABULARIES.get(key)
        values = value if isinstance(value, list) else [value]
        if allowed and not set(values) <= set(allowed):
            raise GridError(file, eid, f"parameter {key}: unknown value(s) {sorted(set(values) - set(allowed))}")
    return dict(raw)


def check_prevails(raw: Any, file: str, eid: str) -> str:
    """Which score stands where both exist: `assessment` or `computed`."""
    if raw not in PREVAILS:
        raise GridError(file, eid, f"prevails must be one of {', '.join(PREVAILS)}, got {raw!r}")
    return raw


def check_override(raw: Any, file: str, eid: str, base: dict[str, Any]) -> dict[str, Any]:
    """One override entry: new cuts or mapping (direction defaults to the base entry's) and/or min_rows."""
    if not isinstance(raw, dict) or not raw:
        raise GridError(file, eid, f"an override must be a non-empty mapping, got {raw!r}")
    unknown = sorted(set(raw) - OVERRIDE_KEYS)
    if unknown:
        raise GridError(file, eid, f"field(s) {', '.join(unknown)} cannot be overridden")
    if base["metric"] == "assessment" and ({"cuts", "mapping"} & set(raw)):
        raise GridError(file, eid, "an assessed indicator takes no cuts or mapping")
    if "direction" in raw and not ({"cuts", "mapping"} & set(raw)):
        raise GridError(file, eid, "a new direction needs its cuts or mapping")
    direction = check_direction(raw.get("direction", base["direction"]), file, eid)
    cuts = mapping = None
    if "cuts" in raw or "mapping" in raw:
        cuts, mapping = _check_scoring(raw, base["metric"], direction, file, eid)
    return {
        "entry_id": eid,
        "direction": direction if (cuts or mapping) else None,
        "cuts": cuts,
        "mapping": mapping,
        "min_rows": check_min_rows(raw["min_rows"], file, eid) if "min_rows" in raw else None,
        "notes": " ".join(str(raw.get("notes") or "").split()),
        "prevails": check_prevails(raw["prevails"], file, eid) if "prevails" in raw else None,
        **check_committee_words(raw, file, eid),
    }


def check_committee_words(raw: dict, file: str, eid: str) -> dict[str, Any]:
    """An override's levers (texts) and standing target (a score 1..4 or a number in the indicator's unit)."""
    levers = {}
    for key in ("levers_fr", "levers_en"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise GridError(file, eid, f"{key} must be a text, got {raw[key]!r}")
        levers[key] = " ".join(raw[key].split()) if key in raw else None
    score, value = raw.get("target_score"), raw.get("target_value")
    if score is not None and (isinstance(score, bool) or score not in (1, 2, 3, 4)):
        raise GridError(file, eid, f"target_score must be a score 1 to 4, got {score!r}")
    if value is not None and not _is_number(value):
        raise GridError(file, eid, f"target_value must be a number in the indicator's unit, got {value!r}")
    if score is not None and value is not None:
        raise GridError(file, eid, "give target_score or target_value, not both")
    return {**levers, "target_score": None if score is None else int(score),
            "target_value": None if value is None else float(value)}  # fmt: skip


def _check_scoring(raw: dict, metric: str, direction: str, file: str, eid: str) -> tuple[Any, Any]:
    has_cuts, has_mapping = "cuts" in raw, "mapping" in raw
    if metric == "assessment":
        if has_cuts or has_mapping:
            raise GridError(file, eid, "an assessed indicator takes no cuts or mapping")
        return None, None
    if has_cuts == has_mapping:
        raise GridError(file, eid, "give either cuts (3 numbers) or a mapping, not both or neither")
    if has_cuts:
        return check_cuts(raw["cuts"], file, eid), None
    return None, check_mapping(raw["mapping"], direction, file, eid)


def _check_reason_scores(raw: Any, file: str, eid: str) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(key, str) and not isinstance(value, bool) and value in (1, 2, 3, 4) for key, value in raw.items()
    ):
        raise GridError(file, eid, f"reason_scores must map reason keys to scores 1..4, got {raw!r}")
    return {key: int(value) for key, value in raw.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
