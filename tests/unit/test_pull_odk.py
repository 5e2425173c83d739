"""`vigie pull` from ODK Central, against the local double that checks every request against Central's spec:
paging by $skiptoken, the high-water mark (new submissions only), an edit, a rejection, every failure."""

from __future__ import annotations

import httpx
import pytest

from connectors.http import Retry
from connectors.sources import parse_source
from flows import pull
from flows.settings import load_settings
from tests.support.odk_central_double import EMAIL, PASSWORD, OdkCentralDouble, odk_central  # noqa: F401
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)
from warehouse import ledger
from warehouse.parquet_store import read_tables
from warehouse.pull_marks import read_mark


@pytest.fixture(autouse=True)
def quiet_events(monkeypatch):
    monkeypatch.setattr(pull, "announce_alerts", lambda *args: None)  # no Prefect server in the unit tier
    monkeypatch.setenv("VIGIE_ODK_PASSWORD", PASSWORD)


def source(double: OdkCentralDouble, **changes):
    entry = {
        "platform": "odk_central",
        "url": double.url,
        "project": double.project,
        "form": double.form,
        "table": "deliveries",
        "user": EMAIL,
        "password_env": "VIGIE_ODK_PASSWORD",
        "page_size": 4,
        **changes,
    }
    return parse_source("odk-livraisons", entry)


def run(home, src, sleeps=None, client=None, **options):  # noqa: F811
    retry = Retry(attempts=3, backoff_s=0.5, sleep=(sleeps if sleeps is not None else []).append)
    take_in = lambda path, table: ingest(home, path, table).as_dict()  # noqa: E731
    return pull.pull_source(src, home[0], home[1], take_in, client=client, retry=retry, **options)


def fill(double: OdkCentralDouble, rows, day: str = "2026-03-02") -> list[str]:
    return [double.add({"livraison": row}, f"{day}T09:{i:02d}:00.000Z") for i, row in enumerate(rows)]


def deliveries(home):  # noqa: F811
    return read_tables(home[0].store_dir).get("deliveries")


