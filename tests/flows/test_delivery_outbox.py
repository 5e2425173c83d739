"""The outbox under pressure and in the officer's hands: a message is claimed before it is sent (two deliveries
never send it twice), `vigie outbox list` shows it, `vigie outbox retry` sends a failed one again, once."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest
from click.testing import CliRunner

from flows.adapters import engine_for, sender_for
from flows.cli import main
from flows.delivery import deliver_outbox, send_all
from flows.season import season_review
from flows.settings import load_settings
from warehouse import outbox
from warehouse.models import Alert


@pytest.fixture
def queued(vigie_home, small_sample):
    """A reviewed sample whose messages wait in the outbox (nothing sent yet); the warehouse engine."""
    season_review(data_dir=str(small_sample), deliver=False)
    return engine_for(load_settings())


def test_a_delivery_working_from_a_stale_list_sends_nothing_already_taken(queued):
    stale = outbox.pending(queued, ("queued", "failed"))
    first = deliver_outbox()
    counts = {"sent": 0, "failed": 0, "given_up": 0}
    send_all(queued, sender_for(load_settings()), stale, counts, logging.getLogger("test"))
    assert first["sent"] == len(stale) and counts == {"sent": 0, "failed": 0, "given_up": 0}
    assert len(list(load_settings().outbox_dir.glob("*.eml"))) == len(stale)
    assert outbox.claim(queued, stale[0].id) is False, "a sent message can never be claimed again"


def test_outbox_list_shows_statuses_and_json_without_content(queued):
    runner = CliRunner()
    listed = runner.invoke(main, ["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    total = len(outbox.pending(queued))
    assert f"{total} messages: {total} queued" in listed.output
    as_json = json.loads(runner.invoke(main, ["outbox", "list", "--json", "--status", "queued"]).output)
    assert len(as_json) == total and "mime" not in as_json[0]
    assert {"id", "kind", "scope", "campaign", "recipient", "status", "attempts", "last_error"} <= set(as_json[0])
    assert json.loads(runner.invoke(main, ["outbox", "list", "--json", "--status", "sent"]).output) == []


def test_retry_sends_a_given_up_message_once_and_never_a_sent_one(queued):
    first, second = outbox.pending(queued)[:2]
    for message in (first, second):
        assert outbox.claim(queued, message.id)
        outbox.mark_failed(queued, message.id, "HTTP 400: invalid request", give_up=True)
    delivered = deliver_outbox()
    assert delivered["given_up"] == 0, "given-up messages wait for an officer"
    runner = CliRunner()
    result = runner.invoke(main, ["outbox", "retry", "--id", str(first.id)])
    assert result.exit_code == 0, result.output
    assert "1 message(s) requeued" in result.output and '"sent": 1' in result.output
    rows = {row["id"]: row for row in outbox.list_messages(queued)}
    assert rows[first.id]["status"] == "sent" and rows[second.id]["status"] == "given_up"

    again = runner.invoke(main, ["outbox", "retry", "--id", str(first.id)])
    assert again.exit_code != 0 and "already sent" in again.output
    rest = runner.invoke(main, ["outbox", "retry", "--all-failed", "--no-deliver"])
    assert rest.exit_code == 0 and f"1 message(s) requeued: {second.id}" in rest.output
    assert outbox.list_messages(queued, ids=(second.id,))[0]["status"] == "queued"
    assert runner.invoke(main, ["outbox", "retry"]).exit_code != 0
    assert "no message with id 999999" in runner.invoke(main, ["outbox", "retry", "--id", "999999"]).output
    files = list(load_settings().outbox_dir.glob("*.eml"))
    assert len(files) == len(outbox.list_messages(queued, ("sent",)))


def test_alerts_stored_outside_a_review_are_mailed_once_by_the_next_delivery(queued):
    from datetime import datetime, timedelta

    from reports.recipients import addresses
    from warehouse import store
    from warehouse.models import Cluster

    cluster = store.read_table(queued, Cluster).iloc[0]
    slipping = pd.DataFrame(
        [{"rule": "contract_slippage", "cluster_id": cluster["cluster_id"], "campaign": "2026",
          "subject": "raw_material_contracts", "value": 31.0, "previous": 58.0, "severity": "high"},
         {"rule": "missing_submission", "cluster_id": cluster["cluster_id"], "campaign": "2026",
          "subject": "deliveries", "value": 12.0, "previous": None, "severity": "high"}]
    )  # fmt: skip
    store.save_alerts(queued, None, slipping)
    old = slipping.assign(campaign="2019")
    store.save_alerts(queued, None, old)
    with queued.begin() as connection:  # an alert from long ago is history, not news
        connection.execute(
            Alert.__table__.update().where(Alert.campaign == "2019").values(raised_at=datetime.now() - timedelta(400))
        )
    deliver_outbox()
    mailed = [m for m in outbox.list_messages(queued) if m["campaign"] in ("2026", "2019")]
    committee = set(addresses(cluster["committee_emails"]))
    officers = set(load_settings().officer_emails) | set(addresses(cluster["officer_emails"]))
    sent_to: dict[str, set[str]] = {}
    for message in mailed:  # kind alert:<rule>:<day>
        sent_to.setdefault(message["kind"].split(":")[1], set()).add(message["recipient"])
    assert {m["campaign"] for m in mailed} == {"2026"} and {m["status"] for m in mailed} == {"sent"}
    assert sent_to["contract_slippage"] == committee | officers, "contract slippage: committee and officers"
    assert sent_to["missing_submission"] == officers, "missing submission: officers only"
    deliver_outbox()
    assert len([m for m in outbox.list_messages(queued) if m["campaign"] == "2026"]) == len(mailed)


def test_the_delivery_deployment_runs_once_at_a_time_on_outbox_requests_only():
    from pathlib import Path

    import yaml
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text("utf-8"))
    (deployment,) = [d for d in project["deployments"] if d["name"] == "deliver-outbox"]
    assert deployment["entrypoint"] == "flows/delivery.py:deliver_outbox"
    assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    (trigger,) = [DeploymentEventTrigger(**trigger) for trigger in deployment["triggers"]]
    assert trigger.enabled and trigger.expect == {"vigie.outbox.queued"}, "per-cluster or per-alert events start none"
    assert trigger.match.model_dump() == {"prefect.resource.id": "vigie.outbox"}
