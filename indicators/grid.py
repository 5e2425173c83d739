"""The scoring grid: its entries on 6 axes, level cuts, and the value-chain and cluster overrides, from YAML."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from indicators.grid_checks import GridError, check_entry, check_override, entry_id

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_GRID = PACKAGE_DIR / "grid.yaml"
LEVERS_FILE = "levers.yaml"  # beside the grid file: each entry's levers, French and English
PACKAGED_OVERRIDES = PACKAGE_DIR / "overrides"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is 10x faster, same safe subset
SCOPES = ("value_chain", "cluster_id")

LEVELS: dict[str, dict[str, str]] = {
    "critique": {"fr": "critique", "en": "critical"},
    "fragile": {"fr": "fragile", "en": "fragile"},
    "en_progres": {"fr": "en progrès", "en": "improving"},
    "performant": {"fr": "performant", "en": "performing"},
}
"""Overall levels, worst first, with their French and English labels; their cuts live in grid.yaml."""


@dataclass(frozen=True)
class GridEntry:
    """One indicator of the grid: what it measures and how a value becomes a score 1..4."""

    id: str
    axis: int
    label_fr: str
    label_en: str
    wording_fr: str
    metric: str
    unit: str
    direction: str
    cuts: tuple[float, float, float] | None
    mapping: tuple[tuple[float, int], ...] | None
    min_rows: int
    params: dict[str, Any] = field(default_factory=dict)
    reason_scores: dict[str, int] = field(default_factory=dict)
    notes: str = ""
    prevails: str = "computed"  # where both exist: "assessment" (the committee's or coach's answer) or "computed"
    levers_fr: str = ""  # what the committee can do to move it (levers.yaml, from the guide)
    levers_en: str = ""


@dataclass(frozen=True)
class Override:
    """A change to one entry for one value chain or one cluster (None fields keep the base entry's)."""

    scope: str  # "value_chain" or "cluster_id"
    target: str
    entry_id: str
    direction: str | None
    cuts: tuple[float, float, float] | None
    mapping: tuple[tuple[float, int], ...] | None
    min_rows: int | None
    notes: str
    source: str
    prevails: str | None = None
    levers_fr: str | None = None
    levers_en: str | None = None
    target_score: int | None = None  # the committee's standing target for the indicator (a plan's target wins)
    target_value: float | None = None


@dataclass(frozen=True)
class Grid:
    """A validated grid with its overrides; `grid_hash` is the sha256 of its canonical content."""

    entries: tuple[GridEntry, ...]
    axes: dict[int, dict[str, str]]
    levels: tuple[tuple[str, float], ...]
    overrides: tuple[Override, ...]
    grid_hash: str
    source: str

    def entry(self, indicator_id: str) -> GridEntry:
        """The base entry of `indicator_id`."""
        return next(entry for entry in self.entries if entry.id == indicator_id)


def load_grid(path: str | Path | None = None, overrides: list[str | Path] | None = None) -> Grid:
    """Read and check a grid (default: the packaged grid.yaml) and its override files or folders.

    `overrides=None` reads the packaged `indicators/overrides/` folder; an explicit list replaces it (pass
    `[PACKAGED_OVERRIDES, my_dir]` to keep both). Folders are read recursively, `*.yaml` in name order.
    """
    file = Path(path) if path is not None else DEFAULT_GRID
    doc = _read_yaml(file)
    name = str(file)
    if not isinstance(doc, dict):
        raise GridError(name, "-", "the grid must be a mapping with axes, levels and entries")
    axes = _check_axes(doc.get("axes"), name)
    levels = _check_levels(doc.get("levels"), name)
    raw_entries = doc.get("entries")
    if not isinstance(raw_entries, list):
        raise GridError(name, "-", "entries must be a list")
    entries: list[GridEntry] = []
    for raw in raw_entries:
        checked = check_entry(raw, name, axes)
        if any(entry.id == checked["id"] for entry in entries):
            raise GridError(name, checked["id"], "duplicate id")
        entries.append(GridEntry(**checked))
    beside = file.with_name(LEVERS_FILE)
    entries = _with_levers(entries, beside if beside.exists() else PACKAGE_DIR / LEVERS_FILE, beside.exists())
    expected = doc.get("entry_count", len(entries))  # the guide's grid states its count: a lost entry is refused
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise GridError(name, "-", f"entry_count must be a whole number, got {expected!r}")
    if not entries or len(entries) != expected:
        raise GridError(name, "-", f"the base grid has {len(entries)} entries, expected {expected or 'some'}")
    entries.sort(key=lambda entry: (entry.axis, int(entry.id.split(".")[1])))
    read = _read_overrides(overrides if overrides is not None else [PACKAGED_OVERRIDES], entries)
    return Grid(tuple(entries), axes, levels, read, _hash(entries, axes, levels, read), name)


def _with_levers(entries: list[GridEntry], file: Path, strict: bool) -> list[GridEntry]:
    """The entries with their levers from `file`: the levers file beside the grid (`strict`: every entry needs its
    French and English text, and none other), else the packaged one (for the entries it knows)."""
    doc, name = _read_yaml(file), str(file)
    if not isinstance(doc, dict):
        raise GridError(name, "-", "the levers must map each entry id to its fr and en texts")
    texts = {entry_id(key, name): value for key, value in doc.items()}
    unknown = sorted(set(texts) - {entry.id for entry in entries})
    if unknown and strict:
        raise GridError(name, unknown[0], "no such entry in the grid")
    with_levers = []
    for entry in entries:
        text = texts.get(entry.id)
        if text is None and not strict:
            with_levers.append(entry)
            continue
        if not isinstance(text, dict) or not all(isinstance(text.get(k), str) and text[k].strip() for k in LANGS):
            raise GridError(name, entry.id, "needs its levers as two texts, fr and en")
        with_levers.append(dataclasses.replace(entry, levers_fr=" ".join(text["fr"].split()),
                                               levers_en=" ".join(text["en"].split())))  # fmt: skip
    return with_levers


LANGS = ("fr", "en")


def _read_yaml(file: Path) -> Any:
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise GridError(str(file), "-", f"cannot be read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise GridError(str(file), "-", f"is not valid YAML: {exc}") from exc


def _check_axes(raw: Any, file: str) -> dict[int, dict[str, str]]:
    if not isinstance(raw, dict):
        raise GridError(file, "-", "axes must map 1..6 to their label_fr and label_en")
    if sorted(raw) != [1, 2, 3, 4, 5, 6]:
        missing = sorted(set(range(1, 7)) - set(raw))
        raise GridError(file, "-", f"axes must be exactly 1..6 (missing axis {missing or 'none'})")
    axes = {}
    for axis, labels in raw.items():
        if not isinstance(labels, dict) or not all(isinstance(labels.get(k), str) for k in ("label_fr", "label_en")):
            raise GridError(file, f"axis {axis}", "needs label_fr and label_en")
        axes[axis] = {"label_fr": labels["label_fr"], "label_en": labels["label_en"]}
    return dict(sorted(axes.items()))


def _check_levels(raw: Any, file: str) -> tuple[tuple[str, float], ...]:
    expected = list(LEVELS)[:-1]
    if not isinstance(raw, dict) or list(raw) != expected:
        raise GridError(file, "levels", f"levels must give the upper bounds of {', '.join(expected)}, in order")
    bounds = list(raw.values())
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds) or bounds != sorted(
        set(bounds)
    ):
        raise GridError(file, "levels", f"level bounds must be ascending numbers, got {bounds}")
    return tuple((key, float(bound)) for key, bound in raw.items())


def _read_overrides(paths: list[str | Path], entries: list[GridEntry]) -> tuple[Override, ...]:
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    base = {entry.id: dataclasses.asdict(entry) for entry in entries}
    read: dict[tuple[str, str, str], Override] = {}
    for file in files:
        doc, name = _read_yaml(file), str(file)
        if not isinstance(doc, dict) or sum(scope in doc for scope in SCOPES) != 1:
            raise GridError(name, "-", "an override file needs exactly one of value_chain or cluster_id")
        scope = next(scope for scope in SCOPES if scope in doc)
        target, changes = doc[scope], doc.get("entries")
        if not isinstance(target, str) or not target or not isinstance(changes, dict) or not changes:
            raise GridError(name, "-", f"{scope} must be a text and entries a mapping of entry id -> changes")
        for raw_id, raw in changes.items():
            eid = entry_id(raw_id, name)
            if eid not in base:
                raise GridError(name, eid, "no such entry in the base grid")
            key = (scope, target, eid)
            if key in read:
                raise GridError(name, eid, f"already overridden for {scope} {target} in {read[key].source}")
            read[key] = Override(scope, target, source=name, **check_override(raw, name, eid, base[eid]))
    return tuple(read[key] for key in sorted(read))


def _hash(entries, axes, levels, overrides) -> str:
    content = {
        "entries": [dataclasses.asdict(entry) for entry in entries],
        "axes": {str(axis): labels for axis, labels in axes.items()},
        "levels": levels,
        "overrides": [{k: v for k, v in dataclasses.asdict(change).items() if k != "source"} for change in overrides],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
