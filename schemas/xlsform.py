"""Field forms generated from the contract: one XLSForm per table collected in the field (issue 19).

A form is the contract seen from a phone: a question per contract column inside a group named after the table,
its type from the column's dtype, a choice list from its allowed values, a constraint from its bounds and pattern,
required unless the column may be empty; the intake rules that refuse a row (a future date, a member of another
cluster) are constraints and filters too. The cluster and the members are picked from the registry, in external
CSV files written beside the form (`select_one_from_file`, which ODK and KoboToolbox both read). The mapping that
intake reads the form's exports with is generated with it (schemas/xlsform_files.py writes both)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import pandera.pandas as pa

from schemas.readers.names import normal_name
from schemas.tables import CONTRACTS, TABLES
from schemas.xlsform_rules import LANGUAGES, WORDS_FILE, check_parts, form_words, label_of, rule_parts
from validations.rules import Rules, load_rules

FIELD_TABLES = (
    "deliveries", "sales", "governance_events", "resources", "member_services", "employment", "assessments",
    "action_plan",
)  # fmt: skip
"""The tables coaches collect on phones (those of them the contract declares: the action plan once it exists)."""
SUBMISSION_IDS = {"deliveries": "delivery_id", "sales": "sale_id", "governance_events": "event_id"}
"""Ids nobody types: the form has no question for them, intake fills them from the submission's stable id."""
ROW_RULES = {"accepted_within_delivered": ("accepted_kg", "quantity_kg")}
"""The contracts' rules across columns, as (column, column it may not exceed): a rule missing here stops the build."""
CLUSTERS_FILE, ACTORS_FILE = "clusters.csv", "actors.csv"


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet: a contract column asked on the phone."""

    type: str
    name: str
    label: dict[str, str]
    required: bool = False
    constraint: str = ""
    constraint_message: dict[str, str] = field(default_factory=dict)
    choice_filter: str = ""
    appearance: str = ""


@dataclass(frozen=True)
class FieldForm:
    """A generated form: its survey questions (inside one group), choice lists, settings and intake's mapping."""

    table: str
    form_id: str
    title: dict[str, str]
    questions: list[Question]
    choices: list[dict[str, str]]
    language: str
    derived: dict[str, str]

    @property
    def version(self) -> str:
        """A version that changes whenever the questions or choices change (ODK Central asks for a new one)."""
        text = json.dumps([[q.__dict__ for q in self.questions], self.choices], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]

    @property
    def mapping(self) -> dict:
        """The form mapping intake reads this form's ODK Central and Kobo exports with (schemas/readers/forms.py):
        each question by its name and by its French and English labels (a Kobo export with labels as headers)."""
        return {
            "form": self.form_id,
            "table": self.table,
            "description": form_words()["mapping_description"][self.language].format(
                table=self.table, version=self.version
            ),
            "columns": {
                **{label: q.name for q in self.questions for label in q.label.values()},
                **{q.name: q.name for q in self.questions},
            },  # fmt: skip
            **({"derive": self.derived} if self.derived else {}),
        }


def field_tables() -> list[str]:
    """The field tables the contract declares, in the order of FIELD_TABLES."""
    return [table for table in FIELD_TABLES if table in CONTRACTS]


def build_form(
    table: str, language: str = "fr", rules: Rules | None = None, indicators: dict[str, dict[str, str]] | None = None
) -> FieldForm:
    """The form of `table`, labelled in French and English with `language` shown first; `indicators` (id -> label
    per language) makes the indicator a choice list instead of a typed code."""
    if table not in field_tables():
        raise ValueError(f"{table!r} is not a field table ({', '.join(field_tables())})")
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    rules = rules or load_rules()
    schema = CONTRACTS[table].to_schema()
    limits = _row_rules(table, schema)
    derived = {SUBMISSION_IDS[table]: "submission_id"} if table in SUBMISSION_IDS else {}
    asked = [name for name in _question_order(schema) if name not in derived]
    questions, choices = [], []
    for name in asked:
        question, listed = _question(table, name, schema.columns[name], rules, limits, indicators)
        questions.append(question)
        choices.extend(entry for entry in listed if entry not in choices)
    _labels_name_no_other_column(table, questions, list(schema.columns))
    title = {lang: f"Vigie - {TABLES[table].title_in(lang)}" for lang in LANGUAGES}
    return FieldForm(table, f"vigie_{table}", title, questions, choices, language, derived)


