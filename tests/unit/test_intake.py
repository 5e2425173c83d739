"""Intake end to end without Prefect: files as people send them, stored or quarantined, nothing lost, nothing
counted twice. SQLite ledger, Parquet store, no Great Expectations (the flow tests run those)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from schemas.tables import columns_of
from tests.support.intake import ingest, open_home
from tests.support.samples import kobo_export, windows_csv, workbook
from validations.contracts import check_table
from validations.quarantine import export_frames, write_export
from warehouse import ledger
from warehouse.parquet_store import read_rows, read_tables


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from synthetic import generate

    out = tmp_path_factory.mktemp("intake-sample")
    generate(out, clusters=2, campaigns=2, seed=11, deliveries_per_cluster_campaign=60)
    return out


@pytest.fixture
def home(vigie_home):
    return open_home()


def text(sample, table: str) -> pd.DataFrame:
    return pd.read_csv(sample / f"{table}.csv", dtype=str, keep_default_na=False)


def with_references(home, sample):
    for table in ("clusters", "actors"):
        assert ingest(home, sample / f"{table}.csv").status == "validated"


def state(home) -> tuple:
    settings, engine = home
    stored = {t: len(f) for t, f in read_tables(settings.store_dir).items()}
    return stored, len(ledger.submissions(engine)), len(ledger.quarantined(engine, include_resolved=True))


def test_a_kobo_export_ingests_by_name_and_resubmitting_changes_nothing(home, sample, tmp_path):
    with_references(home, sample)
    rows = text(sample, "deliveries").head(40)
    french = {"delivery_id": "id_livraison", "quantity_kg": "quantite_kg", "supplier_actor_id": "fournisseur"}
    uuids = [f"uuid-{i}" for i in range(40)]
    uuids[5] = uuids[4]  # the same Kobo submission twice
    path = kobo_export(rows, tmp_path / "Livraisons_-_all_versions_-_labels.csv", rename=french, uuids=uuids)
    summary = ingest(home, path)
    assert (summary.kind, summary.tables) == ("kobo", ["deliveries"])
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (40, 39, 1)
    stored = read_tables(home[0].store_dir)["deliveries"]
    assert sorted(stored["delivery_id"]) == sorted(rows["delivery_id"].drop(index=5))
    before = state(home)
    again = ingest(home, path)
    assert again.duplicate and again.submission_id == summary.submission_id
    assert state(home) == before, "the same file twice changes nothing"


def test_a_windows_1252_csv_with_decimal_commas_ingests_with_its_values(home, sample, tmp_path):
    with_references(home, sample)
    rows = text(sample, "deliveries").head(30)
    rows.loc[0, ["quantity_kg", "accepted_kg"]] = ["1234.5", "1200.25"]
    rows.loc[1, "product"] = "qualité supérieure"
    numbers = ["quantity_kg", "accepted_kg", "unit_price_xof"]
    path = windows_csv(rows, tmp_path / "livraisons.csv", numbers, ["delivery_date"])
    assert b"1\xa0234,5" in path.read_bytes() and b"qualit\xe9" in path.read_bytes()
    summary = ingest(home, path)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (30, 30, 0)
    stored = read_tables(home[0].store_dir)["deliveries"].set_index("delivery_id")
    expected = check_table("deliveries", rows).accepted.set_index("delivery_id")
    pd.testing.assert_frame_equal(stored.sort_index(), expected.sort_index())


def test_an_xlsx_workbook_of_the_demo_data_ingests_every_sheet(home, sample, tmp_path):
    tables = ["clusters", "actors", "deliveries", "sales"]
    path = workbook({t: text(sample, t) for t in tables}, tmp_path / "campagne.xlsx")
    summary = ingest(home, path)
    assert summary.kind == "xlsx" and summary.tables == tables
    assert summary.rows_quarantined == 0
    assert summary.rows_read == sum(len(text(sample, t)) for t in tables)
    stored = read_tables(home[0].store_dir)
    for table in tables:
        expected = check_table(table, text(sample, table)).accepted
        key = columns_of(table)[0]
        pd.testing.assert_frame_equal(
            stored[table].sort_values(key, ignore_index=True), expected.sort_values(key, ignore_index=True)
        )


BAD_ROWS = {
    "negative quantity": ({"quantity_kg": "-4", "accepted_kg": "0"}, "above"),
    "accepted above delivered": ({"accepted_kg": "99999"}, "accepted_above_delivered"),
    "future date": ({"delivery_date": "2027-01-05"}, "future_date"),
    "unknown cluster": ({"cluster_id": "CL-NOWHERE"}, "unknown_cluster"),
    "unknown actor": ({"supplier_actor_id": "CL-X-A9999"}, "unknown_actor"),
    "formula": ({"lot_id": '=HYPERLINK("http://example.org")'}, "formula"),
}


def test_injected_bad_rows_land_in_quarantine_with_their_reasons(home, sample, tmp_path):
    with_references(home, sample)
    rows = text(sample, "deliveries").head(50)
    for i, (changes, _) in enumerate(BAD_ROWS.values()):
        for column, value in changes.items():
            rows.loc[i, column] = value
    rows = pd.concat([rows, rows.iloc[[20]]], ignore_index=True)  # the same row twice
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    summary = ingest(home, path)
    assert (summary.rows_read, summary.rows_quarantined) == (51, 7)
    for _, code in BAD_ROWS.values():
        assert summary.problems.get(code), code
    refused = ledger.quarantined(home[1], summary.submission_id)
    assert refused["row_number"].tolist() == [1, 2, 3, 4, 5, 6, 51]
    by_prefix = ledger.quarantined(home[1], summary.submission_id[:8])  # what the validation report tells to type
    assert by_prefix["id"].tolist() == refused["id"].tolist()
    assert ledger.quarantined(home[1], "%").empty, "a prefix is matched literally"
    assert refused["line_number"].tolist() == [2, 3, 4, 5, 6, 7, 52]
    assert json.loads(refused.iloc[0]["cells"])["quantity_kg"] == "-4", "kept exactly as sent"
    assert "same key (delivery_id)" in refused.iloc[-1]["reasons"]
    stored = state(home)[0]
    again = ingest(home, path)  # one row waits for its cluster: the file sent again is looked at again
    assert not again.duplicate and (again.rows_read, again.rows_quarantined) == (51, 7)
    assert state(home)[0] == stored, "the accepted rows replace themselves"
    assert len(ledger.quarantined(home[1])) == 7, "the first sending's refused rows give way to the second's"


def test_deliveries_sent_before_any_cluster_or_actor_are_quarantined_not_crashed(home, sample):
    """An officer may send the deliveries first: every row waits in quarantine, naming the unknown cluster and
    supplier, until the clusters and actors come (no actor known once made the outlier grouping fail)."""
    summary = ingest(home, sample / "deliveries.csv")
    assert summary.status == "validated" and summary.rows_read > 0
    assert summary.rows_quarantined == summary.rows_read
    assert summary.problems["unknown_cluster"] == summary.problems["unknown_actor"] == summary.rows_read


def test_storing_clusters_and_actors_renews_their_snapshots_for_the_next_submission(home, sample, monkeypatch):
    """The next submission reads the known clusters and actors from one file each, not from the partitions."""
    import warehouse.snapshots as snapshots
    from flows.intake_store import references

    with_references(home, sample)
    monkeypatch.setattr(snapshots, "read_rows", lambda *args: pytest.fail("a snapshot was stale after the store"))
    refs = references(home[0].store_dir)
    assert sorted(refs.actors["actor_id"]) == sorted(text(sample, "actors")["actor_id"])
    assert sorted(refs.clusters["cluster_id"]) == sorted(text(sample, "clusters")["cluster_id"])


def test_a_late_file_is_judged_for_outliers_with_the_rows_already_stored(home, sample, tmp_path):
    """One delivery sent alone forms no group of its own; with its group's stored deliveries, a quantity forty
    times theirs is an outlier (a warning: the row is kept)."""
    with_references(home, sample)
    assert ingest(home, sample / "deliveries.csv").status == "validated"
    late = text(sample, "deliveries").head(1).assign(delivery_id="D-LATE-1")
    late["quantity_kg"] = str(float(late["quantity_kg"].iloc[0]) * 40)
    late["accepted_kg"] = late["quantity_kg"]
    late.to_csv(tmp_path / "livraisons.csv", index=False)
    summary = ingest(home, tmp_path / "livraisons.csv")
    assert (summary.rows_accepted, summary.rows_warned) == (1, 1)
    assert summary.problems.get("outlier") == 1


def test_a_corrected_export_replaces_rows_by_key_and_resolves_the_quarantine(home, sample, tmp_path):
    with_references(home, sample)
    rows = text(sample, "deliveries").head(20)
    original = rows.loc[3, "quantity_kg"]
    rows.loc[3, "quantity_kg"] = "-" + original
    first = tmp_path / "livraisons.csv"
    rows.to_csv(first, index=False)
    summary = ingest(home, first)
    assert summary.rows_quarantined == 1
    frames = export_frames(ledger.quarantined(home[1]))
    frames["deliveries"].loc[0, "quantity_kg"] = original
    fixed = write_export(frames, tmp_path / "corrections")[0]
    again = ingest(home, fixed)
    assert (again.rows_read, again.rows_accepted, again.rows_quarantined) == (1, 1, 0)
    assert ledger.quarantined(home[1]).empty, "the fixed row resolved its quarantine entry"
    stored = read_tables(home[0].store_dir)["deliveries"]
    assert len(stored) == 20 and stored["delivery_id"].is_unique
    lineage = read_rows(home[0].store_dir, "deliveries", ["_submission_id"]).column(0)
    assert pa.types.is_string(lineage.type), "each stored row names its submission, as plain text"
    assert lineage.to_pylist().count(again.submission_id) == 1, "the corrected row came with the correction"


BAD_FILES = {
    "empty": (b"", "empty"),
    "binary": (bytes(range(256)) * 40, "binary"),
    "one enormous line": (b"x" * (3 << 20), "long_line"),
    "an enormous data line": (",".join(columns_of("deliveries")).encode() + b"\r\n" + b"y" * (20 << 20), "long_row"),
    "wrong encoding": ("delivery_id;quantité\r\n\x81\x8d\x90;1\r\n".encode("latin-1"), "encoding"),
    "header only": (",".join(columns_of("deliveries")).encode() + b"\r\n", "no_rows"),
    "duplicated header": ((",".join(columns_of("deliveries")) + ",quantity_kg\r\n").encode(), "duplicate_column"),
    "missing column": (",".join(c for c in columns_of("deliveries") if c != "accepted_kg").encode(), "missing_columns"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_file_is_refused_whole_with_a_reason_and_nothing_stored(home, tmp_path, case):
    data, code = BAD_FILES[case]
    path = tmp_path / "livraisons.csv"
    path.write_bytes(data)
    summary = ingest(home, path)
    assert (summary.status, summary.reason_code) == ("rejected", code)
    assert summary.reason and "Traceback" not in summary.reason
    row = ledger.get_submission(home[1], summary.submission_id)
    assert row["status"] == "rejected" and row["reason"] == summary.reason
    assert read_tables(home[0].store_dir) == {}
    assert not ingest(home, path).duplicate, "a refused file may be sent again"


def test_a_file_named_after_no_table_needs_the_table_option(home, sample, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes((sample / "clusters.csv").read_bytes())
    refused = ingest(home, path)
    assert refused.reason_code == "unknown_table" and "--table" in refused.reason
    assert ingest(home, path, "clusters").rows_accepted == len(text(sample, "clusters"))


def test_a_cluster_named_with_a_line_break_in_a_workbook_is_quarantined_with_the_reason(home, sample, tmp_path):
    from reports.i18n import catalogue
    from validations.problems import describe

    clusters = text(sample, "clusters")
    clusters.loc[0, "name"] = "Coopérative\nBcc: pirate@x.bj"
    summary = ingest(home, workbook({"clusters": clusters}, tmp_path / "registre.xlsx"))
    assert (summary.rows_read, summary.rows_quarantined) == (len(clusters), 1)
    refused = ledger.quarantined(home[1], summary.submission_id)
    assert refused["row_number"].tolist() == [1]
    assert "name: holds an invisible character (U+000A" in refused.iloc[0]["reasons"]
    problem = json.loads(refused.iloc[0]["problems"])[0]
    assert describe(problem["code"], problem["column"], problem["value"], problem["detail"], catalogue("fr")) == (
        "name : contient un caractère invisible (U+000A, par exemple un retour à la ligne) ; "
        "écrire la valeur sur une seule ligne"
    )
    stored = read_rows(home[0].store_dir, "clusters", ["cluster_id"]).column("cluster_id").to_pylist()
    assert clusters.loc[0, "cluster_id"] not in stored and len(stored) == len(clusters) - 1


def test_invisible_characters_are_refused_in_ids_and_codes_and_a_note_keeps_its_line_breaks(home, sample, tmp_path):
    with_references(home, sample)
    rows = text(sample, "deliveries").head(6)
    rows.loc[0, "supplier_actor_id"] = rows.loc[0, "supplier_actor_id"] + "\u2028"  # a dictionary-encoded column
    rows.loc[1, "lot_id"] = "L\x85-1"  # C1 (NEL)
    rows.loc[2, "delivery_id"] = "D\t7"
    rows.loc[3, "product"] = "paddy\x7f"
    rows.to_csv(tmp_path / "livraisons.csv", index=False)
    summary = ingest(home, tmp_path / "livraisons.csv")
    refused = ledger.quarantined(home[1], summary.submission_id)
    assert refused["row_number"].tolist() == [1, 2, 3, 4] and summary.problems["control_character"] == 4
    details = [json.loads(p)[0]["detail"] for p in refused["problems"]]
    assert details == ["U+2028", "U+0085", "U+0009", "U+007F"]
    notes = text(sample, "assessments").head(2)
    notes.loc[0, "evidence"] = "Compte rendu du 3 mars :\n- réunion tenue\r\n- procès-verbal signé\tp. 2"
    notes.loc[1, "assessed_by"] = "Coach\nBcc: x@y.bj"
    notes.to_csv(tmp_path / "appreciations.csv", index=False)
    summary = ingest(home, tmp_path / "appreciations.csv", "assessments")
    refused = ledger.quarantined(home[1], summary.submission_id)
    assert refused["row_number"].tolist() == [2], "a free-text note keeps its line breaks; who assessed does not"
    evidence = read_rows(home[0].store_dir, "assessments", ["evidence"]).column("evidence").to_pylist()
    assert notes.loc[0, "evidence"] in evidence
