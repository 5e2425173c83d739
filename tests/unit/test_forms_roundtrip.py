"""Round trip of the generated field forms (issue 19): `vigie forms build`, a submission exported by ODK Central and
by KoboToolbox for that form, intake: rows stored with no mapping written by hand, a bad row quarantined."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from flows.cli import main
from schemas.xlsform import build_form, field_tables
from tests.support.samples import kobo_export, odk_central_csv, sheets
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)
from validations.contracts import check_table
from warehouse.parquet_store import read_tables

KOBO_NAME = "Vigie_-_Livraisons_-_all_versions_-_False_-_2025-03-02-09-30-00.csv"


def ordered(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.sort_values(columns).reset_index(drop=True)


def build(out, *options: str):
    result = CliRunner().invoke(main, ["forms", "build", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return result


def submission(table: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows answered on the form: its questions only (no typed id), yes/no as the form's choice names."""
    form = build_form(table)
    names = [question.name for question in form.questions]
    answers = rows[names].copy()
    for question in form.questions:
        if question.type == "select_one yes_no":
            answers[question.name] = answers[question.name].map({"true": "yes", "false": "no", "": ""})
    return answers


def test_the_command_writes_each_form_its_registry_files_and_mappings(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    result = build(tmp_path / "forms", "--table", "livraisons", "--lang", "en")
    written = sorted(path.name for path in (tmp_path / "forms").iterdir())
    assert written == ["actors.csv", "clusters.csv", "vigie_deliveries.xlsx", "vigie_deliveries.yaml"]
    assert [p.name for p in home[0].forms_dir.iterdir()] == ["vigie_deliveries.yaml"], "where intake looks"
    clusters = pd.read_csv(tmp_path / "forms" / "clusters.csv", dtype=str)
    assert sorted(clusters["name"]) == sorted(text(sample, "clusters")["cluster_id"])
    actors = pd.read_csv(tmp_path / "forms" / "actors.csv", dtype=str)
    assert set(zip(actors["name"], actors["cluster_id"], strict=True)) == set(
        zip(*[text(sample, "actors")[c] for c in ("actor_id", "cluster_id")], strict=True)
    )
    assert "vigie_deliveries" in result.output


def test_without_a_registry_the_command_says_what_to_submit_first(home, tmp_path):  # noqa: F811
    result = CliRunner().invoke(main, ["forms", "build", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "clusters.csv and actors.csv" in result.output


@pytest.mark.parametrize("table", field_tables())
def test_an_odk_central_export_of_each_form_is_stored_with_no_hand_written_mapping(home, sample, tmp_path, table):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, table).head(12)
    path = odk_central_csv(submission(table, rows), tmp_path / f"vigie_{table}.csv", group=table)
    if table in ("deliveries", "sales", "governance_events"):
        assert ingest(home, path).reason_code == "missing_columns", "no typed id: the generated mapping derives it"
    build(tmp_path / "forms")
    summary = ingest(home, path)
    assert len(rows) > 3
    assert (summary.status, summary.rows_accepted, summary.rows_quarantined) == ("validated", len(rows), 0)
    stored = read_tables(home[0].store_dir)[table]
    assert len(stored) == len(rows)
    asked = [question.name for question in build_form(table).questions]
    expected = check_table(table, rows).accepted[asked]
    pd.testing.assert_frame_equal(ordered(stored[asked], asked), ordered(expected, asked))


def test_a_kobo_export_of_the_delivery_form_is_stored_and_a_bad_row_quarantined(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    build(tmp_path / "forms")
    answers = submission("deliveries", text(sample, "deliveries").head(20))
    answers.loc[3, "quantity_kg"] = "-5"  # what the form's constraint refuses on the phone (an old form, an edit)
    answers.loc[7, "delivery_date"] = "2030-01-15"
    uuids = [f"5c0e0000-0000-4000-8000-0000000000{i:02d}" for i in range(20)]
    summary = ingest(home, kobo_export(answers, tmp_path / KOBO_NAME, group="deliveries", uuids=uuids))
    assert (summary.kind, summary.tables) == ("kobo", ["deliveries"])
    assert (summary.rows_accepted, summary.rows_quarantined) == (18, 2)
    stored = read_tables(home[0].store_dir)["deliveries"]
    assert sorted(stored["delivery_id"]) == sorted(u for i, u in enumerate(uuids) if i not in (3, 7))
    assert stored["meets_standard"].notna().sum() == (answers.drop(index=[3, 7])["meets_standard"] != "").sum()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_kobo_export_with_labels_as_headers_is_read_through_the_generated_mapping(home, sample, tmp_path, language):  # noqa: F811
    with_references(home, sample)
    build(tmp_path / "forms")
    form = build_form("deliveries")
    answers = submission("deliveries", text(sample, "deliveries").head(8))
    yes_no = {"fr": {"yes": "Oui", "no": "Non"}, "en": {"yes": "Yes", "no": "No"}}[language]
    answers["meets_standard"] = answers["meets_standard"].map(lambda v: yes_no.get(v, v))  # a choice's label
    labels = {q.name: q.label[language] for q in form.questions}
    group = {"fr": "Livraisons", "en": "Deliveries"}[language]
    summary = ingest(home, kobo_export(answers, tmp_path / KOBO_NAME, group=group, rename=labels))
    assert (summary.status, summary.rows_accepted, summary.rows_quarantined) == ("validated", 8, 0), summary.reason
    stored = read_tables(home[0].store_dir)["deliveries"]
    expected = check_table("deliveries", text(sample, "deliveries").head(8)).accepted
    assert sorted(stored["quantity_kg"]) == sorted(expected["quantity_kg"])
    assert stored["meets_standard"].tolist().count(True) == expected["meets_standard"].tolist().count(True)


def test_a_kobo_xlsx_export_of_the_delivery_form_is_stored(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    build(tmp_path / "forms")
    rows = text(sample, "deliveries").head(10)
    answers = submission("deliveries", rows)
    for column in ("quantity_kg", "accepted_kg", "unit_price_xof"):  # Kobo's XLSX types numbers and dates
        answers[column] = pd.to_numeric(answers[column])
    answers["delivery_date"] = pd.to_datetime(answers["delivery_date"])
    body = answers.rename(columns={name: f"deliveries/{name}" for name in answers.columns})
    meta = pd.DataFrame({"_id": range(1, 11), "_uuid": [f"5c0e0000-0000-4000-8000-0000000001{i:02d}" for i in
                         range(10)], "_submission_time": "2025-03-02T09:30:00", "_validation_status": "",
                         "_index": range(1, 11)})  # fmt: skip
    path = sheets(
        {"Vigie - Livraisons": pd.concat([body, meta], axis=1)}, tmp_path / KOBO_NAME.replace(".csv", ".xlsx")
    )
    summary = ingest(home, path)
    assert (summary.status, summary.rows_accepted, summary.rows_quarantined) == ("validated", 10, 0), summary.reason
    stored = read_tables(home[0].store_dir)["deliveries"]
    assert sorted(stored["delivery_id"]) == sorted(meta["_uuid"])
    expected = check_table("deliveries", rows).accepted
    assert sorted(stored["quantity_kg"]) == sorted(expected["quantity_kg"])
    assert sorted(stored["delivery_date"]) == sorted(expected["delivery_date"])
