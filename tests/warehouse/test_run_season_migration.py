"""Migration 0008, on SQLite and on PostgreSQL: runs.campaign becomes runs.season with every row kept (and its
index renamed), the score tables keep each cluster's `campaign`, and the downgrade gives the column back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from warehouse.db import alembic_config, upgrade

RUNS = [("run-a", "season", "2025", "completed"), ("run-b", "monitor", "2025-03-01", "completed"),
        ("run-c", "intake", None, "failed")]  # fmt: skip


def _columns(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _indexes(engine, table: str) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes(table)}


def test_migration_0008_renames_runs_campaign_to_season_keeping_the_rows(blank_database_url):
    url = blank_database_url
    upgrade(url, "0007_intake_claim")
    engine = create_engine(url)
    with engine.begin() as connection:
        for run_id, kind, label, status in RUNS:
            connection.execute(
                text("insert into runs (run_id, kind, campaign, status, started_at)"
                     " values (:id, :kind, :label, :status, CURRENT_TIMESTAMP)"),
                {"id": run_id, "kind": kind, "label": label, "status": status},
            )  # fmt: skip
        connection.execute(
            text("insert into clusters (cluster_id, name, value_chain, product, department, commune, aggregator_name,"
                 " committee_emails, language, campaign_start_md, campaign_end_md, timezone, updated_at)"
                 " values ('CL-RIZ', 'Riz', 'riz', 'paddy', 'Zou', 'Bohicon', 'A', 'c@x.bj', 'fr', '07-01', '06-30',"
                 " 'Africa/Porto-Novo', CURRENT_TIMESTAMP)")
        )  # fmt: skip
        connection.execute(  # a score row pointing at a run: the rename must not break or drop it
            text("insert into overall_scores (cluster_id, campaign, run_id, score, level, coverage, grid_hash)"
                 " values ('CL-RIZ', '2024-2025', 'run-a', 2.5, 'fragile', 1.0, 'g')")
        )  # fmt: skip
    engine.dispose()

    upgrade(url, "0008_run_season")
    engine = create_engine(url)
    assert "season" in _columns(engine, "runs") and "campaign" not in _columns(engine, "runs")
    assert "ix_runs_season" in _indexes(engine, "runs") and "ix_runs_campaign" not in _indexes(engine, "runs")
    assert "campaign" in _columns(engine, "overall_scores"), "a cluster's own campaign keeps its name"
    with engine.connect() as connection:
        rows = connection.execute(text("select run_id, kind, season, status from runs order by run_id")).all()
        own = connection.execute(text("select campaign from overall_scores")).scalar_one()
    assert [tuple(r) for r in rows] == RUNS
    assert own == "2024-2025"
    engine.dispose()

    command.downgrade(alembic_config(url), "0007_intake_claim")
    engine = create_engine(url)
    assert "campaign" in _columns(engine, "runs") and "season" not in _columns(engine, "runs")
    assert "ix_runs_campaign" in _indexes(engine, "runs")
    with engine.connect() as connection:
        labels = connection.execute(text("select run_id, campaign from runs order by run_id")).all()
    assert [tuple(r) for r in labels] == [(r[0], r[2]) for r in RUNS]
    engine.dispose()
