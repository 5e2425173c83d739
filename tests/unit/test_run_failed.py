"""Issue 15, "operations an officer can trust": a Vigie run that failed, crashed or timed out gives the officers one
`run_failed` alert and one message of the day, in plain words, without a secret (the pure parts and the warehouse;
tests/integration/test_run_failed_server.py runs it against a real Prefect server)."""

from __future__ import annotations

import email
import importlib
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flows.alert_mail import IN_SEASON_RULES, queue_stored_alerts
from flows.failed_runs import (
    ALERT_FLOW,
    MESSAGE_CHARS,
    RULE,
    STATES,
    VIGIE_FLOWS,
    alert_frame,
    alerted,
    failed_run,
    run_failed_context,
    run_row,
    subject,
)
from flows.run_failed import record_failed_run
from flows.settings import load_settings
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, OutboxMessage, Run

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = "019a4b6e-2f31-7c2e-9d1a-6b0c3e8f4a21"
SECRET_URL = "postgresql+psycopg://vigie:Hunter2Secret@db.example.bj:5432/vigie"
SG_KEY = "SG.abcdefghijklmnop.qrstuvwxyz0123456789"


def event_fields(**changed) -> dict:
    """The fields prefect.yaml's trigger passes from a `prefect.flow-run.Failed` event of an intake run."""
    fields = {
        "flow_run_id": f"prefect.flow-run.{RUN_ID}",
        "name": "intake-livraisons_zou.csv",
        "flow": "intake",
        "state": "Failed",
        "at": "2026-11-03T13:05:09.123456+00:00",
        "message": f"Flow run encountered an exception: OperationalError: cannot connect to {SECRET_URL}",
    }
    return {**fields, **changed}


def test_an_event_becomes_the_facts_of_the_failed_run():
    run = failed_run(**event_fields())
    assert run.flow_run_id == RUN_ID, "the event's resource id names the run"
    assert run.name == "intake-livraisons_zou.csv" and run.flow == "intake" and run.status == "failed"
    assert run.at == datetime(2026, 11, 3, 13, 5, 9, 123456, tzinfo=UTC)
    assert failed_run(**event_fields(state="Crashed")).status == "crashed"
    assert failed_run(**event_fields(state="TimedOut")).status == "timed_out"
    with pytest.raises(ValueError):
        failed_run(**event_fields(flow_run_id="prefect.flow-run.not-a-run"))


def test_the_state_message_is_masked_and_cut_before_anything_is_kept():
    run = failed_run(**event_fields(message=f"boom {SG_KEY}\n  at {SECRET_URL}\n" + "word " * 200))
    assert "Hunter2Secret" not in run.message and SG_KEY not in run.message
    assert "vigie:***@db.example.bj" in run.message, "the URL itself is kept, its password masked"
    assert len(run.message) <= MESSAGE_CHARS and run.message.endswith("…") and "\n" not in run.message
    assert run_row(run)["error"] == run.message


def test_the_alert_is_for_the_officers_and_keyed_by_the_run():
    run = failed_run(**event_fields())
    (alert,) = alert_frame(run).to_dict("records")
    assert (alert["rule"], alert["cluster_id"], alert["campaign"]) == (RULE, "*", "-")
    assert alert["subject"] == f"intake-livraisons_zou.csv ({RUN_ID[-12:]})"
    again = failed_run(**event_fields(state="Crashed", at="2026-11-03T14:00:00+00:00", message="other"))
    assert subject(again) == alert["subject"], "a second event of the same run has the same key"
    other = failed_run(**event_fields(flow_run_id="019a4b6e-2f31-7c2e-9d1a-000000000001"))
    assert subject(other) != alert["subject"], "another run of the same name has its own"
    assert len(subject(failed_run(**event_fields(name="x" * 200)))) <= 64, "fits the alerts' subject column"


def test_only_vigie_flows_are_alerted_never_the_alert_flow_itself():
    assert alerted(failed_run(**event_fields(flow="season-review")))
    assert not alerted(failed_run(**event_fields(flow=ALERT_FLOW))), "no loop"
    assert not alerted(failed_run(**event_fields(flow="someone-elses-flow")))
    assert RULE in IN_SEASON_RULES, "mailed on its own, like the other in-season alerts"


def test_prefect_yaml_triggers_the_alert_on_every_vigie_flow_and_every_way_of_failing():
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    (deployment,) = [d for d in deployments if d["name"] == ALERT_FLOW]
    (trigger,) = deployment["triggers"]
    flows = set()
    for other in deployments:
        path, function = other["entrypoint"].split(":")
        flows.add(getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), function).name)
    assert set(VIGIE_FLOWS) == flows - {ALERT_FLOW}, "every deployed Vigie flow, and only those"
    assert trigger["match_related"] == {"prefect.resource.role": "flow", "prefect.resource.name": list(VIGIE_FLOWS)}
    assert trigger["expect"] == [f"prefect.flow-run.{state}" for state in STATES]
    assert deployment["work_pool"]["work_queue_name"] == "reviews"
    assert set(trigger["parameters"]) <= set(importlib.import_module("flows.run_failed").run_failed_alert.parameters
                                              .properties)  # fmt: skip


