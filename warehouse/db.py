"""Engines and migrations: one engine per database URL, migrated to the latest schema on first use of SQLite."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseNotReady(RuntimeError):
    """The database exists but its schema is behind the code; `vigie db upgrade` brings it up to date."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for `url`, without any ini file on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (creating the SQLite file and its folder if needed)."""
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The latest schema revision the code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@cache
def get_engine(url: str) -> Engine:
    """The engine for `url`, its schema at the latest revision (SQLite is migrated automatically)."""
    is_sqlite = make_url(url).get_backend_name() == "sqlite"
    _ensure_sqlite_dir(url)
    engine = create_engine(url, future=True, pool_pre_ping=not is_sqlite)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if not is_sqlite:
        if current_revision(engine) != head_revision():
            raise DatabaseNotReady(f"database {engine.url!r} is not at the latest schema: run `vigie db upgrade`")
        return engine
    # Two flows starting on a fresh file must not both migrate it, nor both switch it to WAL: SQLite may answer
    # "database is locked" at once, without waiting, to a second connection changing the journal mode.
    with _migration_lock(url):
        if current_revision(engine) != head_revision():
            upgrade(url)
    return engine


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """An exclusive lock file beside the SQLite database, held while it is migrated."""
    database = make_url(url).database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first, so that the next statements wait for a busy file too
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
