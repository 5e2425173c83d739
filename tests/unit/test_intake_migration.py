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
