"""Migrations 0002 (the intake tables) and 0004 (the submissions' unused columns) give exactly the intake tables
the models declare, and undo them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from warehouse.db import upgrade
from warehouse.models import Base

INTAKE = {"submissions", "quarantined_rows"}


def test_the_migrations_match_the_intake_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in diffs if INTAKE & {x if isinstance(x, str) else getattr(x, "name", None) for x in _objects(d)}]
    assert mine == [], mine
    assert set(inspect(engine).get_table_names()) >= INTAKE


def test_migration_0002_downgrades_to_0001(tmp_path):
    from alembic import command

    from warehouse.db import alembic_config

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url, "0002")
    command.downgrade(alembic_config(url), "0001")
    assert not INTAKE & set(inspect(create_engine(url)).get_table_names())


def test_migration_0004_adds_the_unused_columns_and_downgrades_to_0003(tmp_path):
    from alembic import command

    from warehouse.db import alembic_config

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url, "0004_unused_columns")
    assert "unused_columns" in {c["name"] for c in inspect(create_engine(url)).get_columns("submissions")}
    command.downgrade(alembic_config(url), "0003")
    assert "unused_columns" not in {c["name"] for c in inspect(create_engine(url)).get_columns("submissions")}


def _objects(diff) -> list:
    """The schema objects a diff entry talks about (tables, indexes, columns' tables)."""
    items = diff if isinstance(diff, list) else [diff]
    found = []
    for item in items:
        for part in item[1:] if isinstance(item, tuple) else []:
            found.append(getattr(part, "table", part))
    return found


def test_migration_0007_marks_crash_leftovers_builds_the_claim_and_downgrades_to_0006(tmp_path):
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from warehouse.db import alembic_config

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url, "0006_store_versions")
    engine = create_engine(url)
    with engine.begin() as connection:  # two killed submissions of the same bytes, left `received`
        for sid, hour in (("old", 8), ("new", 9)):
            connection.execute(
                text("insert into submissions (submission_id, file_name, file_path, file_hash, file_size, table_hint,"
                     " rows_read, rows_accepted, rows_quarantined, rows_warned, status, received_at)"
                     " values (:sid, 'f.csv', 'f.csv', 'h', 1, '', 0, 0, 0, 0, 'received', :at)"),
                {"sid": sid, "at": datetime(2026, 12, 1, hour, tzinfo=UTC)},
            )  # fmt: skip
    upgrade(url, "0007_intake_claim")
    with engine.connect() as connection:
        rows = dict(connection.execute(text("select submission_id, status from submissions")).all())
    assert rows == {"old": "interrupted", "new": "received"}, "the newer one keeps the claim"
    assert "ux_submissions_claim" in {i["name"] for i in inspect(engine).get_indexes("submissions")}
    command.downgrade(alembic_config(url), "0006_store_versions")
    columns = {c["name"] for c in inspect(create_engine(url)).get_columns("submissions")}
    assert "claimed_by" not in columns
    assert "ux_submissions_claim" not in {i["name"] for i in inspect(create_engine(url)).get_indexes("submissions")}
