"""`vigie pull` from KoboToolbox, against the local double shaped like kpi's own data API: start/limit pages (and
kpi's `next` that counts every submission), the mark, a review that rejects, an edit (seen by a full pull only),
failures."""

from __future__ import annotations

import httpx
import pytest

from connectors.http import Retry
from connectors.sources import parse_source
from flows import pull
from tests.support.kobo_double import TOKEN, KoboDouble, kobo  # noqa: F401
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)
from warehouse import ledger
from warehouse.parquet_store import read_tables
from warehouse.pull_marks import read_mark


@pytest.fixture(autouse=True)
def quiet_events(monkeypatch):
    monkeypatch.setattr(pull, "announce_alerts", lambda *args: None)
    monkeypatch.setenv("VIGIE_KOBO_TOKEN", TOKEN)


def source(double: KoboDouble):
    entry = {"platform": "kobo", "url": double.url, "form": double.asset, "table": "deliveries",
             "token_env": "VIGIE_KOBO_TOKEN", "page_size": 4}  # fmt: skip
    return parse_source("kobo-livraisons", entry)


def run(home, double, client=None, **options):  # noqa: F811
    take_in = lambda path, table: ingest(home, path, table).as_dict()  # noqa: E731
    retry = Retry(attempts=3, backoff_s=0.0, sleep=lambda s: None)
    return pull.pull_source(source(double), home[0], home[1], take_in, client=client, retry=retry, **options)


def fill(double: KoboDouble, rows, day: str = "2026-03-02") -> list[int]:
    return [double.add({f"livraison/{k}": v for k, v in row.items()}, f"{day}T09:{i:02d}:00") for i, row in
            enumerate(rows)]  # fmt: skip


def test_pages_until_an_empty_one_then_takes_only_what_is_new(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(12).to_dict("records")
    fill(kobo, rows[:10])
    first = run(home, kobo)
    assert (first.status, first.records, first.pages, first.rows_accepted) == ("taken", 10, 3, 10)
    assert [r.query["start"] for r in kobo.requests] == ["0", "4", "8"]
    fill(kobo, rows[10:], day="2026-03-03")
    later = run(home, kobo)
    assert (later.records, later.rows_accepted) == (2, 2)
    assert "_submission_time" in kobo.requests[-1].query["query"]
    assert run(home, kobo).status == "nothing_new"
    assert len(read_tables(home[0].store_dir)["deliveries"]) == 12


def test_a_review_that_rejects_comes_with_the_next_pull_and_quarantines_the_row(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(6).to_dict("records")
    numbers = fill(kobo, rows)
    fill(kobo, text(sample, "deliveries").iloc[6:7].to_dict("records"), day="2026-03-03")
    kobo.review(numbers[0], "validation_status_not_approved", "2026-03-02T08:00:00")  # reviewed before the mark
    run(home, kobo)
    kobo.review(numbers[1], "validation_status_not_approved", "2026-03-04T08:00:00")
    later = run(home, kobo)
    assert (later.records, later.rows_quarantined) == (1, 1), "the review's timestamp moved, not _submission_time"
    assert "supervisor_rejected" in ledger.quarantined(home[1])["problems"].str.cat()


def test_an_edit_without_a_review_is_taken_by_a_full_read_alone_and_replaces_its_row(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(5).to_dict("records")
    numbers = fill(kobo, rows)
    run(home, kobo)
    corrected = float(rows[3]["quantity_kg"]) + 10
    kobo.edit(numbers[3], {"livraison/quantity_kg": str(corrected)})
    assert run(home, kobo).status == "nothing_new", "Kobo says nothing of when a submission was edited"
    full = run(home, kobo, full=True)
    assert (full.status, full.records, full.deleted) == ("taken", 1, ()), "only the edited one, by its new _uuid"
    stored = read_tables(home[0].store_dir)["deliveries"].set_index("delivery_id")
    assert len(stored) == 5 and float(stored.loc[rows[3]["delivery_id"], "quantity_kg"]) == corrected
    assert run(home, kobo, full=True).status == "nothing_new"


def test_a_full_read_without_what_was_taken_takes_everything_once(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    fill(kobo, text(sample, "deliveries").head(4).to_dict("records"))
    run(home, kobo)
    (home[0].home / "pulls" / "kobo-livraisons" / "taken.json").unlink()
    assert run(home, kobo, full=True).records == 4, "no file: everything again"
    assert len(read_tables(home[0].store_dir)["deliveries"]) == 4, "stored once"


def test_a_submission_deleted_in_kobo_is_found_by_the_full_read_and_said(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    numbers = fill(kobo, text(sample, "deliveries").head(5).to_dict("records"))
    run(home, kobo)
    root = next(r["meta/rootUuid"] for r in kobo.submissions if r["_id"] == numbers[2])
    kobo.delete(numbers[2])
    assert run(home, kobo).deleted == (), "Kobo's own answers say nothing of a deletion"
    full = run(home, kobo, full=True)
    assert (full.status, full.deleted) == ("nothing_new", (root,))
    assert run(home, kobo, full=True).deleted == (), "said once"


def test_a_source_pointed_at_another_form_reports_no_deletion_of_the_old_ones(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    fill(kobo, text(sample, "deliveries").head(3).to_dict("records"))
    run(home, kobo)
    with KoboDouble(asset="aAutreFormulaire2026") as other:
        fill(other, text(sample, "deliveries").iloc[3:5].to_dict("records"))
        moved = run(home, other, full=True)
    assert (moved.status, moved.records, moved.deleted) == ("taken", 2, ()), "the old form's ids are not deletions"


def test_a_server_giving_date_modified_hands_edits_to_the_hourly_pull(home, sample):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(4).to_dict("records")
    with KoboDouble(date_modified=True) as double:
        numbers = fill(double, rows)
        run(home, double)
        double.edit(
            numbers[1], {"livraison/quantity_kg": str(float(rows[1]["quantity_kg"]) + 1)}, "2026-03-04T07:00:00"
        )
        later = run(home, double)
    assert (later.status, later.records) == ("taken", 1), "kpi#7260's _date_modified moved"
    assert '"_date_modified":{"$gte":"2026-03-02T09:03:00"}' in double.requests[-1].query["query"]


@pytest.mark.parametrize(
    ("script", "code"),
    [([401], "unauthorized"), ([500, 502, 503], "unavailable"), (["hang"] * 3, "unavailable"),
     (["ok", "malformed"], "malformed"), ([404], "not_found")],
)  # fmt: skip
def test_a_failing_kobo_server_leaves_everything_as_it_was(home, sample, kobo, script, code):  # noqa: F811
    with_references(home, sample)
    fill(kobo, text(sample, "deliveries").head(6).to_dict("records"))
    before = (len(ledger.submissions(home[1])), read_mark(home[1], source(kobo)))
    kobo.script(script)
    failed = run(home, kobo, client=httpx.Client(timeout=0.3))
    assert (failed.status, failed.code) == ("failed", code)
    assert TOKEN not in (failed.error or "")
    assert (len(ledger.submissions(home[1])), read_mark(home[1], source(kobo))) == before
    assert run(home, kobo).status == "taken"
