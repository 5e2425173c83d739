"""A committee's action plan taken in like every table: its French spreadsheet (titles of the packaged mapping,
Windows-1252, dates dd/mm/yyyy) is stored, bad rows are quarantined with their reasons, nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from schemas.readers.names import table_from_name
from tests.support.intake import ingest
from tests.support.samples import windows_csv
from tests.unit.test_intake import home, sample  # noqa: F401 (the fixtures)
from warehouse import ledger
from warehouse.parquet_store import read_tables

FRENCH = {"action_id": "numero_action", "campaign": "campagne", "cluster_id": "cluster", "indicator_id": "indicateur",
          "action": "action", "owner": "responsable", "due_on": "echeance", "target_score": "cible_note",
          "target_value": "cible_valeur", "action_status": "etat", "done_on": "realisee_le",
          "note": "remarque"}  # fmt: skip


def test_the_french_plan_sheet_is_named_and_read_and_bad_rows_are_quarantined(home, sample, tmp_path):  # noqa: F811
    assert table_from_name("Plan d'action 2025.csv") == "action_plan"
    for table in ("clusters", "actors"):
        assert ingest(home, sample / f"{table}.csv").status == "validated"
    rows = pd.read_csv(sample / "action_plan.csv", dtype=str, keep_default_na=False)
    good = len(rows)
    bad = rows.iloc[[0, 1, 2, 3]].assign(action_id=["B1", "B2", "B3", "B4"])
    bad.loc[bad.index[0], "action_status"] = "presque"  # not a status
    bad.loc[bad.index[1], "target_score"] = "7"  # a score is 1 to 4
    bad.loc[bad.index[2], "cluster_id"] = "CL-INCONNU"  # no such cluster
    bad.loc[bad.index[3], "owner"] = ""  # nobody responsible
    sheet = pd.concat([rows, bad], ignore_index=True).rename(columns=FRENCH)
    path = windows_csv(sheet, tmp_path / "plan_action.csv", numbers=["cible_valeur"], dates=["echeance", "realisee_le"])
    summary = ingest(home, path)
    assert summary.status == "validated" and summary.tables == ["action_plan"]
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (good + 4, good, 4)
    refused = ledger.quarantined(home[1], summary.submission_id)
    reasons = dict(zip(refused["row_number"], refused["reasons"], strict=True))
    assert "action_status" in reasons[good + 1] and "target_score" in reasons[good + 2]
    assert "CL-INCONNU" in reasons[good + 3] or "cluster" in reasons[good + 3]
    assert "owner" in reasons[good + 4]
    assert json.loads(refused.iloc[0]["cells"])["etat"] == "presque", "kept exactly as sent"
    stored = read_tables(home[0].store_dir)["action_plan"]
    assert len(stored) == good and set(stored["action_status"]) <= {"planned", "in_progress", "done", "dropped"}
    assert stored["due_on"].notna().all() and stored["target_value"].dropna().between(0, 1).all()


def test_the_generated_plan_with_the_contracts_own_titles_is_stored_whole(home, sample):  # noqa: F811
    for table in ("clusters", "actors"):
        ingest(home, sample / f"{table}.csv")
    summary = ingest(home, sample / "action_plan.csv")
    rows = len(pd.read_csv(sample / "action_plan.csv"))
    assert (summary.status, summary.rows_accepted, summary.rows_quarantined) == ("validated", rows, 0), summary.reason


def test_an_action_naming_an_indicator_the_grid_lacks_is_quarantined(home, sample, tmp_path):  # noqa: F811
    for table in ("clusters", "actors"):
        ingest(home, sample / f"{table}.csv")
    rows = pd.read_csv(sample / "action_plan.csv", dtype=str, keep_default_na=False)
    bad = rows.iloc[[0, 1]].assign(action_id=["B1", "B2"], indicator_id=["3.7", "9.1"])  # axis 3 has 4; no axis 9
    sheet = pd.concat([rows, bad], ignore_index=True).rename(columns=FRENCH)
    path = windows_csv(sheet, tmp_path / "plan_action.csv", numbers=["cible_valeur"], dates=["echeance", "realisee_le"])
    summary = ingest(home, path)
    assert (summary.rows_accepted, summary.rows_quarantined) == (len(rows), 2)
    refused = ledger.quarantined(home[1], summary.submission_id)
    reasons = refused["reasons"].tolist()
    assert all("indicator_id" in reason and "not an indicator of the grid" in reason for reason in reasons), reasons
    assert ["3.7" in reasons[0], "9.1" in reasons[1]] == [True, True]
    assert "not have the expected form" not in reasons[1], "one reason per cell: the grid's, not also the pattern's"


def test_statuses_typed_as_french_words_are_stored_as_their_codes(home, sample, tmp_path):  # noqa: F811
    for table in ("clusters", "actors"):
        ingest(home, sample / f"{table}.csv")
    rows = pd.read_csv(sample / "action_plan.csv", dtype=str, keep_default_na=False).iloc[:1]
    typed = ["Fait", "EN COURS", "pas commencé", "Abandonne", "in_progress", "Réalisée", "presque"]
    sheet = pd.concat([rows] * len(typed), ignore_index=True)
    sheet = sheet.assign(action_id=[f"S{i}" for i in range(len(typed))], action_status=typed, done_on="")
    path = windows_csv(sheet.rename(columns=FRENCH), tmp_path / "plan_action.csv", numbers=["cible_valeur"],
                       dates=["echeance", "realisee_le"])  # fmt: skip
    summary = ingest(home, path)
    assert (summary.rows_accepted, summary.rows_quarantined) == (len(typed) - 1, 1)
    stored = read_tables(home[0].store_dir)["action_plan"].sort_values("action_id")
    assert stored["action_status"].tolist() == ["done", "in_progress", "planned", "dropped", "in_progress", "done"]
    refused = ledger.quarantined(home[1], summary.submission_id)
    assert "'presque' is not an action status" in refused.iloc[0]["reasons"]
    assert json.loads(refused.iloc[0]["cells"])["etat"] == "presque"


def test_an_unknown_status_is_said_plainly_in_french():
    from validations.problems import describe

    french = yaml.safe_load((Path(__file__).parents[2] / "reports" / "i18n" / "fr.yaml").read_text("utf-8"))
    said = describe("not_action_status", "etat", "presque", None, french)
    assert said == "etat : « presque » n'est pas un état d'action connu"
    assert "fait" in french["fix_not_action_status"] and "abandonnée" in french["fix_not_action_status"]
