"""The Parquet store: partitioned by table, campaign and cluster; written atomically; rows replaced by their
natural key (or Kobo's _uuid), never duplicated, even when a correction moves a row to another partition."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas.tables import CONTRACTS, columns_of
from validations.contracts import check_table
from warehouse.parquet_store import partition_files, read_rows, read_tables
from warehouse.store_write import write_rows


def deliveries(*rows: dict) -> pa.Table:
    base = {
        "delivery_id": "D1", "campaign": "2024-2025", "cluster_id": "CL-1", "supplier_actor_id": "A1",
        "delivery_date": "2024-11-05", "product": "paddy", "quantity_kg": "500", "accepted_kg": "480",
        "meets_standard": "true", "lot_id": None, "unit_price_xof": "210", "contract_id": None,
    }  # fmt: skip
    frame = pd.DataFrame([base | row for row in rows], dtype="object")
    typed = check_table("deliveries", frame).accepted
    return pa.Table.from_pandas(typed, preserve_index=False)


def test_rows_land_in_one_file_per_table_campaign_and_cluster(tmp_path):
    rows = deliveries({}, {"delivery_id": "D2", "cluster_id": "CL-2"}, {"delivery_id": "D3", "campaign": "2023-2024"})
    written = write_rows(tmp_path, "deliveries", rows)
    assert (written.partitions, written.rows, written.replaced) == (3, 3, 0)
    files = partition_files(tmp_path, "deliveries")
    assert set(files) == {("2024-2025", "CL-1"), ("2024-2025", "CL-2"), ("2023-2024", "CL-1")}
    path = files[("2024-2025", "CL-1")].relative_to(tmp_path)
    assert path.parent.as_posix() == "deliveries/campaign=2024-2025/cluster_id=CL-1"
    assert path.name.startswith("part-1-") and path.suffix == ".parquet", "written by the store's first commit"
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"


def test_interleaved_and_grouped_rows_both_land_whole(tmp_path):
    """A partition's rows may come as one run (sliced) or scattered through the file (gathered)."""
    rows = deliveries(
        {}, {"delivery_id": "D2", "cluster_id": "CL-2"}, {"delivery_id": "D3", "quantity_kg": "700"},
        {"delivery_id": "D4", "cluster_id": "CL-2"}, {"delivery_id": "D5", "cluster_id": "CL-2", "quantity_kg": "900"},
    )  # fmt: skip
    write_rows(tmp_path, "deliveries", rows)
    stored = read_tables(tmp_path, ["deliveries"])["deliveries"].sort_values("delivery_id")
    assert stored["cluster_id"].tolist() == ["CL-1", "CL-2", "CL-1", "CL-2", "CL-2"]
    assert stored["quantity_kg"].tolist() == [500.0, 500.0, 700.0, 500.0, 900.0]


def test_a_corrected_row_replaces_the_stored_one_by_key(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))
    written = write_rows(tmp_path, "deliveries", deliveries({"quantity_kg": "600", "accepted_kg": "590"}))
    assert written.replaced == 1
    stored = read_tables(tmp_path, ["deliveries"])["deliveries"].sort_values("delivery_id")
    assert stored["delivery_id"].tolist() == ["D1", "D2"]
    assert stored["quantity_kg"].tolist() == [600.0, 500.0]


def test_a_correction_that_moves_a_row_to_another_campaign_never_duplicates_it(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))
    write_rows(tmp_path, "deliveries", deliveries({"campaign": "2023-2024", "delivery_date": "2023-11-05"}))
    stored = read_tables(tmp_path, ["deliveries"])["deliveries"]
    assert sorted(stored["delivery_id"]) == ["D1", "D2"]
    assert stored.set_index("delivery_id").loc["D1", "campaign"] == "2023-2024"


def test_a_kobo_row_sent_again_under_its_uuid_replaces_the_first(tmp_path):
    first = deliveries({"delivery_id": "K-1"}).append_column("_uuid", pa.array(["u-1"]))
    again = deliveries({"delivery_id": "K-1b", "quantity_kg": "700", "accepted_kg": "650"}).append_column(
        "_uuid", pa.array(["u-1"])
    )
    write_rows(tmp_path, "deliveries", first)
    assert write_rows(tmp_path, "deliveries", again).replaced == 1
    stored = read_rows(tmp_path, "deliveries")
    assert stored.num_rows == 1 and stored.column("delivery_id").to_pylist() == ["K-1b"]


def test_a_kobo_row_moved_to_another_cluster_under_its_uuid_leaves_its_old_partition(tmp_path):
    """The old partition is found by the scan of the other partitions' keys, among partitions with and without
    `_uuid`; a partition left empty is removed, one with other rows keeps them."""
    write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "P-1", "cluster_id": "CL-9"}))  # no _uuid at all
    kobo = deliveries({"delivery_id": "K-1"}, {"delivery_id": "K-2", "cluster_id": "CL-2"})
    write_rows(tmp_path, "deliveries", kobo.append_column("_uuid", pa.array(["u-1", "u-2"])))
    moved = deliveries({"delivery_id": "K-1 fixed", "cluster_id": "CL-3"}, {"delivery_id": "K-2", "cluster_id": "CL-3"})
    written = write_rows(tmp_path, "deliveries", moved.append_column("_uuid", pa.array(["u-1", None])))
    assert written.replaced == 2
    stored = read_rows(tmp_path, "deliveries").sort_by("delivery_id")
    assert stored.column("delivery_id").to_pylist() == ["K-1 fixed", "K-2", "P-1"]
    assert stored.column("cluster_id").to_pylist() == ["CL-3", "CL-3", "CL-9"]
    assert set(partition_files(tmp_path, "deliveries")) == {("2024-2025", "CL-3"), ("2024-2025", "CL-9")}


