"""Campaign calendars per value chain (calendars.yaml), checked, and the Prefect schedules that follow from them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml

DEFAULT_CALENDARS = Path(__file__).resolve().with_name("calendars.yaml")
CHAIN_FIELDS = ("campaign_start_md", "campaign_end_md", "data_deadline_md", "review_md", "review_time")
REVIEW_DEPLOYMENT = "season-review-calendar"
MONITOR_DEPLOYMENT = "in-season-monitor"
DEADLINE_DEPLOYMENT = "submission-deadlines"
PULL_DEPLOYMENT = "pull-sources"
PULL_MINUTE = 5
"""The pulls run hourly at this minute, in the months some value chain's campaign runs."""
FULL_PULL_TIME = "02:35"
"""And KoboToolbox sources are read whole every night in those months, at this time (between two hourly pulls):
Kobo tells neither edits nor deletions, the full read finds both (connectors/taken.py)."""


class CalendarError(ValueError):
    """A calendars file Vigie cannot use; the message names the file, the entry and the problem."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")


@dataclass(frozen=True)
class Calendar:
    """One value chain's campaign calendar: dates as month-day (`10-01`), the review time as `HH:MM`."""

    value_chain: str
    campaign_start_md: str
    campaign_end_md: str
    data_deadline_md: str
    review_md: str
    review_time: str


@dataclass(frozen=True)
class Calendars:
    """Every value chain's calendar, the timezone of the schedules, and the monitoring rhythm."""

    timezone: str
    missing_window_days: int
    monitor_day: int
    monitor_time: str
    deadline_time: str
    chains: dict[str, Calendar]

    def deadlines(self) -> pd.DataFrame:
        """One row per value chain: value_chain, data_deadline_md (for the missing-submission check)."""
        return pd.DataFrame(
            [(c.value_chain, c.data_deadline_md) for c in self.chains.values()],
            columns=["value_chain", "data_deadline_md"],
        ).astype("str")


def load_calendars(path: str | Path | None = None) -> Calendars:
    """The calendars file (default: the packaged calendars.yaml), refused with a clear message if malformed."""
    file = Path(path) if path is not None else DEFAULT_CALENDARS
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarError(str(file), "-", f"cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("value_chains"), dict) or not doc["value_chains"]:
        raise CalendarError(str(file), "value_chains", "expected a mapping of value chains to calendars")
    timezone = str(doc.get("timezone") or "")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(str(file), "timezone", f"{timezone!r} is not a known timezone") from exc
    window = doc.get("missing_window_days")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise CalendarError(str(file), "missing_window_days", "expected a whole number of days, 1 or more")
    monitor, check = doc.get("monitor") or {}, doc.get("deadline_check") or {}
    if not isinstance(monitor.get("day"), int) or not 1 <= monitor["day"] <= 28:
        raise CalendarError(str(file), "monitor.day", "expected a day of the month from 1 to 28")
    chains = {}
    for name, spec in doc["value_chains"].items():
        if not isinstance(spec, dict) or set(spec) != set(CHAIN_FIELDS):
            raise CalendarError(str(file), str(name), f"expected exactly {', '.join(CHAIN_FIELDS)}")
        for key in CHAIN_FIELDS:
            check_value = _hour_minute if key == "review_time" else _month_day
            check_value(str(spec[key]), str(file), f"{name}.{key}")
        chains[str(name)] = Calendar(str(name), *(str(spec[key]) for key in CHAIN_FIELDS))
    return Calendars(
        timezone=timezone,
        missing_window_days=window,
        monitor_day=monitor["day"],
        monitor_time=_hour_minute(str(monitor.get("time", "")), str(file), "monitor.time"),
        deadline_time=_hour_minute(str(check.get("time", "")), str(file), "deadline_check.time"),
        chains=chains,
    )


def cron_at(time: str, day: int | str = "*", month: int | str = "*") -> str:
    """A cron expression firing at `time` (HH:MM) on the given day and month."""
    hour, minute = (int(part) for part in time.split(":"))
    return f"{minute} {hour} {day} {month} *"


def expected_schedules(calendars: Calendars) -> dict[str, list[dict[str, Any]]]:
    """The `schedules` of each scheduled deployment of prefect.yaml, as they follow from the calendars."""
    reviews = []
    for chain in calendars.chains.values():
        month, day = (int(part) for part in chain.review_md.split("-"))
        reviews.append(
            {
                "cron": cron_at(chain.review_time, day, month),
                "timezone": calendars.timezone,
                "slug": f"review-{ascii_slug(chain.value_chain)}",
                "active": True,
                "parameters": {"value_chain": chain.value_chain},
            }
        )
    return {
        REVIEW_DEPLOYMENT: reviews,
        MONITOR_DEPLOYMENT: [
            {
                "cron": cron_at(calendars.monitor_time, calendars.monitor_day),
                "timezone": calendars.timezone,
                "slug": "monthly",
                "active": True,
            }
        ],
        DEADLINE_DEPLOYMENT: [
            {"cron": cron_at(calendars.deadline_time), "timezone": calendars.timezone, "slug": "daily", "active": True}
        ],
        PULL_DEPLOYMENT: [
            {
                "cron": f"{PULL_MINUTE} * * {campaign_months(calendars)} *",
                "timezone": calendars.timezone,
                "slug": "hourly-in-campaign",
                "active": True,
            },
            {
                "cron": cron_at(FULL_PULL_TIME, month=campaign_months(calendars)),
                "timezone": calendars.timezone,
                "slug": "nightly-kobo-full",
                "active": True,
                "parameters": {"full": True, "platform": "kobo"},
            },
        ],
    }


def campaign_months(calendars: Calendars) -> str:
    """The cron months (`*` for all) in which at least one value chain's campaign runs (a campaign may cross the
    new year: October to June)."""
    months: set[int] = set()
    for chain in calendars.chains.values():
        start, end = (int(md.split("-")[0]) for md in (chain.campaign_start_md, chain.campaign_end_md))
        months |= set(range(start, end + 1)) if start <= end else set(range(start, 13)) | set(range(1, end + 1))
    return "*" if len(months) == 12 else ",".join(map(str, sorted(months)))


def season_ended_by(calendar: Calendar, as_of: date) -> str:
    """The season (the year campaigns end) of this value chain's latest campaign ended on or before `as_of`."""
    month, day = (int(part) for part in calendar.campaign_end_md.split("-"))
    return str(as_of.year if (as_of.month, as_of.day) >= (month, day) else as_of.year - 1)


def ascii_slug(text: str) -> str:
    """`maïs` -> `mais`: schedule slugs stay plain ASCII."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "-")


def _month_day(value: str, file: str, entry: str) -> str:
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2001, month, day)  # a year without 29 February: every campaign date must exist every year
    except ValueError as exc:
        raise CalendarError(file, entry, f"{value!r} is not a month-day like 10-01") from exc
    return value


def _hour_minute(value: str, file: str, entry: str) -> str:
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError as exc:
        raise CalendarError(file, entry, f"{value!r} is not a time like 06:30") from exc
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise CalendarError(file, entry, f"{value!r} is not a time like 06:30")
    return value
