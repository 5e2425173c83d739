"""The season flow end to end on a generated sample: SQLite warehouse, file outbox, real Prefect harness."""

from __future__ import annotations

import email
from email import policy

import pandas as pd
from sqlalchemy import func, select

from flows.season import season_review
from flows.settings import load_settings
from warehouse.db import get_engine
from warehouse.models import Alert, AxisScore, Cluster, IndicatorValue, OutboxMessage, OverallScore, Run


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Cluster, IndicatorValue, AxisScore, OverallScore, Alert, OutboxMessage)
        }


def test_review_stores_scores_and_writes_one_email_per_committee_address(vigie_home, small_sample):
    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    result = season_review(data_dir=str(small_sample))

    settings = load_settings()
    engine = get_engine(settings.database_url)
    stored = counts(engine)
    n_clusters = len(clusters)
    assert stored["clusters"] == n_clusters
    assert stored["indicator_values"] == 24 * n_clusters
    assert stored["axis_scores"] == 6 * n_clusters
    assert stored["overall_scores"] == n_clusters
    assert result["rows"]["read"] == result["rows"]["accepted"] + result["rows"]["rejected"]
    assert result["rows"]["accepted"] > 0

    addresses = {(row.cluster_id, a.strip()) for row in clusters.itertuples() for a in row.committee_emails.split(";")}
    emls = sorted(settings.outbox_dir.glob("committee_dashboard_*.eml"))  # alerts and the officers' view go too
    assert len(emls) == len(addresses)
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        cluster_id = next(c for c, a in addresses if a == message["To"])
        own_name = clusters.set_index("cluster_id").loc[cluster_id, "name"]
        html = message.get_body(("html",)).get_content()
        assert own_name in html or own_name.replace("'", "&#39;") in html
        for other in clusters.itertuples():
            if other.cluster_id != cluster_id:
                assert other.cluster_id not in html, "a dashboard must never show another cluster"
        assert message.get_body(("plain",)) is not None

    with engine.connect() as connection:
        run = connection.execute(select(Run).where(Run.run_id == result["run_id"])).one()
        assert run.status == "completed" and run.grid_hash and run.input_fingerprint


def test_running_the_same_review_again_changes_nothing(vigie_home, demo_sample):
    first = season_review(data_dir=str(demo_sample), deliver=True)
    engine = get_engine(load_settings().database_url)
    before = counts(engine)
    scores_before = pd.read_sql(
        select(IndicatorValue.cluster_id, IndicatorValue.indicator_id, IndicatorValue.score, IndicatorValue.value),
        engine,
    ).sort_values(["cluster_id", "indicator_id"])
    second = season_review(data_dir=str(demo_sample), deliver=True)
    assert counts(engine) == before
    assert second["new_alerts"] == 0 and second["queued"] == 0
    assert second["delivered"]["sent"] == 0
    scores_after = pd.read_sql(
        select(IndicatorValue.cluster_id, IndicatorValue.indicator_id, IndicatorValue.score, IndicatorValue.value),
        engine,
    ).sort_values(["cluster_id", "indicator_id"])
    pd.testing.assert_frame_equal(scores_before.reset_index(drop=True), scores_after.reset_index(drop=True))
    assert first["season"] == second["season"]
    statuses = pd.read_sql(select(IndicatorValue.cluster_id, IndicatorValue.status, IndicatorValue.reason), engine)
    assert len(statuses) == 6 * 24
    unexplained = statuses[(statuses["status"] == "insufficient_data") & statuses["reason"].isna()]
    assert unexplained.empty, "every indicator is scored, or says why its data is insufficient"
    assert len(list(load_settings().outbox_dir.glob("*.eml"))) == before["outbox"]
