"""Campaign names and calendars: a campaign is `2025` or `2024-2025`, its dates come from the cluster."""

from __future__ import annotations

import re
from datetime import date

_CAMPAIGN = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def parse_campaign(campaign: str) -> tuple[int, int]:
    """First and last calendar year of a campaign name; `2024-2025` must span consecutive years."""
    match = _CAMPAIGN.match(str(campaign).strip())
    if not match:
        raise ValueError(f"campaign {campaign!r} is not of the form 2025 or 2024-2025")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last not in (first, first + 1):
        raise ValueError(f"campaign {campaign!r} must span one year or two consecutive years")
    return first, last


def campaign_name(start_year: int, start_md: str, end_md: str) -> str:
    """Name of the campaign that starts in `start_year` under a calendar (`10-01` to `06-30` spans two years)."""
    return f"{start_year}-{start_year + 1}" if _md(end_md) < _md(start_md) else str(start_year)


def campaign_window(campaign: str, start_md: str, end_md: str) -> tuple[date, date]:
    """First and last day of `campaign` for a cluster whose calendar runs from `start_md` to `end_md`."""
    first, last = parse_campaign(campaign)
    spans = _md(end_md) < _md(start_md)
    if spans and last == first:
        last = first + 1
    if not spans and last != first:
        raise ValueError(f"campaign {campaign!r} spans two years but the calendar {start_md}..{end_md} does not")
    start_month, start_day = _md(start_md)
    end_month, end_day = _md(end_md)
    return date(first, start_month, start_day), date(last, end_month, end_day)


def previous_campaign(campaign: str) -> str:
    """The campaign one year before (`2024-2025` -> `2023-2024`, `2025` -> `2024`)."""
    first, last = parse_campaign(campaign)
    return f"{first - 1}-{last - 1}" if last != first else str(first - 1)


def _md(month_day: str) -> tuple[int, int]:
    month, day = (int(part) for part in str(month_day).split("-"))
    return month, day


def season_year(campaign: str) -> int:
    """The year a campaign ends in (`2024-2025` -> 2025): campaigns of different calendars meet on it."""
    return parse_campaign(campaign)[1]


def campaign_ending_in(year: int, start_md: str, end_md: str) -> str:
    """The name of the campaign, under this calendar, that ends in `year`."""
    return f"{year - 1}-{year}" if _md(end_md) < _md(start_md) else str(year)
