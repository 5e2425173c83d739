"""Write and read the warehouse: the registry, runs, review results and alerts, all keyed, all idempotent."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select, update

from warehouse.models import (
    Actor,
    Alert,
    AxisScore,
    Cluster,
    IndicatorValue,
    OverallScore,
    Run,
    utcnow,
)
from warehouse.upsert import insert_new, upsert


def records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """Plain Python rows (None for missing, native numbers and dates) from the given columns of `frame`."""
    columns = list(columns)
    return [
        {name: _plain(value) for name, value in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


def save_registry(engine: Engine, clusters: pd.DataFrame, actors: pd.DataFrame | None = None) -> None:
    """Insert or refresh the clusters (and their actors) from validated reference tables."""
    cluster_columns = [c.name for c in Cluster.__table__.columns if c.name != "updated_at"]
    rows = records(clusters, cluster_columns)
    for row in rows:
        row["updated_at"] = utcnow()
    with engine.begin() as connection:
        upsert(connection, Cluster.__table__, rows, ["cluster_id"])
        if actors is not None and len(actors):
            known = set(clusters["cluster_id"])
            actor_columns = [c.name for c in Actor.__table__.columns]
            upsert(
                connection,
                Actor.__table__,
                records(actors[actors["cluster_id"].isin(known)], actor_columns),
                ["actor_id"],
            )


def start_run(engine: Engine, run_id: str, kind: str, season: str | None, **details: Any) -> str:
    """Record that a run began, with what it is about (`season`: see Run.season); a rerun with the same id starts
    it afresh."""
    row = {
        "run_id": run_id,
        "kind": kind,
        "season": season,
        "status": "running",
        "started_at": utcnow(),
        "finished_at": None,
        "error": None,
        **details,
    }
    with engine.begin() as connection:
        upsert(connection, Run.__table__, [row], ["run_id"])
    return run_id


def finish_run(engine: Engine, run_id: str, status: str = "completed", **details: Any) -> None:
    """Record how a run ended, with any figures it produced."""
    with engine.begin() as connection:
        connection.execute(
            update(Run).where(Run.run_id == run_id).values(status=status, finished_at=utcnow(), **details)
        )


def save_scores(
    engine: Engine, run_id: str, grid_hash: str, indicators: pd.DataFrame, axes: pd.DataFrame, overall: pd.DataFrame
) -> None:
    """Store a review's results keyed by cluster and campaign: a rerun replaces them, never adds rows."""
    columns = [c.name for c in IndicatorValue.__table__.columns if c.name not in ("id", "run_id", "grid_hash")]
    indicator_rows = records(indicators.reindex(columns=columns), columns)  # a column the frame lacks is stored empty
    axis_rows = records(axes, ["cluster_id", "campaign", "axis", "score", "coverage", "n_scored"])
    overall_rows = records(overall, ["cluster_id", "campaign", "score", "level", "coverage"])
    for row in indicator_rows + overall_rows:
        row.update(run_id=run_id, grid_hash=grid_hash)
    for row in axis_rows:
        row["run_id"] = run_id
    with engine.begin() as connection:
        upsert(connection, IndicatorValue.__table__, indicator_rows, ["cluster_id", "campaign", "indicator_id"])
        upsert(connection, AxisScore.__table__, axis_rows, ["cluster_id", "campaign", "axis"])
        upsert(connection, OverallScore.__table__, overall_rows, ["cluster_id", "campaign"])


ALERT_KEY = ("rule", "cluster_id", "campaign", "subject")


def save_alerts(engine: Engine, run_id: str | None, alerts: pd.DataFrame) -> pd.DataFrame:
    """Store alerts under their natural key; return only those raised for the first time."""
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=[*ALERT_KEY, "severity", "value", "previous"])
    rows = records(alerts, [*ALERT_KEY, "severity", "value", "previous"])
    for row in rows:
        row.update(run_id=run_id, raised_at=utcnow())
    with engine.begin() as connection:
        inserted = set(insert_new(connection, Alert.__table__, rows, ALERT_KEY))
    is_new = [tuple(row[k] for k in ALERT_KEY) in inserted for row in rows]
    return alerts[is_new].reset_index(drop=True)


def read_table(engine: Engine, model: type, **where: Any) -> pd.DataFrame:
    """Every row of a warehouse table (optionally filtered on equal columns) as a frame."""
    statement = select(model.__table__)
    for name, value in where.items():
        statement = statement.where(model.__table__.c[name] == value)
    with engine.connect() as connection:
        return pd.DataFrame(
            connection.execute(statement).mappings().all(), columns=[c.name for c in model.__table__.columns]
        )


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, date, datetime)):
        return value.item()
    return value
