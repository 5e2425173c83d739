"""The words and the constraints of the field forms' questions (schemas/xlsform.py builds the forms from them).

Each constraint is an XPath expression with its message in French and English: from the contract's own checks
(bounds, patterns, lengths), from its rules across columns (accepted at most delivered), and from the intake rules
of validations/rules.yaml that refuse a row (a date in the future, a delivery date outside the cluster's campaign)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandera.pandas as pa
import yaml

from validations.rules import Rules

LANGUAGES = {"fr": "Français (fr)", "en": "English (en)"}
PATTERN_EXAMPLES = {r"^\d{4}(-\d{4})?$": "2024-2025, 2025", r"^[1-6]\.[1-4]$": "3.1"}
WORDS_FILE = Path(__file__).with_name("xlsform_words.yaml")


@cache
def form_words(path: str = str(WORDS_FILE)) -> dict:
    """The forms' titles, labels and messages, French and English."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def label_of(table: str, name: str) -> dict[str, str]:
    columns = form_words()["columns"]
    entry = columns.get(f"{table}.{name}") or columns.get(name)
    if entry is None:
        raise ValueError(f"{table}.{name} has no label in {WORDS_FILE.name}")
    return {lang: entry[lang] for lang in LANGUAGES}


BOUNDS = {
    "greater_than_or_equal_to": (">=", "min_value", "at_least"),
    "greater_than": (">", "min_value", "above"),
    "less_than_or_equal_to": ("<=", "max_value", "at_most"),
    "less_than": ("<", "max_value", "below"),
}
"""pandera's bound checks as XPath: operator, the statistic holding the bound, the message."""


def check_parts(column: pa.Column) -> list[tuple[str, dict[str, str]]]:
    """The column's own checks as XPath constraints, each with its message."""
    parts = []
    for check in column.checks:
        stats = check.statistics
        bounds = [(name, stats) for name in BOUNDS if check.name == name]
        if check.name == "in_range":
            bounds = [("greater_than_or_equal_to", stats), ("less_than_or_equal_to", stats)]
        for name, values in bounds:
            operator, statistic, message = BOUNDS[name]
            parts.append((f". {operator} {values[statistic]}", _message(message, value=values[statistic])))
        if check.name == "str_matches":
            pattern = stats["pattern"]
            parts.append(
                (f"regex(., '{pattern}')", _message("pattern", example=PATTERN_EXAMPLES.get(pattern, pattern)))
            )
        elif check.name == "str_length":
            parts.extend(_length_parts(stats))
        elif not bounds and check.name not in ("isin", "str_matches", "str_length"):
            raise ValueError(f"column {column.name}: no form constraint for the contract check {check.name}")
    return parts


def _length_parts(stats: dict) -> list[tuple[str, dict[str, str]]]:
    """A text's length bounds (a minimum of 1 is the required flag's)."""
    low, high = stats.get("exact_value") or stats.get("min_value"), stats.get("exact_value") or stats.get("max_value")
    parts = [(f"string-length(.) >= {low}", _message("length_min", value=low))] if low and low > 1 else []
    return parts + ([(f"string-length(.) <= {high}", _message("length", value=high))] if high is not None else [])


CALENDAR = "instance('clusters')/root/item[name=${{cluster_id}}]/{field}"
"""The picked cluster's campaign calendar, from clusters.csv (its `campaign_start_md`, `campaign_end_md`)."""


def _campaign_parts(table: str, name: str, rules: Rules) -> list[tuple[str, dict[str, str]]]:
    """A date inside the picked cluster's campaign when rules.yaml refuses a row outside it (a warning is left to
    intake), the window worked out as intake does (schemas/campaign.py): from the campaign's first year and the
    calendar's start to its end in the next year when the calendar runs over the new year (`2025` included), in the
    same year otherwise; a two-year name under a one-year calendar is left to intake."""
    window = rules.campaign_dates.get(table)
    if window is None or window.column != name or window.severity != "row":
        return []
    start_md, end_md = CALENDAR.format(field="campaign_start_md"), CALENDAR.format(field="campaign_end_md")
    first = "substr(${campaign}, 0, 4)"
    crosses = f"number(translate({start_md}, '-', '')) > number(translate({end_md}, '-', ''))"
    days = f" - {window.tolerance_days}" if window.tolerance_days else ""
    after = f". >= date(concat({first}, '-', {start_md})){days}"
    later = f" + {window.tolerance_days}" if window.tolerance_days else ""
    two = f"{after} and . <= date(concat(number({first}) + 1, '-', {end_md})){later}"
    one = f"{after} and . <= date(concat({first}, '-', {end_md})){later}"
    one_year_name = "string-length(${campaign}) < 5"
    return [(f"if({crosses}, {two}, if({one_year_name}, {one}, true()))", _message("in_campaign"))]


def rule_parts(table: str, name: str, rules: Rules, limits: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """The intake rules and contract rules across columns that bear on one question."""
    parts = _campaign_parts(table, name, rules)
    if name in limits:
        other = limits[name]
        parts.append((f". <= ${{{other}}}", _message("at_most_column", label=None, other=(table, other))))
    if name in rules.no_future_dates.get(table, ()):
        parts.append((". <= today()", _message("not_future")))
    return parts


def _message(key: str, other: tuple[str, str] | None = None, **values: object) -> dict[str, str]:
    texts = form_words()["messages"][key]
    labels = label_of(*other) if other else {}
    return {lang: texts[lang].format(**{**values, "label": labels.get(lang)}) for lang in LANGUAGES}