def _labels_name_no_other_column(table: str, questions: list[Question], columns: list[str]) -> None:
    """A label read as a column title must lead to its own question only: not another column's name, nor another
    question's label."""
    seen: dict[str, str] = {}
    for question in questions:
        for label in question.label.values():
            key = normal_name(label)
            clash = seen.get(key, question.name) if key not in columns or key == question.name else key
            if clash != question.name:
                raise ValueError(
                    f"{table}: the label {label!r} of {question.name} would read as {clash} ({WORDS_FILE.name})"
                )
            seen[key] = question.name


def _question_order(schema: pa.DataFrameSchema) -> list[str]:
    """The contract's columns, the cluster first (the members' list is filtered by it), then the campaign."""
    first = [name for name in ("cluster_id", "campaign") if name in schema.columns]
    return first + [name for name in schema.columns if name not in first]


def _row_rules(table: str, schema: pa.DataFrameSchema) -> dict[str, str]:
    """Column -> the column it may not exceed, from the contract's rules across columns."""
    unknown = [check.name for check in schema.checks if check.name not in ROW_RULES]
    if unknown:
        raise ValueError(f"{table}: the contract rule(s) {', '.join(unknown)} have no form constraint (ROW_RULES)")
    return dict(ROW_RULES[check.name] for check in schema.checks)


def _question(
    table: str, name: str, column: pa.Column, rules: Rules, limits: dict[str, str], indicators: dict | None
) -> tuple[Question, list[dict[str, str]]]:
    """The question asking `name`, and the choices it lists."""
    kind, choices = _type(name, column, rules.actor_columns.get(table, ()), indicators)
    parts = [*check_parts(column), *rule_parts(table, name, rules, limits)]
    if kind.startswith("select_one "):
        parts = [part for part in parts if not part[0].startswith("regex(")]  # the list holds only matching ids
    question = Question(
        type=kind,
        name=name,
        label=label_of(table, name),
        required=not column.nullable,
        constraint=" and ".join(expression for expression, _ in parts),
        constraint_message={lang: " ".join(text[lang] for _, text in parts) for lang in LANGUAGES} if parts else {},
        choice_filter="cluster_id=${cluster_id}" if kind == f"select_one_from_file {ACTORS_FILE}" else "",
        appearance="multiline" if name in rules.free_text.get(table, ()) else "",
    )
    return question, choices


def _type(
    name: str, column: pa.Column, actor_columns: tuple[str, ...], indicators: dict | None
) -> tuple[str, list[dict[str, str]]]:
    """The XLSForm type of a column, and the choices of its list; `actor_columns` must name a member (rules.yaml)."""
    allowed = next((c.statistics["allowed_values"] for c in column.checks if c.name == "isin"), None)
    if allowed is not None:
        return f"select_one {name}", _choices(name, allowed)
    if name == "cluster_id":
        return f"select_one_from_file {CLUSTERS_FILE}", []
    if name in actor_columns:
        return f"select_one_from_file {ACTORS_FILE}", []
    if name == "indicator_id" and indicators:
        patterns = [c.statistics["pattern"] for c in column.checks if c.name == "str_matches"]
        wrong = [key for key in indicators if not all(re.match(pattern, key) for pattern in patterns)]
        if wrong:
            raise ValueError(f"indicator id(s) {', '.join(wrong)} do not match the contract's {patterns}")
        return "select_one indicator_id", _indicator_choices(indicators)
    dtype = str(column.dtype)
    if dtype == "boolean":
        return "select_one yes_no", _choices("yes_no", ("yes", "no"))
    if dtype.startswith("datetime64"):
        return "date", []
    if dtype in ("Float64", "Int64"):
        return ("decimal" if dtype == "Float64" else "integer"), []
    if dtype.startswith("string") or dtype == "str":
        return "text", []
    raise ValueError(f"column {name}: no question type for dtype {dtype}")


def _choices(list_name: str, values) -> list[dict[str, str]]:
    """A choice list from the contract's allowed values, labelled from the words file."""
    labels = form_words()["choices"].get(list_name, {})
    missing = [value for value in values if value not in labels]
    if missing:
        raise ValueError(f"choices {list_name}: no label for {', '.join(map(str, missing))} in {WORDS_FILE.name}")
    return [_choice(list_name, str(value), labels[value]) for value in values]


def _indicator_choices(indicators: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    return [
        _choice("indicator_id", key, {lang: f"{key} {text[lang]}" for lang in LANGUAGES})
        for key, text in indicators.items()
    ]


def _choice(list_name: str, name: str, labels: dict[str, str]) -> dict[str, str]:
    return {"list_name": list_name, "name": name, **{translated("label", lang): labels[lang] for lang in LANGUAGES}}


def translated(header: str, lang: str) -> str:
    """A translated column of a sheet: `label::Français (fr)`."""
    return f"{header}::{LANGUAGES[lang]}"
