"""`vigie pull` of a repeat group's rows (a source with `repeat:`): ODK Central's OData sub-table, asked with the
same condition on its submissions through `$root`, and KoboToolbox's nested arrays, both taken in through the form
mapping that says `repeat:`, each row under its own stable KEY."""

from __future__ import annotations

import pytest

from connectors.http import Retry
from connectors.sources import SourceError, parse_source
from flows import pull
from tests.support.kobo_double import TOKEN, KoboDouble, kobo  # noqa: F401
from tests.support.odk_central_double import EMAIL, PASSWORD, OdkCentralDouble, odk_central  # noqa: F401
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)
from tests.unit.test_intake_exports import officer_form
from warehouse.parquet_store import read_rows, read_tables

MAPPING = "form: suivi_lots\ntable: deliveries\nrepeat: lots\ncolumns: {poids_kg: quantity_kg}\n"


@pytest.fixture(autouse=True)
def quiet_events(monkeypatch):
    monkeypatch.setattr(pull, "announce_alerts", lambda *args: None)
    monkeypatch.setenv("VIGIE_ODK_PASSWORD", PASSWORD)
    monkeypatch.setenv("VIGIE_KOBO_TOKEN", TOKEN)


def odk_source(double: OdkCentralDouble):
    return parse_source("odk-lots", {"platform": "odk_central", "url": double.url, "project": double.project,
                                     "form": double.form, "table": "deliveries", "user": EMAIL, "page_size": 3,
                                     "password_env": "VIGIE_ODK_PASSWORD", "repeat": "livraison/lots"})  # fmt: skip


def kobo_source(double: KoboDouble):
    return parse_source("kobo-lots", {"platform": "kobo", "url": double.url, "form": double.asset, "page_size": 3,
                                      "table": "deliveries", "token_env": "VIGIE_KOBO_TOKEN",
                                      "repeat": "livraison/lots"})  # fmt: skip


def run(home, src):  # noqa: F811
    take_in = lambda path, table: ingest(home, path, table).as_dict()  # noqa: E731
    return pull.pull_source(src, home[0], home[1], take_in, retry=Retry(attempts=2, sleep=lambda s: None))


def stored_keys(home) -> set[str]:  # noqa: F811
    return set(read_rows(home[0].store_dir, "deliveries", ["_uuid"]).column(0).to_pylist())


def test_central_repeat_rows_come_from_the_sub_table_and_only_for_changed_submissions(home, sample, odk_central):  # noqa: F811
    with_references(home, sample)
    officer_form(home, "lots.yaml", MAPPING)
    odk_central.repeats.add("livraison.lots")
    rows = text(sample, "deliveries").head(7).to_dict("records")
    first = [odk_central.add({"visite": {"coach": "c1"}, "livraison": {"lots": rows[i : i + 2]}},
                             f"2026-03-02T09:0{i}:00.000Z") for i in (0, 2, 4)]  # fmt: skip
    taken = run(home, odk_source(odk_central))
    assert (taken.status, taken.records, taken.rows_accepted) == ("taken", 6, 6)
    assert stored_keys(home) == {f"{p.removeprefix('uuid:')}/lots[{n}]" for p in first for n in (1, 2)}
    asked = [r for r in odk_central.requests if r.path.endswith(".svc/Submissions.livraison.lots")]
    assert asked and "$filter" not in asked[0].query, "the first pull asks for every row"
    odk_central.add({"livraison": {"lots": rows[6:7]}}, "2026-03-03T09:00:00.000Z")
    later = run(home, odk_source(odk_central))
    assert (later.records, later.rows_accepted) == (1, 1), "only the new submission's row"
    condition = [r for r in odk_central.requests if r.path.endswith("lots")][-1].query["$filter"]
    assert condition.startswith("$root/Submissions/__system/submissionDate ge 2026-03-02T09:04:00.000Z or ")
    assert len(read_tables(home[0].store_dir)["deliveries"]) == 7


def test_kobo_repeat_rows_come_from_the_nested_arrays(home, sample, kobo):  # noqa: F811
    with_references(home, sample)
    officer_form(home, "lots.yaml", MAPPING)
    rows = text(sample, "deliveries").head(5).to_dict("records")
    nested = [[{f"livraison/lots/{k}": v for k, v in row.items()} for row in part] for part in (rows[:3], rows[3:])]
    numbers = [kobo.add({"visite/coach": "c1", "livraison/lots": items}, f"2026-03-02T09:0{i}:00")
               for i, items in enumerate(nested)]  # fmt: skip
    taken = run(home, kobo_source(kobo))
    assert (taken.status, taken.records, taken.rows_accepted) == ("taken", 5, 5)
    roots = [next(r["_uuid"] for r in kobo.submissions if r["_id"] == n) for n in numbers]
    assert stored_keys(home) == {f"{roots[0]}/lots[{n}]" for n in (1, 2, 3)} | {f"{roots[1]}/lots[{n}]" for n in (1, 2)}
    assert run(home, kobo_source(kobo)).status == "nothing_new"


def test_a_repeat_without_a_mapping_is_refused_before_anything_is_asked(home, odk_central):  # noqa: F811
    with pytest.raises(SourceError, match="no form mapping says `repeat: lots` for deliveries"):
        run(home, odk_source(odk_central))
    assert odk_central.requests == []
    with pytest.raises(SourceError, match="repeat group's path"):
        parse_source("x", {"platform": "kobo", "url": "https://kf.example", "form": "a", "table": "deliveries",
                           "token_env": "T", "repeat": "lots[1]"})  # fmt: skip
