"""The warehouse keeps results keyed: a rerun replaces, an alert is raised once, a message is queued once."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from warehouse import outbox, store
from warehouse.db import current_revision, get_engine, head_revision
from warehouse.models import Alert, AxisScore, IndicatorValue, OutboxMessage, OverallScore, Run

CLUSTERS = pd.DataFrame(
    [
        {
            "cluster_id": "CL-1",
            "name": "Riz de Glazoué",
            "value_chain": "riz",
            "product": "paddy",
            "department": "Collines",
            "commune": "Glazoué",
            "aggregator_name": "Rizerie",
            "committee_emails": "c@x.bj",
            "officer_emails": None,
            "language": "fr",
            "campaign_start_md": "10-01",
            "campaign_end_md": "06-30",
            "timezone": "Africa/Porto-Novo",
        }
    ]
)


def indicator_frame(score: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cluster_id": "CL-1",
                "campaign": "2024-2025",
                "indicator_id": f"1.{i}",
                "axis": 1,
                "value": 0.5 * i,
                "unit": "share",
                "n_rows": 10,
                "score": pd.NA if i == 4 else score,
                "previous_score": pd.NA,
                "status": "insufficient_data" if i == 4 else "computed",
                "band_low": 0.25,
                "band_high": 0.5,
                "reason": "no_events" if i == 4 else pd.NA,
            }
            for i in range(1, 5)
        ]
    ).astype({"score": "Int64", "previous_score": "Int64"})


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_fresh_database_is_migrated_on_first_use(database_url):
    engine = get_engine(database_url)
    assert current_revision(engine) == head_revision()


def test_a_rerun_replaces_results_instead_of_adding_rows(database_url):
    engine = get_engine(database_url)
    store.save_registry(engine, CLUSTERS)
    axes = pd.DataFrame(
        [{"cluster_id": "CL-1", "campaign": "2024-2025", "axis": 1, "score": 2.0, "coverage": 0.75, "n_scored": 3}]
    )
    overall = pd.DataFrame(
        [{"cluster_id": "CL-1", "campaign": "2024-2025", "score": 2.0, "level": "fragile", "coverage": 0.75}]
    )
    for run_id, score in (("run-1", 2), ("run-2", 3)):
        store.start_run(engine, run_id, "season", "2024-2025")
        store.save_scores(engine, run_id, "hash", indicator_frame(score), axes, overall)
        store.finish_run(engine, run_id, clusters_count=1)
    assert count(engine, IndicatorValue) == 4
    assert count(engine, AxisScore) == 1 and count(engine, OverallScore) == 1
    assert count(engine, Run) == 2
    stored = store.read_table(engine, IndicatorValue).sort_values("indicator_id")
    assert stored["score"].tolist()[:3] == [3, 3, 3], "the second run's scores replaced the first"
    assert pd.isna(stored["score"].tolist()[3]), "insufficient data is stored as no score, never as 0 or 1"
    assert set(stored["run_id"]) == {"run-2"}


def test_an_alert_is_raised_once(database_url):
    engine = get_engine(database_url)
    alerts = pd.DataFrame(
        [
            {
                "rule": "critical_indicator",
                "cluster_id": "CL-1",
                "campaign": "2024-2025",
                "subject": s,
                "severity": "high",
                "value": 1.0,
                "previous": None,
            }
            for s in ("1.1", "2.3")
        ]
    )
    assert len(store.save_alerts(engine, None, alerts)) == 2
    assert store.save_alerts(engine, None, alerts).empty
    more = pd.concat([alerts, alerts.head(1).assign(subject="5.4")])
    assert store.save_alerts(engine, None, more)["subject"].tolist() == ["5.4"]
    assert count(engine, Alert) == 3


@pytest.mark.parametrize("rerun_after", ["queued", "sent"])
def test_a_message_is_queued_once(database_url, rerun_after):
    engine = get_engine(database_url)
    key = {"kind": "committee_dashboard", "scope": "CL-1", "campaign": "2024-2025", "recipient": "c@x.bj"}
    assert outbox.queue_message(engine, subject="v1", mime=b"one", **key) is True
    if rerun_after == "sent":
        outbox.mark_sent(engine, outbox.pending(engine)[0].id, "file.eml")
    assert outbox.queue_message(engine, subject="v2", mime=b"two", **key) is False
    assert count(engine, OutboxMessage) == 1
    stored = store.read_table(engine, OutboxMessage).iloc[0]
    if rerun_after == "queued":
        assert stored["mime"] == b"two" and stored["status"] == "queued", "unsent content follows the latest run"
    else:
        assert stored["mime"] == b"one" and stored["status"] == "sent", "a sent message is never reset"
        assert outbox.pending(engine) == []


def test_a_message_that_could_not_be_built_waits_failed_until_a_later_build_succeeds(database_url):
    engine = get_engine(database_url)
    key = {"kind": "committee_dashboard", "scope": "CL-1", "campaign": "2024-2025", "recipient": "c@x.bj"}
    assert outbox.queue_message(engine, subject="v1", mime=b"one", error="message not built: ValueError", **key)
    stored = store.read_table(engine, OutboxMessage).iloc[0]
    assert (stored["status"], stored["mime"], stored["last_error"]) == ("failed", b"", "message not built: ValueError")
    outbox.mark_failed(engine, int(stored["id"]), stored["last_error"], give_up=True)
    assert outbox.queue_message(engine, subject="v2", mime=b"two", **key) is False
    stored = store.read_table(engine, OutboxMessage).iloc[0]
    assert (stored["status"], stored["mime"], stored["attempts"]) == ("queued", b"two", 0), "the fixed data goes out"
    assert pd.isna(stored["last_error"])


def test_two_processes_starting_on_a_fresh_sqlite_file_migrate_it_once(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code = (
        "import sys; from warehouse.db import get_engine, current_revision; "
        "print(current_revision(get_engine(sys.argv[1])))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {head_revision()}
