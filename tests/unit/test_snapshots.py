"""The snapshot of a stored table (the known clusters and actors every submission reads): the same rows as the
partition files, never stale, never trusted when damaged."""

from __future__ import annotations

import pyarrow as pa
import pytest

import warehouse.snapshots as snapshots
from tests.unit.test_parquet_store import deliveries
from warehouse.parquet_store import read_rows
from warehouse.snapshots import FOLDER, read_snapshot
from warehouse.store_write import write_rows

COLUMNS = ["delivery_id", "cluster_id", "quantity_kg"]


def _sorted(rows: pa.Table) -> list[dict]:
    return sorted(rows.to_pylist(), key=lambda row: row["delivery_id"])


def test_a_snapshot_gives_the_stored_rows_and_is_read_instead_of_the_files(tmp_path, monkeypatch):
    assert read_snapshot(tmp_path, "deliveries", COLUMNS) is None  # nothing stored yet
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2", "cluster_id": "CL-2"}))
    first = read_snapshot(tmp_path, "deliveries", COLUMNS)
    assert (tmp_path / FOLDER / "deliveries.arrow").is_file()
    assert _sorted(first) == _sorted(read_rows(tmp_path, "deliveries", COLUMNS))
    monkeypatch.setattr(snapshots, "read_rows", lambda *args: pytest.fail("the partition files were read again"))
    assert read_snapshot(tmp_path, "deliveries", COLUMNS).equals(first)


def test_a_write_to_the_table_makes_the_snapshot_stale(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}))
    read_snapshot(tmp_path, "deliveries", COLUMNS)
    write_rows(tmp_path, "deliveries", deliveries({"quantity_kg": "650", "accepted_kg": "600"}, {"delivery_id": "D2"}))
    found = read_snapshot(tmp_path, "deliveries", COLUMNS)
    assert [(r["delivery_id"], r["quantity_kg"]) for r in _sorted(found)] == [("D1", 650.0), ("D2", 500.0)]


def test_other_columns_or_a_damaged_snapshot_are_read_from_the_files(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))
    read_snapshot(tmp_path, "deliveries", COLUMNS)
    assert read_snapshot(tmp_path, "deliveries", ["delivery_id"]).column_names == ["delivery_id"]
    (tmp_path / FOLDER / "deliveries.arrow").write_bytes(b"not an arrow file")
    found = read_snapshot(tmp_path, "deliveries", COLUMNS)
    assert _sorted(found) == _sorted(read_rows(tmp_path, "deliveries", COLUMNS))
    assert read_snapshot(tmp_path, "deliveries", COLUMNS).equals(found)  # rewritten whole
