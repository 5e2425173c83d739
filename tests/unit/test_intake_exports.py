"""Intake of real field exports, written as KoboToolbox, ODK Central and legacy KoBoCAT write them (issue 14):
ODK's `-` group paths, Kobo label headers with a `/` inside a label, edited submissions, forms without a
delivery-id question, per-form verdict words, the officer's own mappings, repeat groups."""

from __future__ import annotations

import pandas as pd

from reports.i18n import catalogue
from tests.support.samples import kobo_export, odk_central_csv, odk_repeat_csv, sheets
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)
from validations.contracts import check_table
from validations.report import refusal_text
from warehouse.parquet_store import read_rows, read_tables

LABELS = {
    "delivery_id": "N° de livraison", "campaign": "Campagne", "cluster_id": "Cluster",
    "supplier_actor_id": "Fournisseur", "delivery_date": "Date de livraison", "product": "Produit",
    "quantity_kg": "Quantité livrée (kg)", "accepted_kg": "Quantité acceptée (kg)",
    "meets_standard": "Conforme ?", "lot_id": "Lot", "unit_price_xof": "Prix unitaire (FCFA/kg)",
    "contract_id": "Contrat",
}  # fmt: skip


def stored(where, table: str = "deliveries") -> pd.DataFrame:
    return read_tables(where[0].store_dir)[table]


def officer_form(where, name: str, body: str) -> None:
    """A form mapping in the officer's folder (VIGIE_FORMS_DIR, here the default `$VIGIE_HOME/forms`)."""
    folder = where[0].forms_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")


def same_rows(got: pd.DataFrame, rows: pd.DataFrame) -> None:
    expected = check_table("deliveries", rows).accepted.set_index("delivery_id").sort_index()
    pd.testing.assert_frame_equal(got.set_index("delivery_id").sort_index()[expected.columns], expected)


