"""The scheduled end-of-season review of one value chain: the season its calendar just closed, its clusters only."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from flows.calendars import load_calendars, season_ended_by
from flows.intake import read_store
from flows.season import season_review
from flows.settings import FLOW_TIMEOUT_S, load_settings
from schemas.reading import read_csv_dir


@flow(name="season-review-calendar", flow_run_name="season-calendar-{value_chain}", timeout_seconds=FLOW_TIMEOUT_S)
def calendar_review(
    value_chain: str,
    data_dir: str | None = None,
    season: str | None = None,
    as_of: str | None = None,
    deliver: bool = True,
) -> dict | None:
    """Review the season a value chain's calendar has just closed, for that value chain's clusters.

    Args:
        value_chain: The value chain whose clusters are reviewed, as in calendars.yaml (e.g. ananas).
        data_dir: A folder of CSV tables to review instead of what intake has stored (leave empty: the stored data).
        season: The season to review, e.g. 2025 (leave empty: the one the calendar closed last).
        as_of: The day the calendar is read on, e.g. 2025-08-15 (leave empty: today).
        deliver: Send the queued emails at the end of the review.
    """
    logger = get_run_logger()
    calendars = load_calendars()
    if value_chain not in calendars.chains:
        raise ValueError(f"value chain {value_chain!r} has no calendar in calendars.yaml")
    today = date.fromisoformat(as_of) if as_of else datetime.now(ZoneInfo(calendars.timezone)).date()
    season = season or season_ended_by(calendars.chains[value_chain], today)
    source = read_store(load_settings())[0] if data_dir is None else read_csv_dir(data_dir, tables=["clusters"])
    clusters = source.get("clusters")
    ids = [] if clusters is None else sorted(clusters.loc[clusters["value_chain"] == value_chain, "cluster_id"])
    if not ids:
        logger.warning("no %s cluster in %s: nothing to review", value_chain, data_dir or "the store")
        return None
    logger.info("season %s of %s: reviewing %d clusters", season, value_chain, len(ids))
    return season_review(data_dir=data_dir, season=season, clusters=ids, deliver=deliver)