def test_a_correction_that_moves_nothing_rewrites_no_other_partition(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2", "cluster_id": "CL-2"}))
    other = partition_files(tmp_path, "deliveries")[("2024-2025", "CL-2")]
    before = other.stat().st_mtime_ns
    written = write_rows(tmp_path, "deliveries", deliveries({"quantity_kg": "650", "accepted_kg": "600"}))
    assert (written.partitions, written.replaced) == (1, 1)
    assert other.stat().st_mtime_ns == before


def test_read_tables_gives_the_contract_columns_and_dtypes(tmp_path):
    rows = deliveries({}, {"delivery_id": "D2", "lot_id": "L-2", "meets_standard": None})
    write_rows(tmp_path, "deliveries", rows.append_column("_warnings", pa.array([None, "x"], pa.large_string())))
    frame = read_tables(tmp_path)["deliveries"].sort_values("delivery_id", ignore_index=True)
    assert list(frame.columns) == columns_of("deliveries")
    pd.testing.assert_frame_equal(frame, rows.to_pandas(types_mapper=_MASKED.get))
    assert dict(frame.dtypes.astype(str)) == {
        name: str(dtype) for name, dtype in CONTRACTS["deliveries"].to_schema().coerce_dtype(frame).dtypes.items()
    }
    assert read_tables(tmp_path / "nothing") == {}


def test_read_tables_reads_only_the_columns_asked_for_a_table(tmp_path):
    rows = deliveries({}, {"delivery_id": "D2", "cluster_id": "CL-2"})
    write_rows(tmp_path, "deliveries", rows)
    wanted = ["cluster_id", "campaign", "accepted_kg"]
    frame = read_tables(tmp_path, columns={"deliveries": wanted})["deliveries"].sort_values("cluster_id")
    assert list(frame.columns) == wanted
    assert frame["cluster_id"].tolist() == ["CL-1", "CL-2"] and frame["accepted_kg"].tolist() == [480.0, 480.0]
    assert str(frame["accepted_kg"].dtype) == "Float64"


_MASKED = {pa.float64(): pd.Float64Dtype(), pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def test_ids_that_are_not_safe_folder_names_are_quoted(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({"cluster_id": "CL/../1"}))
    assert ("2024-2025", "CL/../1") in partition_files(tmp_path, "deliveries")
    assert all(tmp_path in path.parents for path in tmp_path.rglob("*.parquet"))
    stored = read_rows(tmp_path, "deliveries")
    assert pc.all(pc.equal(stored.column("cluster_id"), "CL/../1")).as_py()


def test_dictionary_columns_are_stored_and_read_back_as_plain_text(tmp_path):
    """Intake keeps repeated texts dictionary-encoded; the store writes them as they are, and every reader gets
    plain text, also beside files written before (with the Arrow schema kept in the file)."""

    from validations.rows import compact
    from warehouse.parquet_store import partition_dir

    older = deliveries({"delivery_id": "D0", "cluster_id": "CL-0"})
    old = partition_dir(tmp_path, "deliveries", ("2024-2025", "CL-0")) / "part.parquet"
    old.parent.mkdir(parents=True)
    pq.write_table(older.cast(pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f
                                         for f in older.schema])), old)  # fmt: skip
    rows = compact(deliveries({}, {"delivery_id": "D2", "supplier_actor_id": "A2"}))
    assert pa.types.is_dictionary(rows.schema.field("supplier_actor_id").type)
    write_rows(tmp_path, "deliveries", rows)
    stored = read_rows(tmp_path, "deliveries")
    assert not any(pa.types.is_dictionary(f.type) for f in stored.schema)
    assert sorted(stored.column("supplier_actor_id").to_pylist()) == ["A1", "A1", "A2"]
    frame = read_tables(tmp_path, ["deliveries"])["deliveries"]
    assert sorted(frame["delivery_id"]) == ["D0", "D1", "D2"] and frame["cluster_id"].dtype == "str"


def test_a_plain_spreadsheet_correction_keeps_the_submission_ids_already_stored(tmp_path):
    """A Kobo submission stored, then corrected from a spreadsheet without Kobo's columns (the row in its place,
    another moved to the other campaign), then edited in Kobo with its delivery id corrected: the edit still finds
    its row by the submission id, so no delivery is stored twice."""
    kobo = deliveries({}, {"delivery_id": "D2"}, {"delivery_id": "D3"})
    write_rows(tmp_path, "deliveries", kobo.append_column("_uuid", pa.array(["u-1", "u-2", "u-3"])))
    plain = deliveries({"quantity_kg": "650", "accepted_kg": "600"}, {"delivery_id": "D2", "campaign": "2023-2024"})
    write_rows(tmp_path, "deliveries", plain)
    stored = read_rows(tmp_path, "deliveries", ["delivery_id", "campaign", "_uuid"]).to_pandas()
    stored = stored.sort_values("delivery_id")
    assert stored["delivery_id"].tolist() == ["D1", "D2", "D3"], "D2 left its first campaign's file"
    assert stored["campaign"].tolist() == ["2024-2025", "2023-2024", "2024-2025"]
    assert stored["_uuid"].tolist() == ["u-1", "u-2", "u-3"], "the spreadsheet erased no submission id"

    edited = deliveries({"delivery_id": "D1-corrige"}, {"delivery_id": "D2-corrige", "campaign": "2023-2024"})
    write_rows(tmp_path, "deliveries", edited.append_column("_uuid", pa.array(["u-1", "u-2"])))
    stored = read_tables(tmp_path, ["deliveries"])["deliveries"]
    assert sorted(stored["delivery_id"]) == ["D1-corrige", "D2-corrige", "D3"]
