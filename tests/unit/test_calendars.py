"""Campaign calendars: the packaged file loads, malformed files are refused, schedules follow from it."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from flows.calendars import (
    DEFAULT_CALENDARS,
    CalendarError,
    ascii_slug,
    cron_at,
    expected_schedules,
    load_calendars,
    season_ended_by,
)


def test_packaged_calendars_load():
    calendars = load_calendars()
    assert calendars.timezone == "Africa/Porto-Novo"
    assert {"riz", "anacarde", "maïs"} <= set(calendars.chains)
    assert calendars.deadlines().columns.tolist() == ["value_chain", "data_deadline_md"]


def test_cron_of_a_review_date():
    assert cron_at("06:30", 15, 8) == "30 6 15 8 *"
    assert cron_at("07:00", 1) == "0 7 1 * *"
    riz = next(s for s in expected_schedules(load_calendars())["season-review-calendar"] if s["slug"] == "review-riz")
    assert riz["parameters"] == {"value_chain": "riz"} and riz["timezone"] == "Africa/Porto-Novo"
    assert ascii_slug("maïs") == "mais"


def test_season_closed_by_a_date_follows_the_calendar():
    riz = load_calendars().chains["riz"]  # campaigns end on 06-30
    assert season_ended_by(riz, date(2026, 8, 15)) == "2026"
    assert season_ended_by(riz, date(2026, 6, 30)) == "2026"
    assert season_ended_by(riz, date(2026, 6, 29)) == "2025"


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda doc: doc["value_chains"]["riz"].update(review_md="02-30"), "riz.review_md"),
        (lambda doc: doc["value_chains"]["riz"].update(review_time="25:00"), "riz.review_time"),
        (lambda doc: doc["value_chains"]["riz"].pop("data_deadline_md"), "riz: expected exactly"),
        (lambda doc: doc.update(timezone="Africa/Nowhere"), "timezone"),
        (lambda doc: doc.update(missing_window_days=0), "missing_window_days"),
        (lambda doc: doc["monitor"].update(day=31), "monitor.day"),
    ],
)
def test_malformed_calendars_are_refused_with_the_entry_named(tmp_path, change, problem):
    doc = yaml.safe_load(DEFAULT_CALENDARS.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "calendars.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CalendarError, match=problem):
        load_calendars(path)
