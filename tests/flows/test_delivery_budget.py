"""A delivery that meets a broken SendGrid: a refused key stops it at the first message and the officers hear of it
through the file outbox and the run's artifact; a hanging SendGrid costs no more than the time budget, and what is
left waits, queued, for the next run; `vigie deliver` exits 1 when messages were given up."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from click.testing import CliRunner

from flows.adapters import engine_for
from flows.cli import main
from flows.delivery import deliver_outbox
from flows.delivery_notice import ARTIFACT_KEY
from flows.season import season_review
from flows.settings import load_settings
from tests.support.sendgrid_double import HANG, TEST_API_KEY, SendGridDouble
from warehouse import outbox

WRONG_KEY = "SG.wrong-key-of-the-test.not-a-real-secret"


@pytest.fixture
def double(vigie_home, monkeypatch):
    with SendGridDouble(api_key=TEST_API_KEY, hang_seconds=20) as running:
        monkeypatch.setenv("VIGIE_EMAIL_BACKEND", "sendgrid")
        monkeypatch.setenv("VIGIE_SENDGRID_HOST", running.url)
        monkeypatch.setenv("SENDGRID_API_KEY", TEST_API_KEY)
        yield running


@pytest.fixture
def queued(double, small_sample):
    """The sample reviewed, its messages queued, nothing sent; the warehouse engine."""
    season_review(data_dir=str(small_sample), deliver=False)
    return engine_for(load_settings())


def test_a_refused_key_stops_the_delivery_once_and_the_officers_are_told_another_way(queued, double, monkeypatch):
    monkeypatch.setenv("SENDGRID_API_KEY", WRONG_KEY)
    waiting = len(outbox.pending(queued))
    result = CliRunner().invoke(main, ["deliver"])
    assert result.exit_code == 1, result.output
    assert len(double.requests) == 1, "no message is tried after the account is refused"
    assert result.stderr.count("refused the API key") == 1 and WRONG_KEY not in result.output
    statuses = Counter(row["status"] for row in outbox.list_messages(queued))
    assert statuses == {"queued": waiting}, "every message waits for a fixed key, none is given up"
    notices = list(load_settings().outbox_dir.glob("account_refused_*.eml"))
    assert "suivi-atda.example.bj.eml" in {n.name.split("__")[1] for n in notices}, "one per officer"
    text = notices[0].read_bytes().decode("utf-8")
    assert "SENDGRID_API_KEY" in text and WRONG_KEY not in text and f"{waiting} message(s)" in text

    monkeypatch.setenv("SENDGRID_API_KEY", TEST_API_KEY)  # the key fixed, everything goes, once
    again = CliRunner().invoke(main, ["deliver"])
    assert again.exit_code == 0, again.output
    assert len(double.accepted) == waiting and {r["status"] for r in outbox.list_messages(queued)} == {"sent"}


def test_a_refused_key_is_the_run_artifact(queued, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    monkeypatch.setenv("SENDGRID_API_KEY", WRONG_KEY)
    assert deliver_outbox()["account_refused"].startswith("SendGrid refused the API key (HTTP 401")
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])))
    assert found and "SENDGRID_API_KEY" in found[-1].data and WRONG_KEY not in found[-1].data


def test_a_hanging_sendgrid_costs_the_budget_and_what_is_left_stays_queued(queued, double, monkeypatch):
    monkeypatch.setenv("VIGIE_SENDGRID_TIMEOUT_S", "0.3")
    monkeypatch.setenv("VIGIE_DELIVERY_BUDGET_S", "1.5")
    waiting = len(outbox.pending(queued))
    double.script([HANG] * 100)
    started = time.monotonic()
    counts = deliver_outbox()
    elapsed = time.monotonic() - started
    assert elapsed < 4.0, f"the delivery took {elapsed:.1f} s on a 1.5 s budget"
    assert counts["sent"] == 0 and counts["deferred"] > 0 and counts["given_up"] == 0
    statuses = Counter(row["status"] for row in outbox.list_messages(queued))
    assert (
        statuses["queued"] == counts["deferred"]
        and statuses["failed"] == counts["failed"] == waiting - counts["deferred"]
    )

    double._script.clear()  # SendGrid answers again: the next run sends everything, each message once
    monkeypatch.delenv("VIGIE_DELIVERY_BUDGET_S")
    assert deliver_outbox()["sent"] == waiting
    sent = Counter(r.body["personalizations"][0]["to"][0]["email"] for r in double.accepted)
    assert sum(sent.values()) == waiting


def test_deliver_exits_1_when_a_message_was_given_up(queued, double):
    double.script([400])
    result = CliRunner().invoke(main, ["deliver"])
    assert result.exit_code == 1 and "1 message(s) given up" in result.output
