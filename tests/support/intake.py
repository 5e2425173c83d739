"""Intake as the unit tests run it: a fresh home's settings and warehouse, and one file taken in without Prefect
and without Great Expectations, its counts checked to balance."""

from __future__ import annotations

from datetime import date

from flows.intake_run import Submitted, ingest_file
from flows.settings import load_settings
from warehouse.db import get_engine

TODAY = date(2026, 11, 22)


def open_home() -> tuple:
    """The settings of the current VIGIE_HOME and its warehouse engine."""
    settings = load_settings()
    return settings, get_engine(settings.database_url)


def ingest(home: tuple, path, table: str | None = None) -> Submitted:
    """Take in one file; every row read is accepted or quarantined."""
    settings, engine = home
    summary = ingest_file(path, table, settings, engine, today=TODAY, expectations=False)
    assert summary.rows_read == summary.rows_accepted + summary.rows_quarantined
    return summary
