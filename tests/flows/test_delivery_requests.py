"""How delivery is asked for: one `vigie.outbox.queued` event per flow run that queued messages (an intake batch,
a review), never one per cluster or alert; a review delivers itself only where the Prefect server has no
deliver-outbox deployment to do it; a delivery sends what was queued while it ran, each message tried once."""

from __future__ import annotations

import pytest
from prefect.client.orchestration import get_client
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from flows.adapters import engine_for, sender_for
from flows.delivery import deliver_outbox
from flows.events import OUTBOX_QUEUED, OUTBOX_RESOURCE
from flows.handoff import DELIVERY_DEPLOYMENT, delivery_deployed
from flows.intake import VALIDATED, intake
from flows.season import season_review
from flows.settings import load_settings
from reports.senders import SendError
from tests.support.events import Events
from warehouse import outbox


@pytest.fixture
def events(monkeypatch) -> Events:
    """Every event the flows emit (per-cluster announcements and delivery requests), kept here."""
    collected = Events()
    monkeypatch.setattr("flows.intake.emit_event", collected)
    monkeypatch.setattr("flows.events.emit_event", collected)
    return collected


def test_an_intake_batch_asks_for_delivery_once_and_a_repeated_one_not_at_all(vigie_home, small_sample, events):
    summaries = intake(path=str(small_sample))
    (request,) = events.named(OUTBOX_QUEUED)
    reports = [m for m in outbox.list_messages(engine_for(load_settings())) if m["kind"] == "validation_report"]
    assert request[1]["prefect.resource.id"] == OUTBOX_RESOURCE
    assert request[2]["source"] == "intake" and request[2]["messages"] == len(reports) > 0
    assert len(events.named(VALIDATED)) >= len(summaries) > 1, "the per-cluster announcements stay"

    intake(path=str(small_sample))  # the same files again: nothing new to deliver
    assert len(events.named(OUTBOX_QUEUED)) == 1


def test_a_review_leaves_delivery_to_the_deployment_when_the_server_has_one(
    vigie_home, small_sample, events, monkeypatch
):
    monkeypatch.setattr("flows.handoff.delivery_deployed", lambda: True)
    result = season_review(data_dir=str(small_sample))
    messages = outbox.list_messages(engine_for(load_settings()))
    assert result["delivery"] == "deployment" and result["delivered"] is None
    assert {m["status"] for m in messages} == {"queued"}, "nothing sent by the review itself"
    assert not list(load_settings().outbox_dir.glob("*.eml"))
    (request,) = events.named(OUTBOX_QUEUED)
    assert request[2]["source"] == "season-review" and request[2]["messages"] == result["queued"] == len(messages)


def test_a_review_without_the_deployment_delivers_itself_and_asks_nobody(vigie_home, small_sample, events):
    assert delivery_deployed() is False, "the test harness has no deliver-outbox deployment"
    result = season_review(data_dir=str(small_sample))
    messages = outbox.list_messages(engine_for(load_settings()))
    assert result["delivery"] == "here" and result["delivered"]["sent"] == len(messages) > 0
    assert {m["status"] for m in messages} == {"sent"}
    assert events.named(OUTBOX_QUEUED) == []


def test_the_deployment_counts_only_with_an_enabled_automation_on_outbox_queued():
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name(DELIVERY_DEPLOYMENT.split("/")[0])
        deployment_id = client.create_deployment(flow_id=flow_id, name=DELIVERY_DEPLOYMENT.split("/")[1])
        automation_id = None
        try:
            assert delivery_deployed() is False, "a deployment nothing starts delivers nothing"
            automation_id = client.create_automation(
                AutomationCore(
                    name="deliver-outbox",
                    trigger=EventTrigger(
                        match={"prefect.resource.id": OUTBOX_RESOURCE},
                        expect={OUTBOX_QUEUED},
                        posture=Posture.Reactive,
                        threshold=1,
                    ),
                    actions=[RunDeployment(source="selected", deployment_id=deployment_id)],
                )
            )
            assert delivery_deployed() is True
            client.pause_automation(automation_id)
            assert delivery_deployed() is False, "a disabled trigger starts nothing"
        finally:  # the harness is shared: later reviews must find no deployment
            if automation_id:
                client.delete_automation(automation_id)
            client.delete_deployment(deployment_id)
    assert delivery_deployed() is False


def test_a_delivery_sends_what_was_queued_while_it_was_sending(vigie_home, small_sample, monkeypatch):
    season_review(data_dir=str(small_sample), deliver=False)
    engine = engine_for(load_settings())
    real = sender_for(load_settings())
    late = {"kind": "validation_report", "scope": "late", "campaign": "2025", "recipient": "suivi@atda.example.bj"}

    class QueuingSender:  # a batch queues its report while the delivery is busy sending (its own run cancelled)
        def send(self, mime: bytes, recipient: str, name_hint: str) -> str:
            outbox.queue_message(engine, **late, subject="late", mime=mime)
            return real.send(mime, recipient, name_hint)

    monkeypatch.setattr("flows.delivery.sender_for", lambda settings: QueuingSender())
    counts = deliver_outbox()
    messages = outbox.list_messages(engine)
    assert {m["status"] for m in messages} == {"sent"} and counts["sent"] == len(messages)
    assert any(m["scope"] == "late" for m in messages)


def test_a_delivery_tries_each_failing_message_once(vigie_home, small_sample, monkeypatch):
    season_review(data_dir=str(small_sample), deliver=False)

    class Unreachable:
        def send(self, mime: bytes, recipient: str, name_hint: str) -> str:
            raise SendError("HTTP 503: try later", retryable=True)

    monkeypatch.setattr("flows.delivery.sender_for", lambda settings: Unreachable())
    counts = deliver_outbox()
    messages = outbox.list_messages(engine_for(load_settings()))
    assert counts["failed"] == len(messages) > 0 and {m["attempts"] for m in messages} == {1}
