"""The store in an S3 bucket (moto's server on loopback, started by the tests): the same rows, replacements,
versions and all-or-nothing submissions as on a local disk, and no credential in any message."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.settings import load_settings
from tests.support.intake import ingest, open_home
from tests.unit import test_parquet_store as on_disk
from tests.unit.test_intake_atomic import KILL_AT, deliveries_file, run_killed, stored_counts
from tests.unit.test_store_versions import quantities
from warehouse import ledger, store_log
from warehouse.store_url import RemoteStore
from warehouse.store_write import transaction, write_rows

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def sample(two_cluster_sample):
    return two_cluster_sample


@pytest.fixture
def root(s3_store) -> RemoteStore:
    location = load_settings().store_dir
    assert isinstance(location, RemoteStore) and location.url == s3_store
    return location


@pytest.mark.parametrize(
    "case",
    [
        on_disk.test_interleaved_and_grouped_rows_both_land_whole,
        on_disk.test_a_corrected_row_replaces_the_stored_one_by_key,
        on_disk.test_a_correction_that_moves_a_row_to_another_campaign_never_duplicates_it,
        on_disk.test_a_kobo_row_moved_to_another_cluster_under_its_uuid_leaves_its_old_partition,
        on_disk.test_a_plain_spreadsheet_correction_keeps_the_submission_ids_already_stored,
    ],
    ids=lambda case: case.__name__.removeprefix("test_"),
)
def test_the_store_cases_hold_in_a_bucket(root, case):
    case(root)


def test_versions_and_deletions_in_a_bucket(root):
    write_rows(root, "deliveries", on_disk.deliveries({}, {"delivery_id": "D2"}))
    first = store_log.load(root)
    write_rows(root, "deliveries", on_disk.deliveries({"quantity_kg": "600", "accepted_kg": "590"}))
    assert quantities(root) == {"D1": 600.0, "D2": 500.0}
    assert quantities(root, store_log.load(root, first.version)) == {"D1": 500.0, "D2": 500.0}
    with transaction(root, "nothing") as writing:
        assert writing.delete_rows("deliveries", ["no-such-id"]) == 0
    assert store_log.load(root).version == first.version + 1, "a transaction that changed nothing records nothing"


@pytest.mark.parametrize("step", [step for step in KILL_AT if step != "ledger"])
def test_a_submission_killed_at_each_store_step_is_all_or_nothing_in_a_bucket(s3_store, sample, tmp_path, step):
    home = open_home()
    settings, engine = home
    for table in ("clusters", "actors"):
        assert ingest(home, sample / f"{table}.csv").status == "validated"
    before = stored_counts(settings)
    path = deliveries_file(sample, tmp_path)
    expected = len(pd.read_csv(path)) - 1
    run_killed(step, path)
    seen = stored_counts(settings)
    assert seen == ({**before, "deliveries": expected} if step == "after_commit" else before)
    retry = ingest(home, path)
    assert (retry.status, retry.rows_accepted, retry.rows_quarantined) == ("validated", expected, 1)
    assert stored_counts(settings) == {**before, "deliveries": expected}
    assert len(ledger.quarantined(engine)) == 1


def test_a_store_that_cannot_be_reached_says_so_without_its_secret(s3_store, monkeypatch):
    from tests.support.s3 import CREDENTIALS

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    location = load_settings().store_dir
    with pytest.raises(Exception) as refused:  # noqa: B017 (whatever the client raises, it must not show the key)
        write_rows(location, "deliveries", on_disk.deliveries({}))
    said = f"{refused.value!r} {refused.value}"
    assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in said and "vigie-test-secret" not in said