def stored_run(**changed) -> dict:
    run = failed_run(**event_fields(**changed))
    alert = {**alert_frame(run).iloc[0].to_dict(), "run_id": run.flow_run_id}
    return alert, run_row(run)


def test_the_officers_read_which_run_when_how_it_ended_why_and_where_in_french():
    alert, row = stored_run()
    url = f"http://127.0.0.1:4200/runs/flow-run/{RUN_ID}"
    line = run_failed_context(alert, row, url, "fr")["alerts"][0]
    assert line["text"] == (
        "Le traitement « intake-livraisons_zou.csv » a échoué le 03/11/2026 à 14:05 (heure de Porto-Novo)."
    )
    assert line["how_much"].startswith("Raison donnée : Flow run encountered an exception: OperationalError")
    assert url in line["where"]
    crashed = run_failed_context(*stored_run(state="Crashed"), None, "fr")["alerts"][0]
    assert "s'est arrêté brutalement" in crashed["text"]
    assert RUN_ID in crashed["where"], "without PREFECT_UI_URL, the run's id to look for"


def test_the_words_exist_in_english_too():
    alert, row = stored_run(state="TimedOut", message="")
    context = run_failed_context(alert, row, None, "en")
    line = context["alerts"][0]
    assert line["text"] == (
        'The run "intake-livraisons_zou.csv" ran past its time limit and was stopped on 2026-11-03 at 14:05 '
        "(Porto-Novo time)."
    )
    assert line["how_much"] == "No reason given."
    assert context["subject"].startswith("Vigie · alert · Vigie runs · intake-livraisons_zou.csv")


def text_of(mime: bytes) -> str:
    return email.message_from_bytes(mime, policy=policy.default).get_body(("plain",)).get_content()


def test_a_failed_run_is_stored_once_and_mailed_once_without_its_secret(vigie_home):
    settings = load_settings()
    engine = get_engine(settings.database_url)
    store.start_run(engine, RUN_ID, "review", "2025", flow_run_id=RUN_ID)  # the run's own row, left `running`
    for changed in ({}, {"state": "Crashed", "message": "later"}):  # two events of the same run
        run = failed_run(**event_fields(**changed))
        record_failed_run(engine, run)
        new = store.save_alerts(engine, run.flow_run_id, alert_frame(run))
        assert len(new) == (0 if changed else 1)
        queue_stored_alerts(settings, engine, (RULE,))
    alerts = store.read_table(engine, Alert)
    assert alerts[["rule", "cluster_id", "run_id"]].values.tolist() == [[RULE, "*", RUN_ID]]
    (row,) = store.read_table(engine, Run).to_dict("records")
    assert (row["kind"], row["status"]) == ("review", "crashed"), "its own row brought up to date, not replaced"
    assert "Hunter2Secret" not in row["error"]
    messages = store.read_table(engine, OutboxMessage)
    assert len(messages) == 1 and messages.iloc[0]["recipient"] == "suivi@atda.example.bj"
    assert messages.iloc[0]["kind"].startswith(f"alert:{RULE}:") and messages.iloc[0]["scope"] == "*"
    text = text_of(messages.iloc[0]["mime"])
    assert "« review-2025" not in text and "intake-livraisons_zou.csv" in text
    assert "Hunter2Secret" not in text and "vigie:***@" in text


def test_a_stored_error_is_masked_when_mailed_too(vigie_home):
    """A run that recorded its own error (season.py does, unmasked) keeps it; the mail masks it."""
    settings = load_settings()
    engine = get_engine(settings.database_url)
    store.start_run(engine, RUN_ID, "review", "2025")
    store.finish_run(engine, RUN_ID, status="failed", error=f"OperationalError: {SECRET_URL} refused; key {SG_KEY}")
    run = failed_run(**event_fields(message="Flow run encountered an exception"))
    record_failed_run(engine, run)
    store.save_alerts(engine, run.flow_run_id, alert_frame(run))
    assert queue_stored_alerts(settings, engine, (RULE,))
    text = text_of(store.read_table(engine, OutboxMessage).iloc[0]["mime"])
    assert "OperationalError" in text and "Hunter2Secret" not in text and SG_KEY not in text
    assert pd.notna(store.read_table(engine, Run).iloc[0]["error"])
