"""The in-season monitor flow: contract slippage and progress of every running campaign, alerts raised once."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.adapters import engine_for
from flows.calendars import load_calendars
from flows.events import announce_alerts, request_delivery
from flows.intake import read_store
from flows.season import read_tables, validate_tables
from flows.settings import FLOW_TIMEOUT_S, TASK_TIMEOUT_S, Settings, load_settings
from flows.ui import monitor_run_name
from indicators.inseason import contract_progress, load_inseason_rules, slippage_alerts
from warehouse import store


def monitoring_day(as_of: str | None) -> date:
    """`as_of` (ISO date), or today in the calendars' timezone."""
    return date.fromisoformat(as_of) if as_of else datetime.now(ZoneInfo(load_calendars().timezone)).date()


@task(cache_policy=NO_CACHE)
def compute_progress(tables: dict[str, pd.DataFrame], day: date) -> pd.DataFrame:
    """Each running campaign's progress and contract slippage on `day` (pure pandas)."""
    return contract_progress(tables["clusters"], tables.get("contracts"), tables.get("deliveries"), day)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def store_alerts(settings: Settings, run_id: str, alerts: pd.DataFrame) -> pd.DataFrame:
    """Store alerts under their natural key; return those raised for the first time."""
    return store.save_alerts(engine_for(settings), run_id, alerts)


@flow(name="in-season-monitor", flow_run_name=monitor_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def in_season_monitor(as_of: str | None = None, data_dir: str | None = None) -> dict:
    """Progress of every running campaign on a day; raise contract_slippage alerts once.

    Args:
        as_of: The day to measure progress on, e.g. 2025-03-01 (leave empty: today).
        data_dir: A folder of CSV tables to read instead of what intake has stored (leave empty: the stored data).
    """
    logger = get_run_logger()
    day = monitoring_day(as_of)
    settings = load_settings()
    engine = engine_for(settings)
    run_id = str(flow_run.id or uuid.uuid4())
    tables = read_store(settings)[0] if data_dir is None else validate_tables(read_tables(data_dir))[0]  # the store
    store.start_run(engine, run_id, "monitor", day.isoformat(), flow_run_id=str(flow_run.id) if flow_run.id else None)
    progress = compute_progress(tables, day)
    new_alerts = store_alerts(settings, run_id, slippage_alerts(progress, load_inseason_rules()))
    store.finish_run(engine, run_id, clusters_count=len(progress))
    announce_alerts(run_id, new_alerts)
    if len(new_alerts):  # their emails are queued by deliver-outbox, asked once for the run
        request_delivery("in-season-monitor", run_id, 0, len(new_alerts))
    if flow_run.id:
        create_table_artifact(
            key="in-season-progress",
            table=progress.astype(str).to_dict("records"),
            description=f"In-season progress on {day.isoformat()}",
        )
    logger.info("in season on %s: %d campaigns running, %d new slippage alerts", day, len(progress), len(new_alerts))
    return {"run_id": run_id, "as_of": day.isoformat(), "progress": progress, "new_alerts": int(len(new_alerts))}
