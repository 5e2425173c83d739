"""Warehouse tier: the same tests on SQLite (a temporary file) and on the PostgreSQL server at 127.0.0.1."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("VIGIE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_database():
    """Create a throwaway database on the local server; yield its URL; drop it afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"vigie_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # pragma: no cover - depends on the machine
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from warehouse.db import get_engine

        get_engine.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A migrated, empty warehouse on each supported database."""
    from warehouse.db import get_engine, upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'warehouse.db'}"
        yield url
        get_engine.cache_clear()
        return
    generator = _postgres_database()
    url = next(generator)
    upgrade(url)
    yield url
    generator.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request, tmp_path):
    """An empty database, not migrated, on each supported database (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
        return
    generator = _postgres_database()
    yield next(generator)
    generator.close()
