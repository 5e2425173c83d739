"""The field forms generated from the contract (issue 19): every one converts with pyxform without a warning, and
what a form refuses on the phone is what intake refuses: the same bounds, patterns, choices and required columns."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa
import pytest
from openpyxl import load_workbook

from schemas.campaign import campaign_window
from schemas.readers.names import table_from_name
from schemas.readers.parsers import FALSE_WORDS, TRUE_WORDS
from schemas.tables import CONTRACTS, columns_of
from schemas.xlsform import FIELD_TABLES, ROW_RULES, build_form, field_tables
from schemas.xlsform_files import convert_warnings, settings_row, survey_rows, write_form
from schemas.xlsform_rules import LANGUAGES, check_parts
from validations.contracts import check_table, contract_problems, type_frame
from validations.problems import combine
from validations.rules import load_rules

TODAY = date(2026, 11, 22)
CALENDARS = {"CL1": {"campaign_start_md": "10-01", "campaign_end_md": "06-30"}}
"""clusters.csv of the tests: CL1's campaign runs over the new year (October to June), as rice's does."""
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
    expected = {name: name for name in asked} | {label: q.name for q in form.questions for label in q.label.values()}
    assert form.mapping["columns"] == expected, "each question by its name and its labels (Kobo's label exports)"
    assert (
        form.mapping["description"].startswith("Écrit par `vigie forms build`")
        and form.version in (form.mapping["description"])
    ), "in the form's language, French by default"
    assert table_from_name(form.form_id) == table, "ODK Central names its export after the form id"
    for title in form.title.values():
        assert table_from_name(f"{title}_-_all_versions_-_False_-_2025-03-02-09-30-00.csv") == table, title


class _NoDate:
    """What `date()` gives for a text that is not a date: every comparison false, as NaN in ODK."""

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __rsub__ = __lt__

    def __sub__(self, days):
        return self


def _xdate(text: object) -> object:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return _NoDate()


def _xnumber(text: object) -> float:
    try:
        return float(str(text))
    except ValueError:
        return float("nan")


XPATH = {"_if": lambda test, yes, no: yes if test else no, "number": _xnumber, "date": _xdate,
         "concat": lambda *parts: "".join(str(int(p)) if isinstance(p, float) else str(p) for p in parts),
         "substr": lambda text, start, end=None: str(text)[int(start) : None if end is None else int(end)],
         "translate": lambda text, old, new: str(text).translate(str.maketrans(old[: len(new)], new, old[len(new) :])),
         "cal": lambda cluster, field: CALENDARS.get(cluster, {}).get(field, "")}  # fmt: skip
"""XPath's functions as the forms use them (ODK's `substr` counts from 0)."""


def xpath_verdict(constraint: str, value: object, row: dict) -> bool:
    """The generated constraint evaluated on a typed value, as ODK would: `.`, `${column}`, `and`, comparisons,
    `regex()`, `string-length()`, `today()`, `if()`, `date()`, `concat()`, `substr()`, `number()`, `translate()`,
    the picked cluster's calendar from clusters.csv; anything else fails the test (the form uses more)."""
    patterns = []

    def keep(match: re.Match) -> str:
        patterns.append(match.group(1))
        return f"_regex(v, _p[{len(patterns) - 1}])"

    code = re.sub(r"regex\(\., '((?:[^']|'')*)'\)", keep, constraint)
    code = re.sub(
        r"instance\('clusters'\)/root/item\[name=\$\{cluster_id\}\]/(\w+)", r"cal(row['cluster_id'], '\1')", code
    )
    code = code.replace("string-length(.)", "len(v)").replace("today()", "today").replace("true()", "True")
    code = re.sub(r"string-length\((\$\{\w+\})\)", r"len(str(\1))", code).replace("if(", "_if(")
    code = re.sub(r"\$\{(\w+)\}", r"row['\1']", code)
    code = re.sub(r"(?<![\w\]'])\.(?![\w'])", "v", code)
    assert re.fullmatch(r"[\w\s.<>=\[\]'(),_+-]*", code), code
    scope = {"v": value, "row": row, "today": TODAY, "_p": patterns, "len": len, "str": str, "True": True, **XPATH,
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
    rules = load_rules()
    future = rules.no_future_dates.get(table, ())
    late = {
        i for i, (column, text) in enumerate(cells) if column in future and text and date.fromisoformat(text) > TODAY
    }
    window = rules.campaign_dates.get(table)
    if window is not None and window.severity == "row":
        late |= {i for i, (column, text) in enumerate(cells) if outside_campaign({**VALID[table], column: text},
                                                                                  window.column)}  # fmt: skip
    return [i not in refused and i not in late for i in range(len(cells))]


def outside_campaign(row: dict, column: str) -> bool:
    """Intake's campaign rule on a row (its cluster's calendar in CALENDARS); a malformed campaign or an empty date
    is the contract's to refuse."""
    calendar = CALENDARS.get(row["cluster_id"])
    if calendar is None:
        return False  # intake leaves the dates of an unknown cluster alone
    try:
        first, last = campaign_window(row["campaign"], calendar["campaign_start_md"], calendar["campaign_end_md"])
        return not first <= date.fromisoformat(row[column]) <= last
    except ValueError:
        return False


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
    in_campaign = {"cluster_id": "CL1", "campaign": "2026-2027"}  # October 2026 to June 2027: holds tomorrow
    assert not xpath_verdict(when.constraint, TODAY + timedelta(days=1), in_campaign)
    assert "futur" in when.constraint_message["fr"] and "future" in when.constraint_message["en"]


@pytest.mark.parametrize(
    ("campaign", "day", "inside"),
    [("2024-2025", "2024-10-01", True), ("2024-2025", "2025-06-30", True), ("2024-2025", "2024-09-30", False),
     ("2024-2025", "2025-07-01", False), ("2024", "2024-12-01", True), ("2024", "2024-09-01", False)],
)  # fmt: skip
def test_a_delivery_date_falls_inside_the_picked_clusters_campaign_as_intake_reckons_it(forms, campaign, day, inside):
    when = {q.name: q for q in forms["deliveries"].questions}["delivery_date"]
    row = {"cluster_id": "CL1", "campaign": campaign}
    assert xpath_verdict(when.constraint, date.fromisoformat(day), row) is inside
    assert outside_campaign({**row, "delivery_date": day}, "delivery_date") is not inside, "intake says the same"
    assert "campagne du cluster" in when.constraint_message["fr"]
    sale = {q.name: q for q in forms["sales"].questions}["sale_date"]
    assert "instance('clusters')" not in sale.constraint, "a sale outside the campaign is only a warning at intake"


def test_a_label_that_would_read_as_another_column_stops_the_build(monkeypatch):
    from schemas import xlsform_rules

    words = xlsform_rules.form_words()
    columns = {**words["columns"], "deliveries.accepted_kg": {"fr": "Quantité (kg)", "en": "quantity kg"}}
    monkeypatch.setattr(xlsform_rules, "form_words", lambda: {**words, "columns": columns})
    with pytest.raises(ValueError, match="the label 'quantity kg' of accepted_kg would read as quantity_kg"):
        build_form("deliveries")


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
    expression = " and ".join(part for part, _ in check_parts(column))
    values = ["ab", "abc", "abcd", "abcde", "abcdef"] if "str" in check.name else [1.0, 2.0, 2.5, 3.0, 8.0, 9.0]
    for value in values:
        assert xpath_verdict(expression, value, {}) == bool(check(pd.Series([value])).check_passed), value
