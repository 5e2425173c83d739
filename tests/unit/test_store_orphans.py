"""A store transaction that does not commit leaves no file behind, on a local disk and in an S3 bucket (moto's
server): refused by a concurrent commit (then retried), or failed before its commit. A transaction whose record
went through though an error was raised keeps its files (a recorded store version names them)."""

from __future__ import annotations

import pyarrow.fs as pafs
import pytest

from flows.settings import load_settings
from tests.unit.test_parquet_store import deliveries
from tests.unit.test_store_versions import quantities
from warehouse import store_log, store_retry
from warehouse.store_fs import filesystem
from warehouse.store_url import RemoteStore
from warehouse.store_write import transaction, write_rows


@pytest.fixture(params=["disk", pytest.param("s3", marks=pytest.mark.s3)])
def root(request, tmp_path):
    if request.param == "disk":
        return tmp_path / "store"
    request.getfixturevalue("s3_store")
    return load_settings().store_dir


def unnamed_files(root, table: str = "deliveries") -> set[str]:
    """The files under the table's folder (its Delta log aside) that no recorded store version names, listed
    through the store's own filesystem."""
    fs, base = filesystem(root)
    listed = fs.get_file_info(pafs.FileSelector(f"{base}/{table}", recursive=True, allow_not_found=True))
    files = {info.path.removeprefix(f"{base}/") for info in listed if info.type == pafs.FileType.File}
    files = {path for path in files if "/_delta_log/" not in path}
    named = set()
    for commit in store_log.load(root).commits:
        named |= set(store_log.load(root, commit["version"]).files(table))
    assert named, "the table has recorded files"
    return files - named


def read_before_another_writer(monkeypatch, root) -> None:
    """The next transaction reads the store as it was before the last write (two writers at once on S3)."""
    stale, load = store_log.load(root), store_log.load
    write_rows(root, "deliveries", deliveries({"delivery_id": "D2"}))
    once = [stale]
    monkeypatch.setattr(store_log, "load", lambda where, as_of=None: once.pop() if once and as_of is None
                        else load(where, as_of))  # fmt: skip
    monkeypatch.setattr(store_log, "sweep", lambda where, manifest: 0)  # as on S3 (on a disk the lock forbids it)


def test_an_attempt_refused_by_a_concurrent_commit_leaves_no_file_and_its_retry_lands(root, monkeypatch):
    write_rows(root, "deliveries", deliveries({}))
    read_before_another_writer(monkeypatch, root)
    with pytest.raises(store_retry.ConcurrentCommit):
        write_rows(root, "deliveries", deliveries({"delivery_id": "D3", "cluster_id": "CL-2"}))
    assert unnamed_files(root) == set(), "the refused attempt's staged files were removed"
    if not isinstance(root, RemoteStore):  # and on a disk the partition folder it had made (on S3: a marker)
        assert not (root / "deliveries" / "campaign=2024-2025" / "cluster_id=CL-2").exists()
    assert set(quantities(root)) == {"D1", "D2"}

    read_before_another_writer(monkeypatch, root)  # refused once, then run again from the store as it is
    store_retry.retried(lambda: write_rows(root, "deliveries", deliveries({"delivery_id": "D5", "cluster_id": "CL-3"})))
    assert unnamed_files(root) == set()
    assert set(quantities(root)) == {"D1", "D2", "D5"}


def test_a_transaction_failing_before_its_commit_leaves_no_file(root):
    write_rows(root, "deliveries", deliveries({}))
    version = store_log.load(root).version
    with pytest.raises(RuntimeError, match="boom"), transaction(root, "failing") as writing:
        writing.write_rows("deliveries", deliveries({"delivery_id": "D2", "cluster_id": "CL-2"}, {"quantity_kg": "9"}))
        raise RuntimeError("boom")
    assert unnamed_files(root) == set() and store_log.load(root).version == version
    assert quantities(root) == {"D1": 500.0}


def test_a_record_that_went_through_before_an_error_keeps_its_files(root, monkeypatch):
    write_rows(root, "deliveries", deliveries({}))
    record = store_log.record

    def answer_lost(*args, **kwargs):
        record(*args, **kwargs)
        raise OSError("connection reset while reading the answer")

    monkeypatch.setattr(store_log, "record", answer_lost)
    with pytest.raises(OSError, match="connection reset"):
        write_rows(root, "deliveries", deliveries({"delivery_id": "D2", "cluster_id": "CL-2"}))
    monkeypatch.undo()
    assert quantities(root) == {"D1": 500.0, "D2": 500.0}, "the recorded version reads whole: its files stayed"
    assert unnamed_files(root) == set()
