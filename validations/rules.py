"""Intake rules beyond the contracts, checked when loaded: each table's own rules as schemas/tables.py declares
them (references, dates, outliers, free text), which validations/rules.yaml may override table by table, and the
rules of every table (thresholds, verdict words) from rules.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from schemas.readers.forms import verdict_words
from schemas.tables import CONTRACTS, TABLES, CampaignDates, Outliers, columns_of, on_change

RULES_FILE = Path(__file__).with_name("rules.yaml")
SEVERITIES = ("row", "warning")
DERIVED = ("supplier_link",)


class RulesError(ValueError):
    """The rules file is malformed; the message says where."""


@dataclass(frozen=True)
class Rules:
    """Every rule, by table."""

    actor_columns: dict[str, tuple[str, ...]]
    no_future_dates: dict[str, tuple[str, ...]]
    campaign_dates: dict[str, CampaignDates]
    outliers: dict[str, Outliers]
    threshold: float
    min_group_rows: int
    min_relative_deviation: float = 0.0
    max_quarantined_share: float = 0.05
    rejected_verdicts: frozenset[str] = frozenset({"validation_status_not_approved", "not approved", "rejected"})
    flagged_verdicts: frozenset[str] = frozenset({"validation_status_on_hold", "on hold", "hasissues"})
    free_text: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per table, the text columns that may hold tabs and line breaks (every other text column holds one line)."""
    indicator_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per table, the columns that must name an indicator of the grid."""

    def verdicts(
        self, rejected: frozenset[str] | None = None, flagged: frozenset[str] | None = None
    ) -> tuple[frozenset[str], frozenset[str]]:
        """The words that reject and that flag a row for a form giving `rejected` and `flagged` (None: the rules'
        list; a word the form moves to its other list leaves the rules' list)."""
        rejected = self.rejected_verdicts - (flagged or frozenset()) if rejected is None else rejected
        flagged = self.flagged_verdicts - rejected if flagged is None else flagged
        return rejected, flagged


@cache
def load_rules(path: str = str(RULES_FILE)) -> Rules:
    """The rules of `path` (default: the packaged rules.yaml), refusing a malformed file with a clear message."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    try:
        return parse_rules(data)
    except (KeyError, TypeError, ValueError) as error:
        raise RulesError(f"{Path(path).name}: {error}") from error


def declared_rules() -> dict:
    """Each table's own rules as TABLES declares them, in rules.yaml's shape."""
    tables = TABLES.values()
    return {
        "references": {
            kind: {t.name: [c for c, to in t.references.items() if to == kind]
                   for t in tables if kind in t.references.values()}
            for kind in ("actors", "indicators")
        },
        "no_future_dates": {t.name: list(t.no_future_dates) for t in tables if t.no_future_dates},
        "campaign_dates": {t.name: vars(t.campaign_dates) for t in tables if t.campaign_dates},
        "control_characters": {"free_text": {t.name: list(t.free_text) for t in tables if t.free_text}},
        "outliers": {"tables": {t.name: {k: list(v) for k, v in vars(t.outliers).items()}
                                for t in tables if t.outliers}},
    }  # fmt: skip


def with_declared(data: dict) -> dict:
    """`data` (rules.yaml's form) over the tables' declared rules: a table named in a per-table section replaces its
    declared rule there (`~`, nothing, removes it)."""
    merged, declared = dict(data), declared_rules()
    for outer, inner in _PER_TABLE:
        if inner is None:
            merged[outer] = _over(declared[outer], data.get(outer))
        else:
            section = dict(merged.get(outer) or {})
            section[inner] = _over(declared[outer][inner], section.get(inner))
            merged[outer] = section
    return merged


_PER_TABLE = (("references", "actors"), ("references", "indicators"), ("no_future_dates", None),
              ("campaign_dates", None), ("control_characters", "free_text"), ("outliers", "tables"))  # fmt: skip


def _over(declared: dict, given: dict | None) -> dict:
    together = {**declared, **(given or {})}
    return {table: rule for table, rule in together.items() if rule is not None}


def parse_rules(data: dict) -> Rules:
    """Rules from their YAML form over the tables' declared rules; every table and column named must exist."""
    data = with_declared(data)
    references = data.get("references") or {}
    actors = {t: _columns(t, cols) for t, cols in (references.get("actors") or {}).items()}
    indicators = {t: _columns(t, cols) for t, cols in (references.get("indicators") or {}).items()}
    future = {t: _columns(t, cols) for t, cols in (data.get("no_future_dates") or {}).items()}
    windows = {}
    for table, spec in (data.get("campaign_dates") or {}).items():
        (column,) = _columns(table, [spec["column"]])
        severity = spec.get("severity", "row")
        if severity not in SEVERITIES:
            raise ValueError(f"campaign_dates.{table}: severity {severity!r} is not one of {SEVERITIES}")
        windows[table] = CampaignDates(column, severity, int(spec.get("tolerance_days", 0)))
    section = data.get("outliers") or {}
    outliers = {
        table: Outliers(
            _columns(table, spec["group_by"], derived=True),
            _columns(table, spec["columns"]),
            _columns(table, spec.get("log", [])),
        )
        for table, spec in (section.get("tables") or {}).items()
    }
    threshold = float(section.get("threshold", 3.5))
    if threshold <= 0:
        raise ValueError("outliers.threshold must be positive")
    relative = float(section.get("min_relative_deviation", 0.0))
    share = float((data.get("data_quality") or {}).get("max_quarantined_share", 0.05))
    if not 0 <= share <= 1:
        raise ValueError("data_quality.max_quarantined_share must lie between 0 and 1")
    min_rows = int(section.get("min_group_rows", 8))
    verdicts = {kind: _verdicts(data, kind) for kind in ("rejected", "flagged")}
    if verdicts["rejected"] & verdicts["flagged"]:
        raise ValueError(f"supervisor_verdicts: {sorted(verdicts['rejected'] & verdicts['flagged'])} in both lists")
    free = {t: _columns(t, cols) for t, cols in ((data.get("control_characters") or {}).get("free_text") or {}).items()}
    return Rules(
        actors, future, windows, outliers, threshold, min_rows, relative, share, verdicts["rejected"],
        verdicts["flagged"], free, indicators,
    )  # fmt: skip


def _verdicts(data: dict, kind: str) -> frozenset[str]:
    """The verdict words of `kind` (rejected or flagged), lower case; the defaults when the file names none."""
    values = (data.get("supervisor_verdicts") or {}).get(kind)
    if values is None:
        return getattr(Rules, f"{kind}_verdicts")
    try:
        return verdict_words(values)
    except ValueError:
        raise ValueError(f"supervisor_verdicts.{kind} must be a list of words") from None


def _columns(table: str, columns: list[str], derived: bool = False) -> tuple[str, ...]:
    if table not in CONTRACTS:
        raise ValueError(f"unknown table {table!r}")
    allowed = set(columns_of(table)) | (set(DERIVED) if derived else set())
    unknown = [column for column in columns if column not in allowed]
    if unknown:
        raise ValueError(f"{table}: unknown column(s) {', '.join(map(str, unknown))}")
    return tuple(columns)


on_change(load_rules.cache_clear)  # a table declared later brings its rules
