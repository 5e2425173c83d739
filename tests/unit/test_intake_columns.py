"""Nothing ignored in silence (issue 14): a file's columns that intake did not use, a required column left empty,
an optional column absent, and a misspelt required column, as an officer meets them with real files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.cli_intake import summary_line
from reports.i18n import catalogue
from tests.support.samples import kobo_export, workbook
from tests.unit import test_intake
from validations.report import report_context
from warehouse import ledger

home, ingest = test_intake.home, test_intake.ingest  # a fresh VIGIE_HOME; ingest_file, counts checked


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from synthetic import generate

    out = tmp_path_factory.mktemp("columns-sample")
    generate(out, clusters=1, campaigns=1, seed=5, deliveries_per_cluster_campaign=12)
    return out


def deliveries(sample) -> pd.DataFrame:
    return pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)


def test_a_misspelt_required_column_is_refused_with_the_titles_found_and_the_closest_name(home, sample, tmp_path):
    rows = deliveries(sample).rename(columns={"quantity_kg": "qte_kg"})
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert (summary.status, summary.reason_code, summary.rows_read) == ("rejected", "missing_columns", 0)
    assert "quantity_kg. Columns found: delivery_id, campaign," in summary.reason
    assert summary.reason.endswith("Closest known name: qte_kg → quantite_kg?")
    said = report_context(summary.as_dict(), catalogue("fr"))["refusal"]
    assert said.startswith("colonne(s) obligatoire(s) absente(s) pour la table livraisons : quantity_kg.")
    assert ", qte_kg, " in said.split("Colonnes trouvées : ")[1]
    assert said.endswith("Nom le plus proche : qte_kg → quantite_kg ?")
    assert ledger.get_submission(home[1], summary.submission_id)["reason"] == summary.reason


def test_two_misspelt_columns_get_one_suggestion_each_and_an_unlike_title_none(home, sample, tmp_path):
    rows = deliveries(sample).rename(columns={"quantity_kg": "Quantity kgs", "accepted_kg": "poids"})
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert summary.reason_code == "missing_columns"
    assert "Closest known name: Quantity kgs → quantity_kg?" in summary.reason, "poids is like no known name"
    rows = rows.rename(columns={"poids": "acceptd_kg"})
    rows.to_csv(path, index=False)
    again = ingest(home, path)
    assert "Closest known names: Quantity kgs → quantity_kg, acceptd_kg → accepted_kg?" in again.reason
    said = report_context(again.as_dict(), catalogue("fr"))["refusal"]
    assert said.endswith("Noms les plus proches : Quantity kgs → quantity_kg, acceptd_kg → accepted_kg ?")


def test_a_csv_with_extra_columns_lists_them_in_the_summary_the_ledger_and_the_report(home, sample, tmp_path):
    test_intake.with_references(home, sample)
    rows = deliveries(sample)
    rows.insert(2, "Observations", "RAS")
    rows["GPS"] = "6.5,2.6"
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert (summary.rows_read, summary.rows_accepted) == (len(rows), len(rows))
    assert summary.unused_columns == {"deliveries": ["Observations", "GPS"]}
    assert summary.parts[0]["unused_columns"] == ["Observations", "GPS"] and summary.column_warnings == []
    assert "    column(s) not used (deliveries): Observations, GPS" in summary_line(summary.as_dict())
    stored = ledger.get_submission(home[1], summary.submission_id)["unused_columns"]
    assert json.loads(stored) == {"deliveries": ["Observations", "GPS"]}
    said = report_context(summary.as_dict(), catalogue("fr"))["unused_columns"]
    assert said == [
        "livraisons · colonne(s) du fichier non utilisée(s) : Observations, GPS. Si l'une d'elles devait remplir "
        "une colonne attendue, lui donner le titre du modèle."
    ]
    again = ingest(home, path)
    assert again.duplicate and again.unused_columns == summary.unused_columns, "read back from the ledger"


def test_a_kobo_export_lists_its_extra_question_but_not_the_metadata_kobo_adds(home, sample, tmp_path):
    rows = deliveries(sample).assign(observations="RAS")
    path = kobo_export(rows, tmp_path / "Livraisons_-_all_versions.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert '"start"' in header and '"_submission_time"' in header and '"__version__"' in header
    summary = ingest(home, path)
    assert summary.kind == "kobo" and summary.rows_read == len(rows)
    assert summary.unused_columns == {"deliveries": ["livraison/observations"]}


def test_a_workbook_lists_the_unused_columns_sheet_by_sheet(home, sample, tmp_path):
    sales = pd.read_csv(sample / "sales.csv", dtype=str, keep_default_na=False).assign(Remarque="x")
    frames = {"deliveries": deliveries(sample).assign(Chauffeur="Koffi"), "sales": sales}
    summary = ingest(home, workbook(frames, tmp_path / "campagne.xlsx"))
    assert summary.rows_read == len(frames["deliveries"]) + len(sales)
    assert summary.unused_columns == {"deliveries": ["Chauffeur"], "sales": ["Remarque"]}
    assert [(p["name"], p["unused_columns"]) for p in summary.parts] == [
        ("campagne.xlsx [livraisons]", ["Chauffeur"]),
        ("campagne.xlsx [ventes]", ["Remarque"]),
    ]


def test_a_required_column_left_empty_in_every_row_is_a_warning_besides_the_quarantine(home, sample, tmp_path):
    test_intake.with_references(home, sample)
    rows = deliveries(sample).rename(columns={"quantity_kg": "quantite_kg"}).assign(quantite_kg="")
    rows.loc[3, "quantite_kg"] = "   "  # blank is empty too
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert summary.rows_quarantined == summary.rows_read == len(rows)
    assert summary.column_warnings == [
        {"code": "empty_required_column", "table": "deliveries", "columns": ["quantity_kg"], "titles": ["quantite_kg"]}
    ]
    assert "    warning: required column(s) empty in every row (deliveries): quantite_kg" in summary_line(
        summary.as_dict()
    )
    said = report_context(summary.as_dict(), catalogue("fr"))["column_warnings"]
    assert said[0].startswith("livraisons · colonne(s) obligatoire(s) vide(s) dans tout le fichier : quantite_kg.")
    rows.loc[5, ["quantite_kg", "accepted_kg"]] = ["120", "100"]  # one value: the column is not empty
    rows.to_csv(path, index=False)
    one = ingest(home, path)
    assert one.column_warnings == [] and one.rows_quarantined == len(rows) - 1


def test_an_optional_column_absent_is_a_warning_and_the_rows_are_accepted(home, sample, tmp_path):
    test_intake.with_references(home, sample)
    rows = deliveries(sample).drop(columns=["lot_id", "contract_id"])
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (len(rows), len(rows), 0)
    assert summary.column_warnings == [
        {"code": "missing_optional_column", "table": "deliveries", "columns": ["lot_id", "contract_id"]}
    ]
    assert "    warning: optional column(s) absent (deliveries): lot_id, contract_id" in summary_line(summary.as_dict())
    said = report_context(summary.as_dict(), catalogue("en"), "en")["column_warnings"]
    assert said == [
        "deliveries · optional column(s) absent: lot_id, contract_id. The rows are accepted, but the indicators "
        "that use them will stay incomplete: add the column to the next file if the information exists."
    ]


def test_a_batch_digest_tells_each_files_columns():
    from flows.intake_report import batch_scope, render_batch
    from tests.unit.test_intake_report import SUMMARY

    warned = {
        **SUMMARY,
        "column_warnings": [{"code": "missing_optional_column", "table": "sales", "columns": ["buyer"]}],
    }
    batch = [{**SUMMARY, "unused_columns": {"deliveries": ["GPS"]}}, {**warned, "submission_id": "5f0c2b1e-2"}]
    rendered = render_batch(batch, batch_scope(batch), catalogue("fr"))
    assert rendered.text.count("Colonnes du fichier") == 2
    assert "- livraisons · colonne(s) du fichier non utilisée(s) : GPS." in rendered.text
    assert "!! ventes · colonne(s) facultative(s) absente(s) : buyer." in rendered.text
    assert "<li>livraisons · colonne(s) du fichier non utilisée(s) : GPS." in rendered.html
