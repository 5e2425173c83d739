"""The field forms generated from the contract (issue 19): every one converts with pyxform without a warning, and
what a form refuses on the phone is what intake refuses: the same bounds, patterns, choices and required columns."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa
import pytest
from openpyxl import load_workbook

from schemas.readers.names import table_from_name
from schemas.readers.parsers import FALSE_WORDS, TRUE_WORDS
from schemas.tables import CONTRACTS, columns_of
from schemas.xlsform import FIELD_TABLES, LANGUAGES, ROW_RULES, _check_parts, build_form, field_tables
from schemas.xlsform_files import convert_warnings, settings_row, survey_rows, write_form
from validations.contracts import check_table, contract_problems, type_frame
from validations.problems import combine
from validations.rules import load_rules

TODAY = date(2026, 11, 22)
VALID = {
    "deliveries": {"delivery_id": "D1", "campaign": "2024-2025", "cluster_id": "CL1", "supplier_actor_id": "A1",
                   "delivery_date": "2025-01-10", "product": "riz paddy", "quantity_kg": "100", "accepted_kg": "90",
                   "meets_standard": "yes", "lot_id": "L1", "unit_price_xof": "250", "contract_id": ""},
    "sales": {"sale_id": "S1", "campaign": "2025", "cluster_id": "CL1", "sale_date": "2025-02-01",
              "market_kind": "local", "buyer": "", "product": "riz blanc", "quantity_kg": "500",
              "unit_price_xof": "600", "meets_client_standard": "no"},
    "governance_events": {"cluster_id": "CL1", "campaign": "2025", "event_id": "E1", "event_date": "2025-03-01",
                          "kind": "fair", "planned": "yes", "held": "no", "participants_expected": "10",
                          "participants_present": "8", "minutes_available": ""},
    "resources": {"cluster_id": "CL1", "campaign": "2025", "resource_kind": "human", "item": "magasinier",
                  "needed_qty": "2", "obtained_qty": "1", "unit": "personne"},
    "member_services": {"cluster_id": "CL1", "campaign": "2025", "service_kind": "training", "actor_id": "A1"},
    "employment": {"cluster_id": "CL1", "campaign": "2025", "link": "producer", "permanent_jobs": "3",
                   "seasonal_jobs_fte": "1.5", "women_jobs": "2", "youth_jobs": ""},
    "assessments": {"cluster_id": "CL1", "campaign": "2025", "indicator_id": "4.1", "score": "3",
                    "assessed_by": "coach ATDA", "assessed_on": "2025-06-01", "evidence": "plan écrit"},
    "action_plan": {"cluster_id": "CL1", "campaign": "2025", "action_id": "A1", "indicator_id": "3.1",
                    "action": "Signer des contrats avec les producteurs", "owner": "agrégateur",
                    "due_on": "2025-03-31", "target_score": "3", "target_value": "", "action_status": "done",
                    "done_on": "2025-03-20", "note": ""},
}  # fmt: skip
CANDIDATES = {
    "decimal": ["-1", "-0.5", "0", "0.5", "1", "4", "5", "90", "100", "101", "1000000", "1000001", "10000000",
                "10000001"],
    "integer": ["-1", "0", "1", "4", "5", "100", "1000001"],
    "date": [str(TODAY), str(TODAY + timedelta(days=1)), str(TODAY - timedelta(days=400))],
    "text": ["2024-2025", "2025", "24-25", "2024/2025", "2025-26", "x", "1.1", "6.4", "7.1", "1.5"],
}  # fmt: skip


@pytest.fixture(scope="module")
def forms() -> dict:
    return {table: build_form(table, indicators=None) for table in field_tables()}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("table", field_tables())
def test_every_field_form_converts_with_pyxform_without_a_warning(table, language, tmp_path):
    path = write_form(build_form(table, language), tmp_path)
    assert convert_warnings(path) == []


def test_the_field_tables_are_those_of_the_issue_and_each_has_a_valid_row():
    assert field_tables() == [table for table in FIELD_TABLES if table in CONTRACTS]
    assert set(field_tables()) >= {"deliveries", "sales", "governance_events", "resources", "member_services",
                                   "employment", "assessments"}  # fmt: skip
    for table in field_tables():
        assert check_table(table, pd.DataFrame([VALID[table]])).rejected.empty, table


@pytest.mark.parametrize("table", field_tables())
def test_questions_are_the_contract_columns_inside_a_group_named_after_the_table(table, forms):
    form = forms[table]
    rows = survey_rows(form)
    assert (rows[0]["type"], rows[0]["name"], rows[-1]["type"]) == ("begin_group", table, "end_group")
    asked = [question.name for question in form.questions]
    assert sorted(asked + list(form.derived)) == sorted(columns_of(table))
    assert form.mapping["columns"] == {name: name for name in asked}
    assert table_from_name(form.form_id) == table, "ODK Central names its export after the form id"
    for title in form.title.values():
        assert table_from_name(f"{title}_-_all_versions_-_False_-_2025-03-02-09-30-00.csv") == table, title


def xpath_verdict(constraint: str, value: object, row: dict) -> bool:
    """The generated constraint evaluated on a typed value, as ODK would: `.`, `${column}`, `and`, comparisons,
    `regex()`, `string-length()`, `today()`; anything else fails the test (the form uses more than this knows)."""
    patterns = []

    def keep(match: re.Match) -> str:
        patterns.append(match.group(1))
        return f"_regex(v, _p[{len(patterns) - 1}])"

    code = re.sub(r"regex\(\., '((?:[^']|'')*)'\)", keep, constraint)
    code = code.replace("string-length(.)", "len(v)").replace("today()", "today")
    code = re.sub(r"\$\{(\w+)\}", r"row['\1']", code)
    code = re.sub(r"(?<![\w\]'])\.(?![\w'])", "v", code)
    assert re.fullmatch(r"[\w\s.<>=\[\]'(),_]*", code), code
    scope = {"v": value, "row": row, "today": TODAY, "_p": patterns, "len": len,
             "_regex": lambda text, pattern: re.search(pattern, text) is not None}  # fmt: skip
    return bool(eval(code, {"__builtins__": {}}, scope))  # noqa: S307 - the test's own translation of the form


def typed(kind: str, text: str) -> object:
    if text == "":
        return text
    if kind in ("decimal", "integer"):
        return float(text)
    return date.fromisoformat(text) if kind == "date" else text


def contract_verdicts(table: str, cells: list[tuple[str, str]]) -> list[bool]:
    """Intake's verdict on each (column, value) put in a valid row: the contract (keys left aside: every row here
    is the same row), and the no-future-dates rule on date columns. One pass for all the rows."""
    frame = pd.DataFrame([{**VALID[table], column: text} for column, text in cells])
    typed_rows, problems = type_frame(table, frame)
    problems = combine([problems, contract_problems(table, typed_rows, problems)])
    refused = set(problems["row"])
    future = load_rules().no_future_dates.get(table, ())
    late = {
        i for i, (column, text) in enumerate(cells) if column in future and text and date.fromisoformat(text) > TODAY
    }
    return [i not in refused and i not in late for i in range(len(cells))]


def contract_accepts(table: str, column: str, text: str) -> bool:
    return contract_verdicts(table, [(column, text)])[0]


def form_accepts(form, column: str, text: str) -> bool:
    """The phone's verdict on a row whose `column` is `text`: every answered question's constraint holds (ODK
    checks a constraint only on an answer, and a required question left empty stops the form)."""
    kinds = {q.name: q.type.split()[0] for q in form.questions}
    row = {
        name: typed(kinds[name], value) for name, value in {**VALID[form.table], column: text}.items() if name in kinds
    }
    for question in form.questions:
        answer = row[question.name]
        if answer == "":
            if question.required:
                return False
        elif question.constraint and not xpath_verdict(question.constraint, answer, row):
            return False
    return True


@pytest.mark.parametrize("table", field_tables())
def test_each_constraint_refuses_on_the_phone_what_intake_refuses(table, forms):
    form = forms[table]
    cells = [(q.name, text) for q in form.questions for text in ["", *CANDIDATES.get(q.type.split()[0], [])]]
    on_phone = [form_accepts(form, column, text) for column, text in cells]
    at_intake = contract_verdicts(table, cells)
    assert [cell for cell, phone, intake in zip(cells, on_phone, at_intake, strict=True) if phone != intake] == []
    assert any(on_phone) and not all(on_phone)


@pytest.mark.parametrize("table", field_tables())
def test_each_choice_list_is_the_contract_allowed_values(table, forms):
    for question in forms[table].questions:
        if not question.type.startswith("select_one "):
            continue
        list_name = question.type.split()[1]
        names = [choice["name"] for choice in forms[table].choices if choice["list_name"] == list_name]
        if list_name == "yes_no":
            assert names == ["yes", "no"] and "yes" in TRUE_WORDS and "no" in FALSE_WORDS
            continue
        checks = CONTRACTS[table].to_schema().columns[question.name].checks
        allowed = next(check.statistics["allowed_values"] for check in checks if check.name == "isin")
        assert names == list(allowed)
        for name in names:
            assert contract_accepts(table, question.name, name)
        assert not contract_accepts(table, question.name, "autre"), "a value off the list is refused by intake too"


def test_the_cluster_and_the_members_are_picked_from_the_registry_files(forms):
    delivery = {q.name: q for q in forms["deliveries"].questions}
    assert delivery["cluster_id"].type == "select_one_from_file clusters.csv"
    assert delivery["supplier_actor_id"].type == "select_one_from_file actors.csv"
    assert delivery["supplier_actor_id"].choice_filter == "cluster_id=${cluster_id}", "members of that cluster only"
    member = {q.name: q for q in forms["member_services"].questions}
    assert member["actor_id"].choice_filter == "cluster_id=${cluster_id}"


def test_accepted_is_at_most_delivered_and_a_delivery_date_not_in_the_future(forms):
    accepted = {q.name: q for q in forms["deliveries"].questions}["accepted_kg"]
    row = {"quantity_kg": 100.0}
    assert xpath_verdict(accepted.constraint, 100.0, row) and not xpath_verdict(accepted.constraint, 100.5, row)
    when = {q.name: q for q in forms["deliveries"].questions}["delivery_date"]
    assert not xpath_verdict(when.constraint, TODAY + timedelta(days=1), {})
    assert "futur" in when.constraint_message["fr"] and "future" in when.constraint_message["en"]


def test_a_contract_rule_the_form_cannot_say_stops_the_build(monkeypatch):
    monkeypatch.delitem(ROW_RULES, "accepted_within_delivered")
    with pytest.raises(ValueError, match="accepted_within_delivered"):
        build_form("deliveries")


def test_labels_are_french_and_english_and_the_language_chosen_opens_the_form(tmp_path):
    indicators = {"4.1": {"fr": "Plan de communication externe", "en": "External communication plan"}}
    form = build_form("assessments", "en", indicators=indicators)
    book = load_workbook(write_form(form, tmp_path))
    headers = [cell.value for cell in book["survey"][1]]
    assert {f"label::{name}" for name in LANGUAGES.values()} <= set(headers)
    label = {q.name: q.label for q in form.questions}["assessed_by"]
    assert (label["fr"], label["en"]) == ("Apprécié par", "Assessed by")
    assert settings_row(form)["default_language"] == "English (en)" and form.title["en"] == "Vigie - Assessments"
    choices = [c for c in form.choices if c["list_name"] == "indicator_id"]
    assert [(c["name"], c["label::Français (fr)"], c["label::English (en)"]) for c in choices] == [
        ("4.1", "4.1 Plan de communication externe", "4.1 External communication plan")
    ]
    assert build_form("assessments", "fr", indicators=indicators).version == form.version, (
        "the language opened is not a new version"
    )
    assert build_form("deliveries").version != form.version


@pytest.mark.parametrize(
    "check", [pa.Check.str_length(3, 5), pa.Check.str_length(exact_value=4), pa.Check.in_range(2, 8), pa.Check.lt(3)]
)
def test_a_contract_check_no_table_uses_yet_is_said_the_same_way(check):
    """Checks a future contract may use: the constraint refuses what pandera's own check refuses."""
    column = pa.Column(str if "str" in check.name else float, check, name="x")
    expression = " and ".join(part for part, _ in _check_parts(column))
    values = ["ab", "abc", "abcd", "abcde", "abcdef"] if "str" in check.name else [1.0, 2.0, 2.5, 3.0, 8.0, 9.0]
    for value in values:
        assert xpath_verdict(expression, value, {}) == bool(check(pd.Series([value])).check_passed), value