def test_an_odk_central_export_with_dash_group_paths_is_taken_in_with_its_values(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(25)
    path = odk_central_csv(rows, tmp_path / "livraisons_champion.csv")
    assert "livraison-quantity_kg" in path.read_text().splitlines()[0]
    summary = ingest(home, path)
    assert (summary.status, summary.rows_accepted, summary.rows_quarantined) == ("validated", 25, 0)
    same_rows(stored(home), rows)


def test_a_kobo_label_export_keeps_every_unit_price_mapped_with_a_slash_in_its_label(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(30)
    assert rows["unit_price_xof"].ne("").all()
    entries = "\n".join(f'  "{label}": {column}' for column, label in LABELS.items())
    officer_form(
        home, "livraisons_libelles.yaml", f"form: livraisons_libelles\ntable: deliveries\ncolumns:\n{entries}\n"
    )
    path = kobo_export(rows, tmp_path / "Livraisons_-_labels.csv", group="Livraison", rename=LABELS)
    assert "Livraison/Prix unitaire (FCFA/kg)" in path.read_text(encoding="utf-8").splitlines()[0]
    summary = ingest(home, path)
    assert (summary.rows_accepted, summary.rows_quarantined) == (30, 0)
    got = stored(home)
    assert got["unit_price_xof"].notna().all(), "no unit price dropped"
    same_rows(got, rows)


def test_an_edited_kobo_submission_replaces_its_row_by_its_root_uuid(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(10)
    uuids = [f"0f3c0000-0000-4000-8000-00000000000{i}" for i in range(10)]
    first = ingest(home, kobo_export(rows, tmp_path / "livraisons_v1.csv", uuids=uuids))
    assert first.rows_accepted == 10
    edited = rows.copy()
    old_id = edited.loc[3, "delivery_id"]
    edited.loc[3, "delivery_id"] = old_id + "-corrige"  # the coach fixed a typing mistake in the delivery id
    new_uuids = [*uuids[:3], "7d1e0000-0000-4000-8000-000000000003", *uuids[4:]]  # Kobo: a new _uuid per edit
    roots = [f"uuid:{u}" for u in uuids]  # and the first one kept, with OpenRosa's prefix
    path = kobo_export(edited, tmp_path / "livraisons_v2.csv", uuids=new_uuids, extra={"meta/rootUuid": roots})
    assert ingest(home, path).rows_accepted == 10
    got = stored(home)
    assert len(got) == 10, "the edited submission replaced its row"
    assert old_id not in set(got["delivery_id"]) and old_id + "-corrige" in set(got["delivery_id"])
    ids = read_rows(home[0].store_dir, "deliveries", ["_uuid"]).column(0).to_pylist()
    assert sorted(ids) == sorted(uuids), "the stable id, without the uuid: prefix"


def test_a_form_without_a_delivery_id_question_takes_the_submission_id(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(12).drop(columns=["delivery_id"])
    uuids = [f"a1b2c3d4-0000-4000-8000-0000000000{i:02d}" for i in range(12)]
    french = {"quantity_kg": "poids_kg", "supplier_actor_id": "producteur"}
    path = kobo_export(rows, tmp_path / "livraisons.csv", uuids=uuids, rename=french)
    assert ingest(home, path).reason_code == "missing_columns", "without a mapping saying where the id comes from"
    officer_form(home, "sans_id.yaml", "form: sans_id\ntable: deliveries\nderive: {delivery_id: submission_id}\n"
                 "columns: {poids_kg: quantity_kg, producteur: supplier_actor_id}\n")  # fmt: skip
    summary = ingest(home, path)
    assert (summary.status, summary.rows_accepted) == ("validated", 12)
    assert sorted(stored(home)["delivery_id"]) == sorted(uuids)


def test_a_malformed_officer_mapping_refuses_the_run_with_file_entry_and_problem(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    officer_form(home, "livraisons.yaml", "form: livraisons\ntable: deliveries\ncolumns:\n  prix: price\n")
    path = tmp_path / "livraisons.csv"
    text(sample, "deliveries").head(5).to_csv(path, index=False)
    summary = ingest(home, path)
    assert (summary.status, summary.reason_code) == ("rejected", "bad_form")
    assert "livraisons.yaml: columns → 'prix': maps to 'price', not a column of deliveries" in summary.reason
    french = refusal_text(summary.as_dict(), catalogue("fr"))
    assert "livraisons.yaml" in french and "« price », qui n'est pas une colonne de la table livraisons" in french
    assert "deliveries" not in read_tables(home[0].store_dir)


def test_an_odk_repeat_group_file_is_refused_unless_a_mapping_names_its_table(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(6)
    path = odk_repeat_csv(
        rows, tmp_path / "suivi_champion-livraisons.csv", "livraisons", ["uuid:p1"] * 3 + ["uuid:p2"] * 3
    )
    refused = ingest(home, path)
    assert (refused.status, refused.reason_code) == ("rejected", "repeat_group")
    assert "groupe répété" in refusal_text(refused.as_dict(), catalogue("fr"))
    officer_form(home, "lots.yaml", "form: suivi_livraisons\ntable: deliveries\nrepeat: livraisons\n"
                 "columns: {quantite_kg: quantity_kg}\n")  # fmt: skip
    summary = ingest(home, path)
    assert (summary.status, summary.rows_accepted, summary.tables) == ("validated", 6, ["deliveries"])
    ids = set(read_rows(home[0].store_dir, "deliveries", ["_uuid"]).column(0).to_pylist())
    assert ids == {f"p{p}/livraisons[{n}]" for p in (1, 2) for n in (1, 2, 3)}, "each repeat row its own KEY"


def test_a_kobo_xlsx_sheet_of_a_repeat_group_is_refused(home, sample, tmp_path):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(4)
    repeat = rows.assign(_index=range(1, 5), _parent_table_name="visites_champion", _parent_index=[1, 1, 2, 2])
    main = pd.DataFrame({"date_visite": ["2025-03-01", "2025-03-02"], "_id": [1, 2], "_uuid": ["u1", "u2"]})
    path = sheets({"visites_champion": main, "livraisons": repeat}, tmp_path / "visites_champion.xlsx")
    refused = ingest(home, path)
    assert (refused.reason_code, refused.status) == ("repeat_group", "rejected")
    assert "'livraisons'" in refused.reason and "_parent_index" in refused.reason
