"""Column titles, submission ids, form mappings and repeat groups as KoboToolbox, ODK Central and legacy KoBoCAT
export them (issue 14), checked at the reader: what intake then does with them is in test_intake_exports.py."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from flows.settings import load_settings
from schemas.readers.chunks import Chunk, text_table
from schemas.readers.forms import FormError, available_forms, parse_form
from schemas.readers.headers import map_headers, repeat_markers
from schemas.readers.names import title_candidates
from schemas.readers.source import Part
from schemas.readers.submissions import stable_ids
from tests.unit.test_quarantine import COLUMNS, TODAY, refs, with_
from validations.pipeline import PartValidator


def test_a_title_is_matched_whole_first_then_without_its_group_path():
    assert title_candidates("Livraison/Prix unitaire (FCFA/kg)")[:2] == ["livraison_prix_unitaire_fcfa_kg",
                                                                          "prix_unitaire_fcfa_kg"]  # fmt: skip
    form = parse_form({"table": "deliveries", "columns": {"Prix unitaire (FCFA/kg)": "unit_price_xof",
                                                          "quantite-livree": "quantity_kg"}}, "f.yaml")  # fmt: skip
    headers = ["livraison-delivery_id", "campaign", "livraison-cluster_id", "supplier_actor_id", "delivery_date",
               "product", "suivi-quantite-livree", "accepted_kg", "Livraison/Prix unitaire (FCFA/kg)"]  # fmt: skip
    mapping = map_headers("deliveries", headers, form=form)
    assert mapping.columns["delivery_id"] == 0 and mapping.columns["cluster_id"] == 2
    assert mapping.columns["quantity_kg"] == 6, "a `-` inside a name survives: groups are stripped one at a time"
    assert mapping.columns["unit_price_xof"] == 8, "the `/` of a label is not a group separator"


def test_the_stable_submission_id_is_the_same_in_kobo_and_odk_spelling():
    meta = {
        "meta/rootuuid": pa.array(["uuid:AAA", "", None], pa.large_string()),
        "_uuid": pa.array(["BBB", "CCC", " DDD "], pa.large_string()),
    }
    assert stable_ids(meta).to_pylist() == ["AAA", "CCC", "DDD"], "rootUuid first, else _uuid, row by row"
    odk = {"key": pa.array(["uuid:CCC"]), "meta-instanceid": pa.array(["uuid:edited-version"])}
    assert stable_ids(odk).to_pylist() == ["CCC"], "ODK Central's KEY stays across edits, meta-instanceID does not"
    assert stable_ids({"meta/instanceid": pa.array(["UUID:EEE"])}).to_pylist() == ["EEE"], "legacy KoBoCAT"
    headers = [*COLUMNS, "meta-instanceID", "KEY", "SubmitterID", "ReviewState"]
    mapping = map_headers("deliveries", headers)
    assert mapping.has_submission_ids and not mapping.ignored and "reviewstate" in mapping.meta


def test_a_repeat_groups_file_is_told_from_a_main_table():
    assert repeat_markers(["lot", "poids", "PARENT_KEY", "KEY"]) == ["PARENT_KEY"]
    assert repeat_markers(["lot", "_index", "_parent_table_name", "_parent_index"]) == ["_parent_index"]
    assert repeat_markers(["SubmissionDate", "lot", "meta-instanceID", "KEY"]) == [], "ODK's main table has KEY too"


def verdict_outcome(form: dict | None) -> tuple[list[int], int]:
    """Rows refused and rows warned for three ODK Central verdicts, under a form mapping giving `form`."""
    headers = [*COLUMNS, "ReviewState"]
    spec = parse_form({"table": "deliveries", "columns": {"x": "lot_id"}, "verdicts": form}, "f.yaml") if form else None
    mapping = map_headers("deliveries", headers, form=spec)
    rows = [[*with_(delivery_id=f"D{i}"), said] for i, said in enumerate(["rejected", "On Hold", "hasIssues"])]
    chunk = Chunk(text_table(rows, len(headers)), np.arange(1, 4))
    validator = PartValidator(Part("livraisons.csv", mapping, 1, lambda: iter([chunk])), refs(), TODAY)
    validator.feed(chunk)
    outcome = validator.finish()
    assert outcome.rows_read == outcome.rows_accepted + outcome.rows_quarantined
    return [q["row_number"] for q in outcome.quarantined], outcome.rows_warned


def test_a_form_mapping_says_which_verdict_words_reject_and_which_flag():
    assert verdict_outcome(None) == ([1], 2), "rules.yaml: rejected quarantines, on hold and has issues warn"
    assert verdict_outcome({"rejected": ["rejected", "on hold"]}) == ([1, 2], 1), "has issues still warns"
    assert verdict_outcome({"flagged": []}) == ([1], 0), "nothing flags for this form"
    assert verdict_outcome({"flagged": ["rejected"]}) == ([], 1), "a word moved to flagged no longer rejects"


def test_a_malformed_mapping_names_its_file_entry_and_problem():
    columns = {"a": "lot_id"}
    cases = {
        "columns → 'prix': maps to 'price', not a column of deliveries": {"columns": {"prix": "price"}},
        "derive → 'delivery_id': may be derived only from submission_id or _id": {"derive": {"delivery_id": "x"}},
        "verdicts: on hold both rejects and flags": {"verdicts": {"rejected": ["On hold"], "flagged": ["on  hold"]}},
        "verdicts → flagged: must be a list of words": {"verdicts": {"flagged": "on hold"}},
        "(file): unknown key(s) colonnes": {"colonnes": {}},
    }
    for expected, change in cases.items():
        with pytest.raises(FormError) as refused:
            parse_form({"table": "deliveries", "columns": columns, **change}, "livraisons.yaml")
        assert f"livraisons.yaml: {expected}" in str(refused.value)
        assert refused.value.code == "bad_form" and refused.value.details["file"] == "livraisons.yaml"


def test_the_officers_mappings_are_read_from_vigie_forms_dir_and_override_the_packaged(tmp_path, monkeypatch):
    folder = tmp_path / "mes_formulaires"
    monkeypatch.setenv("VIGIE_FORMS_DIR", str(folder))
    settings = load_settings()
    monkeypatch.setenv("VIGIE_FORMS_DIR", str(tmp_path / "ailleurs"))
    assert settings.forms_dir == folder.resolve(), "read when the settings are made, not when used"
    assert load_settings({"VIGIE_HOME": str(tmp_path)}).forms_dir == (tmp_path / "forms").resolve()
    packaged = {form.name: form for form in available_forms(settings.forms_dir)}  # the folder does not exist yet
    assert packaged["kobo_livraisons"].columns["quantite_kg"] == "quantity_kg"
    folder.mkdir()
    (folder / "livraisons.yaml").write_text("form: kobo_livraisons\ntable: deliveries\ncolumns: {poids: quantity_kg}\n")
    mine = {form.name: form for form in available_forms(settings.forms_dir)}
    assert mine["kobo_livraisons"].columns == {"poids": "quantity_kg"} and "tableur_ventes" in mine