def test_a_first_pull_takes_every_page_and_a_second_one_nothing(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    fill(odk_central, text(sample, "deliveries").head(10).to_dict("records"))
    first = run(home, source(odk_central))
    assert (first.status, first.records, first.pages, first.rows_accepted) == ("taken", 10, 3, 10)
    feeds = [r for r in odk_central.requests if r.path.endswith(".svc/Submissions")]
    assert "$skiptoken" not in feeds[0].query and all("$skiptoken" in r.query for r in feeds[1:])
    submissions = len(ledger.submissions(home[1]))
    second = run(home, source(odk_central))
    assert (second.status, second.records) == ("nothing_new", 0)
    assert len(ledger.submissions(home[1])) == submissions, "nothing new, no submission"
    changed, deleted = [r.query for r in odk_central.requests if r.path.endswith(".svc/Submissions")][-2:]
    mark = "2026-03-02T09:09:00.000Z"
    assert changed["$filter"] == f"__system/submissionDate ge {mark} or __system/updatedAt ge {mark}"
    assert (deleted["$filter"], deleted["$select"]) == (f"__system/deletedAt ge {mark}", "__id,__system/deletedAt")


def test_a_later_pull_takes_only_what_arrived_since(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(13).to_dict("records")
    fill(odk_central, rows[:10])
    run(home, source(odk_central))
    fill(odk_central, rows[10:], day="2026-03-03")
    later = run(home, source(odk_central))
    assert (later.status, later.records, later.rows_accepted) == ("taken", 3, 3)
    assert len(deliveries(home)) == 13


def taken_then_edited(home, sample, double: OdkCentralDouble, index: int):  # noqa: F811
    """Six submissions pulled, then one edited in Central: the rows, the ids and the corrected quantity."""
    with_references(home, sample)
    rows = text(sample, "deliveries").head(6).to_dict("records")
    ids = fill(double, rows)
    run(home, source(double))
    corrected = float(rows[index]["quantity_kg"]) + 10
    double.edit(ids[index], {"livraison": {**rows[index], "quantity_kg": str(corrected)}}, "2026-03-05T10:00:00.000Z")
    return rows, ids, corrected


def test_an_edit_in_central_comes_with_the_next_pull_and_replaces_its_row(home, sample, odk_central):  # noqa: F811
    rows, ids, corrected = taken_then_edited(home, sample, odk_central, 2)
    later = run(home, source(odk_central))
    assert (later.status, later.records, later.rows_accepted) == ("taken", 1, 1), "updatedAt moved, not submissionDate"
    stored = deliveries(home).set_index("delivery_id")
    assert len(stored) == 6 and float(stored.loc[rows[2]["delivery_id"], "quantity_kg"]) == corrected


def test_a_rejected_submission_goes_to_quarantine(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(5).to_dict("records")
    ids = fill(odk_central, rows)
    odk_central.review(ids[1], "rejected", "2026-03-02T12:00:00.000Z")
    taken = run(home, source(odk_central))
    assert (taken.rows_accepted, taken.rows_quarantined) == (4, 1)
    problems = ledger.quarantined(home[1])["problems"].str.cat()
    assert "supervisor_rejected" in problems


def test_a_rejection_after_a_first_pull_takes_the_row_out_of_the_store(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(5).to_dict("records")
    ids = fill(odk_central, rows)
    run(home, source(odk_central))
    odk_central.review(ids[1], "rejected", "2026-03-06T12:00:00.000Z")
    assert run(home, source(odk_central)).rows_quarantined == 1
    assert rows[1]["delivery_id"] not in set(deliveries(home)["delivery_id"])


def test_a_submission_deleted_in_central_is_said_once_and_its_row_kept(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    rows = text(sample, "deliveries").head(5).to_dict("records")
    ids = fill(odk_central, rows)
    run(home, source(odk_central))
    odk_central.delete(ids[1], "2026-03-06T08:00:00.000Z")
    later = run(home, source(odk_central))
    assert (later.status, later.deleted) == ("nothing_new", (ids[1],))
    assert "1 submission(s) deleted on the platform" in pull.deleted_words(later) and ids[1] in pull.deleted_words(
        later
    )
    assert run(home, source(odk_central)).deleted == (), "said once: the mark moved past the deletion"
    assert len(deliveries(home)) == 5, "the store keeps the row (no delete by submission id yet)"
    fill(odk_central, rows[:1], day="2026-03-07")  # a new submission and a deletion in the same pull
    odk_central.delete(ids[2], "2026-03-07T10:00:00.000Z")
    both = run(home, source(odk_central))
    assert (both.status, both.records, both.deleted) == ("taken", 1, (ids[2],))


def test_a_full_read_takes_only_what_changed_since_taken_and_finds_deletions(home, sample, odk_central):  # noqa: F811
    rows, ids, corrected = taken_then_edited(home, sample, odk_central, 0)
    odk_central.delete(ids[4], "2026-03-05T11:00:00.000Z")
    full = run(home, source(odk_central), full=True)
    assert (full.status, full.records, full.deleted) == ("taken", 1, (ids[4],))
    assert float(deliveries(home).set_index("delivery_id").loc[rows[0]["delivery_id"], "quantity_kg"]) == corrected
    assert run(home, source(odk_central), full=True).status == "nothing_new"


FAILURES = [
    ("bad password", {"password": "faux"}, [], "unauthorized", False),
    ("no such form", {"form": "autre_formulaire"}, [], "not_found", False),
    ("forbidden", {}, ["ok", 403], "forbidden", False),
    ("rate limited", {}, [429, 429, 429], "unavailable", True),
    ("server errors", {}, [500, 502, 503], "unavailable", True),
    ("slow", {}, ["hang", "hang", "hang"], "unavailable", True),
    ("malformed page", {}, ["ok", "malformed"], "malformed", False),
    ("cut page", {}, ["ok", "cut"], "malformed", False),
    ("second page fails", {}, ["ok", "ok", "malformed"], "malformed", False),
]


@pytest.mark.parametrize("failure", FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failing_server_changes_nothing_and_is_told_once(home, sample, odk_central, monkeypatch, failure):  # noqa: F811
    case, change, script, code, transient = failure
    with_references(home, sample)
    fill(odk_central, text(sample, "deliveries").head(10).to_dict("records"))
    change = dict(change)
    if "password" in change:
        monkeypatch.setenv("VIGIE_ODK_PASSWORD", change.pop("password"))
        home = (load_settings(), home[1])  # noqa: F811 (the settings read the environment once, when made)
    src = source(odk_central, **change)
    before = (len(ledger.submissions(home[1])), read_mark(home[1], src))
    odk_central.script(script)
    client = httpx.Client(timeout=0.3)
    failed = run(home, src, client=client)
    assert (failed.status, failed.code) == ("failed", code)
    assert PASSWORD not in (failed.error or "") and "Bearer" not in (failed.error or "")
    assert (len(ledger.submissions(home[1])), read_mark(home[1], src)) == before, "nothing half-taken"
    assert failed.alerted is not transient, "told at once unless waiting may help"
    odk_central.script(script)
    again = run(home, src, client=client)
    assert again.status == "failed" and not again.alerted, "told once"
    if "form" not in change and "password" not in case:
        assert run(home, src).status == "taken", "the next pull takes everything"


def test_429_and_5xx_are_retried_with_backoff_then_the_pull_succeeds(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    fill(odk_central, text(sample, "deliveries").head(3).to_dict("records"))
    odk_central.script(["ok", 503, 429])
    sleeps: list[float] = []
    assert run(home, source(odk_central), sleeps=sleeps).status == "taken"
    assert sleeps == [0.5, 0.0], "backoff, then Central's Retry-After"


def test_a_crash_after_intake_recorded_the_pull_loses_nothing(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    fill(odk_central, text(sample, "deliveries").head(4).to_dict("records"))

    def crashing(path, table):
        ingest(home, path, table)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull.pull_source(source(odk_central), home[0], home[1], crashing, retry=Retry(sleep=lambda s: None))
    again = run(home, source(odk_central))
    assert (again.status, again.records) == ("taken", 4), "the same records come again"
    assert len(deliveries(home)) == 4 and run(home, source(odk_central)).status == "nothing_new"
