"""The store's versions: Delta Lake tables recorded together, a half-committed submission undone by the next
writer, and any recorded version read back as it was."""

from __future__ import annotations

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from tests.unit.test_parquet_store import deliveries
from warehouse import store_log
from warehouse.parquet_store import partition_files, read_tables
from warehouse.store_write import write_rows


def quantities(root, manifest=None) -> dict[str, float]:
    frame = read_tables(root, ["deliveries"], manifest=manifest)["deliveries"]
    return dict(zip(frame["delivery_id"], frame["quantity_kg"], strict=True))


def test_a_table_committed_but_not_recorded_is_not_seen_and_is_undone_by_the_next_writer(tmp_path, monkeypatch):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))

    def killed(*args):
        raise KeyboardInterrupt  # the process dies between the table's commit and the store's record

    monkeypatch.setattr(store_log, "record", killed)
    with pytest.raises(KeyboardInterrupt):
        write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D3"}, {"delivery_id": "D1", "quantity_kg": "9"}))
    monkeypatch.undo()
    assert DeltaTable(str(tmp_path / "deliveries")).version() == 1, "the table's commit was made"
    assert quantities(tmp_path) == {"D1": 500.0, "D2": 500.0}, "but no reader sees it"

    write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D4", "cluster_id": "CL-2"}))
    assert quantities(tmp_path) == {"D1": 500.0, "D2": 500.0, "D4": 500.0}, "the half-made commit was undone"
    assert store_log.load(tmp_path).version == 2


def test_every_recorded_version_reads_back_as_it_was(tmp_path):
    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))
    first = store_log.load(tmp_path)
    write_rows(tmp_path, "deliveries", deliveries({"quantity_kg": "600", "accepted_kg": "590"}))
    assert quantities(tmp_path) == {"D1": 600.0, "D2": 500.0}
    then = store_log.load(tmp_path, first.version)
    assert then.versions == first.versions and then.files("deliveries") == first.files("deliveries")
    assert quantities(tmp_path, then) == {"D1": 500.0, "D2": 500.0}
    by_time = store_log.load(tmp_path, store_log.load(tmp_path).commits[0]["committed_at"])
    assert by_time.version == first.version
    with pytest.raises(LookupError, match="no version 7"):
        store_log.load(tmp_path, 7)


def test_rows_deleted_by_submission_id_leave_the_store_and_an_emptied_partition_goes(tmp_path):
    from warehouse.store_write import transaction

    rows = deliveries({}, {"delivery_id": "D2"}, {"delivery_id": "D3", "cluster_id": "CL-2"})
    write_rows(tmp_path, "deliveries", rows.append_column("_uuid", pa.array(["u1", "u2", "u3"])))
    with transaction(tmp_path, "rejections") as writing:
        assert writing.delete_rows("deliveries", ["u2", "u3", "unknown"]) == 2
    assert quantities(tmp_path) == {"D1": 500.0}
    assert [values for values in partition_files(tmp_path, "deliveries")] == [("2024-2025", "CL-1")]


def test_compacting_keeps_the_last_version_and_forgets_older_ones(tmp_path):
    from warehouse.store_compact import compact

    write_rows(tmp_path, "deliveries", deliveries({}, {"delivery_id": "D2"}))
    write_rows(tmp_path, "deliveries", deliveries({"quantity_kg": "600", "accepted_kg": "590"}))
    assert compact(tmp_path, keep_days=30).files_removed == 0, "everything is younger than 30 days"
    assert store_log.load(tmp_path, 1).version == 1
    done = compact(tmp_path, keep_days=0)
    assert (done.files_removed, done.versions_forgotten, done.oldest_version) == (1, 1, 2)
    assert quantities(tmp_path) == {"D1": 600.0, "D2": 500.0}, "the last version reads as before"
    with pytest.raises(LookupError, match="from 2"):
        store_log.load(tmp_path, 1)
    write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D5"}))
    assert set(quantities(tmp_path)) == {"D1", "D2", "D5"}


@pytest.mark.parametrize(("given", "code"), [("yesterday", 2), ("99", 1)])
def test_an_as_of_the_store_cannot_read_is_refused_in_one_line(vigie_home, tmp_path, monkeypatch, given, code):
    from click.testing import CliRunner

    from flows.cli import main

    monkeypatch.setenv("VIGIE_STORE_URL", str(tmp_path / "store"))
    write_rows(tmp_path / "store", "deliveries", deliveries({}))
    result = CliRunner().invoke(main, ["season", "--as-of", given, "--no-deliver"])
    assert result.exit_code == code, result.output
    assert "--as-of" in result.output and "Traceback" not in result.output


def test_a_writer_that_read_the_store_before_another_one_recorded_fails_and_is_not_seen(tmp_path, monkeypatch):
    """What S3 (no lock) allows: two writers read the same store version; the second to record is refused."""
    write_rows(tmp_path, "deliveries", deliveries({}))
    stale = store_log.load(tmp_path)
    write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D2"}))
    monkeypatch.setattr(store_log, "load", lambda root, as_of=None: stale)  # this writer read before D2 came
    monkeypatch.setattr(store_log, "sweep", lambda root, manifest: 0)  # as on S3 (on a disk the lock forbids this)
    with pytest.raises(store_log.ConcurrentCommit, match="same time"):
        write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D3", "cluster_id": "CL-2"}))
    monkeypatch.undo()
    assert set(quantities(tmp_path)) == {"D1", "D2"}, "the refused writer's rows are not seen"
    write_rows(tmp_path, "deliveries", deliveries({"delivery_id": "D3", "cluster_id": "CL-2"}))
    assert set(quantities(tmp_path)) == {"D1", "D2", "D3"}, "sent again, it lands"
