"""DHIS2 export: the mapping is checked, a real small review becomes a dataValueSets payload holding only what the
mapping names (the rest said), missing figures are never sent, and `vigie export dhis2 --post` against a local DHIS2
double reports its import summary and conflicts, retries what may be retried and never shows the token."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from connectors import dhis2_client
from connectors.dhis2 import MappingError, dhis2_period, parse_mapping
from connectors.dhis2_payload import CSV_COLUMNS, as_csv, build_export
from connectors.dhis2_summary import parse_summary, summary_lines
from tests.support.dhis2_double import HANG, TEST_TOKEN, Dhis2Double, shape_problems

SEASON = "2025"
IDS = [f"{axis}.{n}" for axis in range(1, 7) for n in range(1, 5)]
UNITS = {"CL-MAI-GGN-01": "OuMaiGgn001", "CL-MAN-LKS-01": "OuManLks001"}  # CL-RIZ-ZGB-01 is left unmapped
KNOWN_UNITS = {"OuMaiGgn001", "OuManLks001"}


@pytest.fixture(scope="module")
def review():
    """A real review of a small generated sample (3 clusters, 2 campaigns), computed once by the pure core."""
    import tempfile

    from indicators.season import review_season
    from schemas.reading import read_csv_dir
    from synthetic import generate
    from validations.contracts import check_table

    folder = tempfile.mkdtemp(prefix="dhis2-sample-")
    generate(folder, clusters=3, campaigns=2, seed=7, deliveries_per_cluster_campaign=80)
    tables = {name: check_table(name, frame).accepted for name, frame in read_csv_dir(folder).items()}
    return tables, review_season(tables, SEASON)


def mapping_doc(**changes) -> dict:
    """A mapping naming the overall score, axis 1, three indicators and two of the three clusters."""
    doc = {
        "period_type": "Yearly",
        "data_elements": {
            "overall": "DeOverall01",
            "axis_1": "DeAxis00001",
            "1.1": {"score": "De11Score01", "value": "De11Value01"},
            "4.1": {"score": "De41Score01", "value": "De41Value01"},
            "5.1": {"score": "De51Score01"},
        },
        "org_units": dict(UNITS),
    }
    return {**doc, **changes}


def exported(review, doc=None):
    tables, result = review
    mapping = parse_mapping(doc or mapping_doc(), IDS)
    return build_export(mapping, result.indicators, result.axes, result.overall, tables["clusters"])


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"data_elements": {"9.9": {"score": "De11Score01"}}}, "data_elements.9.9: not an indicator"),
        ({"data_elements": {"1.1": {"score": "1e11Score01"}}}, "data_elements.1.1.score: '1e11Score01' is not a DHIS2"),
        ({"data_elements": {"1.1": {"score": "De11Score0"}}}, "is not a DHIS2 uid"),
        ({"data_elements": {"1.1": {"score": "De11-core01"}}}, "is not a DHIS2 uid"),
        ({"data_elements": {"1.1": {"grade": "De11Score01"}}}, "expected {score: <uid>, value: <uid>}"),
        ({"data_elements": {"overall": "DeOverall01", "axis_2": "DeOverall01"}}, "DeOverall01 is named more than once"),
        ({"org_units": {"CL-A": "OuMaiGgn001", "CL-B": "OuMaiGgn001"}}, "organisation unit OuMaiGgn001 is named"),
        ({"org_units": {}}, "org_units must be a non-empty mapping"),
        ({"period_type": "Monthly"}, "period_type 'Monthly': expected one of Yearly, FinancialFeb"),
        ({"category_option_combo": "default"}, "category_option_combo: 'default' is not a DHIS2 uid"),
        ({"orgunits": {}}, "unknown key(s) orgunits"),
        ({"periods": ["2024-2025"]}, "periods must map a campaign to a DHIS2 period"),
        ({"periods": {"24-25": "2025"}}, "periods.24-25: not a campaign"),
        ({"periods": {"2024-2025": "2024July"}}, "periods.2024-2025: '2024July' is not a Yearly period (e.g. 2025)"),
        ({"period_type": "FinancialJuly", "periods": {"2025": "2025"}}, "'2025' is not a FinancialJuly period"),
    ],
)
def test_a_mapping_dhis2_cannot_use_is_refused_naming_the_entry(change, says):
    with pytest.raises(MappingError) as refused:
        parse_mapping(mapping_doc(**change), IDS, source="dhis2.yaml")
    assert says in str(refused.value) and str(refused.value).startswith("dhis2.yaml: ")


@pytest.mark.parametrize(
    ("campaign", "start", "end", "period_type", "period"),
    [
        ("2024-2025", "10-01", "06-30", "Yearly", "2025"),
        ("2025", "03-01", "12-31", "Yearly", "2025"),
        ("2024-2025", "10-01", "06-30", "FinancialJuly", "2024July"),
        ("2024-2025", "08-01", "07-31", "FinancialJuly", "2025July"),
        ("2024-2025", "10-01", "06-30", "FinancialApril", "2025April"),
        ("2024-2025", "10-01", "06-30", "FinancialOct", "2024Oct"),
        ("2025", "03-01", "11-30", "FinancialNov", "2025Nov"),
    ],
)
def test_a_campaign_is_reported_in_the_dhis2_period_it_ends_in(campaign, start, end, period_type, period):
    assert dhis2_period(campaign, start, end, period_type) == period


def test_the_payload_holds_only_what_the_mapping_names_and_says_the_rest(review):
    made = exported(review)
    assert shape_problems(made.payload()) == []
    assert {value["orgUnit"] for value in made.data_values} == set(UNITS.values()), "CL-RIZ-ZGB-01 is not sent"
    named = {"DeOverall01", "DeAxis00001", "De11Score01", "De11Value01", "De41Score01", "De41Value01", "De51Score01"}
    assert {value["dataElement"] for value in made.data_values} <= named
    assert {value["period"] for value in made.data_values} == {"2025"}
    said = "\n".join(made.left_out)
    assert "no org unit in the mapping, nothing of theirs sent: CL-RIZ-ZGB-01" in said
    assert "axis_2" in said and "6.4" in said and "1.1," not in said


def test_the_values_are_the_reviews_own_figures_as_strings(review):
    _, result = review
    made = exported(review)
    by_label = dict(zip(made.labels, made.data_values, strict=True))
    overall = result.overall.set_index("cluster_id").loc["CL-MAI-GGN-01"]
    assert by_label["CL-MAI-GGN-01 overall score"]["value"] == f"{overall['score']:g}"
    assert "coverage" in by_label["CL-MAI-GGN-01 overall score"]["comment"]
    row = result.indicators.set_index(["cluster_id", "indicator_id"]).loc[("CL-MAN-LKS-01", "1.1")]
    assert by_label["CL-MAN-LKS-01 1.1 score"]["value"] == str(int(row["score"]))
    assert float(by_label["CL-MAN-LKS-01 1.1 value"]["value"]) == pytest.approx(row["value"], abs=1e-6)


def test_missing_figures_are_left_out_and_said_never_sent_as_zero(review):
    tables, result = review
    indicators = result.indicators.copy()
    mai = indicators["cluster_id"] == "CL-MAI-GGN-01"
    indicators.loc[mai & (indicators["indicator_id"] == "1.1"), ["score", "value", "status"]] = [
        pd.NA, float("nan"), "insufficient_data"
    ]  # fmt: skip
    mapping = parse_mapping(mapping_doc(), IDS)
    made = build_export(mapping, indicators, result.axes, result.overall, tables["clusters"])
    assert "CL-MAI-GGN-01 1.1 score" not in made.labels and "CL-MAI-GGN-01 1.1 value" not in made.labels
    assert "CL-MAN-LKS-01 1.1 score" in made.labels
    assert "CL-MAI-GGN-01: no value for 1.1 score, 1.1 value" in "\n".join(made.left_out)
    assert "4.1 value" in "\n".join(made.left_out), "an assessed indicator has a score but no raw value"
    assert all(value["value"] not in ("", "nan", "<NA>") for value in made.data_values)


def test_the_csv_form_has_dhis2s_columns_in_order(review):
    made = exported(review, mapping_doc(attribute_option_combo="AocVigie001"))
    rows = list(csv.reader(io.StringIO(as_csv(made))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(made.data_values) + 1
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    value = made.data_values[0]
    assert (first["dataelement"], first["period"], first["orgunit"], first["value"]) == (
        value["dataElement"], value["period"], value["orgUnit"], value["value"]
    )  # fmt: skip
    assert first["attroptcombo"] == "AocVigie001" == value["attributeOptionCombo"] and first["catoptcombo"] == ""


def test_a_financial_period_type_names_the_period_and_says_when_a_campaign_starts_before_it(review):
    made = exported(review, mapping_doc(period_type="FinancialJuly"))
    periods = {label.split()[0]: value["period"] for label, value in zip(made.labels, made.data_values, strict=True)}
    assert periods == {"CL-MAI-GGN-01": "2024July", "CL-MAN-LKS-01": "2025July"}  # ends 05-31 / 12-31 of 2025
    assert any("campaign 2025 (2025-03-01 to 2025-12-31" in note and "2025July" in note for note in made.notes)


def test_a_campaign_the_mapping_names_goes_to_its_own_period_and_the_others_as_before(review):
    made = exported(review, mapping_doc(periods={"2024-2025": "2024"}))
    periods = {label.split()[0]: value["period"] for label, value in zip(made.labels, made.data_values, strict=True)}
    assert periods == {"CL-MAI-GGN-01": "2024", "CL-MAN-LKS-01": "2025"}, "only 2024-2025 is overridden"
    assert "campaign 2024-2025 is reported in DHIS2 period 2024, as the mapping's periods say" in made.notes
    unused = exported(review, mapping_doc(periods={"2019-2020": "2020"}))
    assert not any("2019-2020" in note for note in unused.notes), "a campaign not exported is not said"


def test_an_import_summary_in_the_documented_409_shape_is_read_with_its_conflicts():
    body = {
        "httpStatus": "Conflict", "httpStatusCode": 409, "status": "WARNING",
        "message": "One more conflicts encountered, please check import summary.",
        "response": {
            "responseType": "ImportSummary", "status": "WARNING",
            "importCount": {"imported": 2, "updated": 1, "ignored": 1, "deleted": 0},
            "conflicts": [{"object": "202604", "value": "Period: `202604` is after latest open future period",
                           "errorCode": "E7641", "property": "period", "indexes": [3]}],
        },
    }  # fmt: skip
    summary = parse_summary(409, body)
    assert (summary.status, summary.counts["imported"], summary.counts["ignored"], summary.clean) == (
        "WARNING", 2, 1, False
    )  # fmt: skip
    lines = summary_lines(summary, ["a", "b", "c", "CL-1 4.3 score"])
    assert lines[0].startswith("DHIS2: imported 2, updated 1, ignored 1, deleted 0 (status WARNING, HTTP 409)")
    assert "conflict [E7641]: period 202604: Period: `202604` is after" in lines[-1]
    assert lines[-1].endswith("(not taken: CL-1 4.3 score)")
    old = parse_summary(200, {"status": "SUCCESS", "importCount": {"imported": 3}})  # before 2.38: no envelope
    assert old.clean and old.counts["imported"] == 3


# `vigie export dhis2` against the double, on a warehouse holding the review


@pytest.fixture
def warehouse(vigie_home: Path, review, monkeypatch: pytest.MonkeyPatch) -> Path:
    """VIGIE_HOME with the review stored as the season flow stores it, and the mapping in dhis2.yaml."""
    from flows.settings import load_settings
    from warehouse import store
    from warehouse.db import get_engine

    tables, result = review
    engine = get_engine(load_settings().database_url)
    run_id = str(uuid.uuid4())
    store.start_run(engine, run_id, "season", SEASON)
    store.save_registry(engine, tables["clusters"])
    store.save_scores(engine, run_id, result.grid_hash, result.indicators, result.axes, result.overall)
    store.finish_run(engine, run_id)
    (vigie_home / "dhis2.yaml").write_text(yaml.safe_dump(mapping_doc()), encoding="utf-8")
    monkeypatch.setenv("VIGIE_DHIS2_TOKEN", TEST_TOKEN)
    monkeypatch.delenv("VIGIE_DHIS2_TOKEN_BLOCK", raising=False)
    monkeypatch.setattr(dhis2_client, "BACKOFF_S", 0.05)
    return vigie_home


def vigie(*args: str):
    from flows.cli import main

    return CliRunner().invoke(main, list(args))


def test_export_writes_the_json_and_csv_a_double_accepts(warehouse):
    result = vigie("export", "dhis2", "--season", SEASON)
    assert result.exit_code == 0, result.output
    payload = json.loads((warehouse / "exports" / "dhis2-2025.json").read_text(encoding="utf-8"))
    assert shape_problems(payload) == [] and len(payload["dataValues"]) > 10
    assert (warehouse / "exports" / "dhis2-2025.csv").read_text(encoding="utf-8").startswith("dataelement,period,")
    assert "Left out: no org unit in the mapping, nothing of theirs sent: CL-RIZ-ZGB-01" in result.output


def test_post_reports_the_import_summary_and_sends_what_was_written(warehouse):
    with Dhis2Double(KNOWN_UNITS) as double:
        result = vigie("export", "dhis2", "--post", double.url)
    assert result.exit_code == 0, result.output
    sent = json.loads((warehouse / "exports" / "dhis2-2025.json").read_text(encoding="utf-8"))
    (request,) = double.requests
    assert request.body == sent and request.query["importStrategy"] == "CREATE_AND_UPDATE"
    assert request.query["dryRun"] == "false" and request.headers["Authorization"] == f"ApiToken {TEST_TOKEN}"
    assert (
        f"DHIS2: imported {len(sent['dataValues'])}, updated 0, ignored 0, deleted 0 (status SUCCESS" in result.output
    )
    assert TEST_TOKEN not in result.output


def test_a_dry_run_saves_nothing_and_says_so(warehouse):
    with Dhis2Double(KNOWN_UNITS) as double:
        result = vigie("export", "dhis2", "--post", double.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert double.requests[0].query["dryRun"] == "true" and double.stored == {}
    assert "dry run, nothing saved; DHIS2 would have: imported" in result.output


@pytest.mark.parametrize("status", [200, 409])
def test_conflicts_are_reported_value_by_value_with_a_failing_exit_code(warehouse, status):
    mapping = mapping_doc(org_units={**UNITS, "CL-RIZ-ZGB-01": "OuUnknown01"})
    (warehouse / "dhis2.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    with Dhis2Double(KNOWN_UNITS, conflict_status=status) as double:
        result = vigie("export", "dhis2", "--post", double.url)
    assert result.exit_code == 1, result.output
    assert f"(status WARNING, HTTP {status})" in result.output
    assert "conflict [E7612]: orgUnit OuUnknown01: Organisation unit not found or not accessible" in result.output
    assert "(not taken: CL-RIZ-ZGB-01 overall score, CL-RIZ-ZGB-01 axis 1 score," in result.output
    assert "DHIS2 did not take every value (1 conflict(s)" in result.output
    assert len(double.requests) == 1, "a conflict is never retried"


def test_a_refused_token_is_said_without_showing_it_and_not_retried(warehouse, monkeypatch):
    monkeypatch.setenv("VIGIE_DHIS2_TOKEN", "d2pat_wrongTokenValue0000000000000000000000")
    with Dhis2Double(KNOWN_UNITS) as double:
        result = vigie("export", "dhis2", "--post", double.url)
    assert result.exit_code == 2, result.output
    assert "DHIS2 refused the token (HTTP 401): set VIGIE_DHIS2_TOKEN" in result.output
    assert "wrongTokenValue" not in result.output and len(double.requests) == 1


def test_server_errors_are_retried_until_dhis2_takes_the_values(warehouse):
    with Dhis2Double(KNOWN_UNITS) as double:
        double.script([503, 502])
        result = vigie("export", "dhis2", "--post", double.url)
    assert result.exit_code == 0, result.output
    assert len(double.requests) == 3 and "status SUCCESS" in result.output


def test_no_answer_is_retried_then_said(warehouse, monkeypatch):
    monkeypatch.setattr(dhis2_client, "ATTEMPTS", 2)
    with Dhis2Double(KNOWN_UNITS) as double:
        double.script([HANG, HANG])
        result = vigie("export", "dhis2", "--post", double.url, "--timeout", "1")
    assert result.exit_code == 1, result.output
    assert "DHIS2 did not answer: " in result.output and "no answer within 1 s, after 2 attempt(s)" in result.output
    assert len(double.requests) == 2 and double.stored == {}


def test_a_redirect_to_dhis2s_login_page_is_said_in_words_and_nothing_is_sent_again(warehouse):
    with Dhis2Double(KNOWN_UNITS) as double:
        double.login_redirect = True
        result = vigie("export", "dhis2", "--post", double.url)
    assert result.exit_code == 2, result.output
    assert "DHIS2 sent Vigie to a login page" in result.output and "/dhis-web-commons/security/login.action" in (
        result.output
    )
    assert "without /api. Nothing was imported." in result.output and TEST_TOKEN not in result.output
    assert len(double.requests) == 1 and double.requests[0].path == "/api/dataValueSets", "no redirect followed"


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("https://dhis2.example.org/api/dataValueSets?dryRun=false", "run again with --post https://dhis2.example.org"),
        ("/dhis2/api/dataValueSets", "run again with --post http://dhis2.example.org/dhis2"),
        ("https://sso.example.org/auth/realms/x", "login page (https://sso.example.org/auth/realms/x)"),
        ("https://other.example.net/api/dataValueSets", "another server (other.example.net)"),
        (None, "without saying where to"),
    ],
)
def test_each_kind_of_redirect_gets_its_own_advice(location, says):
    assert says in dhis2_client.redirect_advice("http://dhis2.example.org", location)


def test_post_without_a_token_says_how_to_give_one(warehouse, monkeypatch):
    monkeypatch.delenv("VIGIE_DHIS2_TOKEN")
    result = vigie("export", "dhis2", "--post", "http://127.0.0.1:9")
    assert result.exit_code == 2 and "set VIGIE_DHIS2_TOKEN, or VIGIE_DHIS2_TOKEN_BLOCK" in result.output
