"""Nothing ignored in silence (issue 14): a file's columns that intake did not use, a required column left empty,
an optional column absent, and a misspelt required column, as an officer meets them with real files."""

from __future__ import annotations

import pandas as pd
import pytest

from reports.i18n import catalogue
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
