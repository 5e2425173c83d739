"""The review stores the same rows on SQLite and PostgreSQL; concurrent reviews on PostgreSQL add no duplicates."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from flows.settings import load_settings
from warehouse import store
from warehouse.db import get_engine, upgrade
from warehouse.models import Alert, AxisScore, Cluster, IndicatorValue, OverallScore

from .conftest import _postgres_database

SEASON = "2025"
KEYS = {
    IndicatorValue: ["cluster_id", "campaign", "indicator_id"],
    AxisScore: ["cluster_id", "campaign", "axis"],
    OverallScore: ["cluster_id", "campaign"],
    Alert: ["rule", "cluster_id", "campaign", "subject"],
}
VOLATILE = {"id", "run_id", "raised_at"}


@pytest.fixture(scope="module")
def sample_review(tmp_path_factory: pytest.TempPathFactory):
    """The validated tables of a small generated sample and their review (computed once, pure code)."""
    from flows.season import compute_review, read_tables, validate_tables
    from synthetic import generate

    out: Path = tmp_path_factory.mktemp("parity-sample")
    generate(out, clusters=4, campaigns=3, seed=11, deliveries_per_cluster_campaign=120)
    tables, _ = validate_tables.fn(read_tables.fn(str(out)))
    return tables, compute_review.fn(tables, SEASON, None, load_settings())


@pytest.fixture
def postgres_url():
    generator = _postgres_database()
    url = next(generator)
    upgrade(url)
    yield url
    generator.close()


def store_review(url: str, tables: dict, review, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """Run the season flow's storing step (start the run, then store_review) against `url`."""
    from flows.season import store_review as store_task

    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    run_id = str(uuid.uuid4())
    store.start_run(get_engine(url), run_id, "season", SEASON)
    return store_task.fn(load_settings(), run_id, review, tables["clusters"], tables.get("actors"))


def stored(url: str) -> dict[str, pd.DataFrame]:
    """Every result table, without surrogate ids or run ids, sorted on its natural key."""
    engine = get_engine(url)
    frames = {}
    for model, key in KEYS.items():
        frame = store.read_table(engine, model)
        frame = frame.drop(columns=[c for c in frame if c in VOLATILE]).sort_values(key).reset_index(drop=True)
        frames[model.__tablename__] = frame.astype(object).where(frame.notna(), None)
    return frames


def test_sqlite_and_postgresql_store_identical_results(vigie_home, sample_review, postgres_url, monkeypatch):
    tables, review = sample_review
    sqlite_url = f"sqlite:///{vigie_home / 'parity.db'}"
    new_on_sqlite = store_review(sqlite_url, tables, review, monkeypatch)
    new_on_postgres = store_review(postgres_url, tables, review, monkeypatch)

    on_sqlite, on_postgres = stored(sqlite_url), stored(postgres_url)
    assert len(on_sqlite["indicator_values"]) == 24 * len(review.overall) > 0
    assert len(on_sqlite["alerts"]) == len(review.alerts) == len(new_on_sqlite) == len(new_on_postgres)
    for name, frame in on_sqlite.items():
        pd.testing.assert_frame_equal(frame, on_postgres[name], check_exact=False, rtol=1e-12, obj=name)


def test_concurrent_reviews_on_postgresql_leave_no_duplicates(vigie_home, sample_review, postgres_url, monkeypatch):
    tables, review = sample_review
    monkeypatch.setenv("VIGIE_DATABASE_URL", postgres_url)
    engine = get_engine(postgres_url)
    rounds, writers = 3, 4
    barrier = threading.Barrier(writers)
    raised: list[pd.DataFrame] = []
    errors: list[BaseException] = []

    def review_once() -> None:
        from flows.season import store_review as store_task

        run_id = str(uuid.uuid4())
        store.start_run(engine, run_id, "season", SEASON)
        barrier.wait()
        try:
            raised.append(store_task.fn(load_settings(), run_id, review, tables["clusters"], tables.get("actors")))
        except BaseException as error:  # collected: a thread's failure must fail the test
            errors.append(error)

    for _ in range(rounds):
        threads = [threading.Thread(target=review_once) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert not errors, errors
    with engine.connect() as connection:
        for model, key in [(Cluster, ["cluster_id"]), *KEYS.items()]:
            total = connection.execute(select(func.count()).select_from(model)).scalar_one()
            distinct = connection.execute(select(*(model.__table__.c[k] for k in key)).distinct()).all()
            assert total == len(distinct), f"{model.__tablename__}: duplicate rows"
    assert len(store.read_table(engine, IndicatorValue)) == len(review.indicators)
    assert len(store.read_table(engine, OverallScore)) == len(review.overall)
    every_new_alert = pd.concat(raised, ignore_index=True)
    assert len(raised) == rounds * writers
    assert len(every_new_alert) == len(review.alerts), "each alert must be raised exactly once across all reviews"
