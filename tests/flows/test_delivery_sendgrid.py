"""Delivery through SendGrid's official client to the local double: every message exactly once, even after
429 and 500 answers, and nothing sent again on a rerun."""

from __future__ import annotations

import shutil
from collections import Counter

import pandas as pd
import pytest

from flows.delivery import deliver_outbox
from flows.season import season_review
from flows.settings import load_settings
from tests.support.sendgrid_double import TEST_API_KEY, Reply, SendGridDouble
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, OutboxMessage


@pytest.fixture
def double(vigie_home, monkeypatch):
    with SendGridDouble(api_key=TEST_API_KEY) as running:
        monkeypatch.setenv("VIGIE_EMAIL_BACKEND", "sendgrid")
        monkeypatch.setenv("VIGIE_SENDGRID_HOST", running.url)
        monkeypatch.setenv("SENDGRID_API_KEY", TEST_API_KEY)
        yield running


def test_every_message_is_delivered_exactly_once_despite_429_and_500(double, small_sample):
    double.script([Reply(429, {"Retry-After": "1"}), 500])
    result = season_review(data_dir=str(small_sample))
    engine = get_engine(load_settings().database_url)
    outbox = store.read_table(engine, OutboxMessage)
    assert len(outbox) > 0 and set(outbox["status"]) == {"sent"}
    assert result["delivered"]["sent"] == len(outbox)
    recipients = Counter(r.body["personalizations"][0]["to"][0]["email"] for r in double.accepted)
    assert recipients == Counter(outbox["recipient"]), "each queued message reached SendGrid once"
    assert len(double.requests) == len(double.accepted) + 2, "the 429 and the 500 were retried, nothing more"
    assert all(r.body["personalizations"].__len__() == 1 for r in double.accepted)
    assert not outbox["provider_message_id"].isna().any()

    again = season_review(data_dir=str(small_sample))
    assert again["delivered"]["sent"] == 0
    assert len(double.accepted) == len(outbox), "a rerun sends nothing twice"


def test_a_refused_message_is_given_up_and_the_key_never_stored(double, small_sample):
    double.script([400])
    season_review(data_dir=str(small_sample))
    outbox = store.read_table(get_engine(load_settings().database_url), OutboxMessage)
    given_up = outbox[outbox["status"] == "given_up"]
    assert len(given_up) == 1 and "400" in given_up.iloc[0]["last_error"]
    assert (outbox["status"] == "sent").sum() == len(outbox) - 1
    text = pd.concat([outbox["last_error"].fillna(""), outbox["mime"].map(lambda b: b.decode("utf-8", "replace"))])
    assert not text.str.contains(TEST_API_KEY, regex=False).any()


def test_the_demo_delivers_every_message_exactly_once_through_sendgrid(double, vigie_home):
    from click.testing import CliRunner

    from flows.cli import main

    double.script([Reply(429, {"Retry-After": "1"}), 500])
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    outbox = store.read_table(get_engine(load_settings().database_url), OutboxMessage)
    kinds = {kind.split(":")[0] for kind in outbox["kind"]}
    assert kinds == {"committee_dashboard", "officer_dashboard", "validation_report"}, "no review alert on its own"
    assert set(outbox["status"]) == {"sent"}
    sent = Counter((r.body["personalizations"][0]["to"][0]["email"], r.body["subject"]) for r in double.accepted)
    assert sent == Counter(zip(outbox["recipient"], outbox["subject"], strict=True))
    assert max(sent.values()) == 1, "no message reached SendGrid twice"
    assert len(double.requests) == len(double.accepted) + 2
    dashboards = [r.body for r in double.accepted if "bilan de campagne" in r.body["subject"]]
    inline = [[a for a in body["attachments"] if a.get("disposition") == "inline"] for body in dashboards]
    assert dashboards and all(
        sorted(p["content_id"] for p in parts) == ["axes@vigie", "overall@vigie", "qqrp@vigie"] for parts in inline
    ), "the three charts are inline"


@pytest.mark.parametrize("status", [400, 413])
def test_a_message_given_up_tells_the_officers_once(double, small_sample, status):
    double.script([status])
    season_review(data_dir=str(small_sample))
    engine = get_engine(load_settings().database_url)
    failures = store.read_table(engine, Alert, rule="delivery_failure")
    outbox = store.read_table(engine, OutboxMessage)
    given_up = outbox[outbox["status"] == "given_up"]
    assert len(given_up) == 1 and len(failures) == 1
    assert failures.iloc[0]["subject"] == f"outbox-{given_up.iloc[0]['id']}"
    notices = outbox[outbox["kind"].str.startswith("alert:delivery_failure:")]
    assert set(notices["scope"]) == {given_up.iloc[0]["scope"]}
    assert set(notices["recipient"]) == set(load_settings().officer_emails) | _officers_of(
        small_sample, given_up.iloc[0]["scope"]
    )
    assert set(notices["status"]) == {"sent"}
    told = [r for r in double.accepted if "n'a pas pu être remis" in r.body["subject"]]
    assert len(told) == len(notices)
    assert str(status) in told[0].body["content"][0]["value"]

    again = deliver_outbox()
    assert again == {"sent": 0, "failed": 0, "given_up": 0, "deferred": 0, "account_refused": None}
    assert len(store.read_table(engine, Alert, rule="delivery_failure")) == 1, "raised once, never repeated"
    assert len([r for r in double.accepted if "n'a pas pu être remis" in r.body["subject"]]) == len(notices)


def _officers_of(sample, cluster_id: str) -> set[str]:
    clusters = pd.read_csv(sample / "clusters.csv", dtype=str).set_index("cluster_id")
    field = clusters.loc[cluster_id, "officer_emails"] if cluster_id in clusters.index else ""
    return {a.strip() for a in str(field or "").split(";") if a.strip() and a.strip() != "nan"}


def _sample_with_name(sample, out, name: str):
    """A copy of the sample whose first cluster is called `name`; that cluster's id."""
    shutil.copytree(sample, out)
    clusters = pd.read_csv(out / "clusters.csv", dtype=str, keep_default_na=False)
    clusters.loc[0, "name"] = name
    clusters.to_csv(out / "clusters.csv", index=False)
    return clusters.loc[0, "cluster_id"]


def test_a_cluster_named_with_a_line_break_stops_nothing_and_adds_no_header(double, small_sample, tmp_path):
    data = tmp_path / "data"
    hostile = _sample_with_name(small_sample, data, "Coopérative\nBcc: pirate@x.bj\r\nX-Vigie-Run: faux")
    result = season_review(data_dir=str(data))
    outbox = store.read_table(get_engine(load_settings().database_url), OutboxMessage)
    assert len(outbox) > 3 and set(outbox["status"]) == {"sent"} and result["delivered"]["sent"] == len(outbox)
    bodies = [r.body for r in double.accepted]
    assert len(bodies) == len(outbox)
    assert all(len(b["personalizations"]) == 1 and set(b["personalizations"][0]) == {"to"} for b in bodies)
    theirs = [b["subject"] for b in bodies if "Coopérative" in b["subject"]]
    assert theirs and all("Coopérative Bcc: pirate@x.bj X-Vigie-Run: faux" in s for s in theirs)
    assert hostile in set(outbox["scope"])


def test_a_message_that_cannot_be_built_is_failed_with_its_reason_and_the_others_go_out(
    double, small_sample, monkeypatch
):
    from flows import reporting

    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    broken = clusters.loc[0, "cluster_id"]
    real = reporting.committee_message

    def render(context, *rest, **named):
        if context["cluster"]["cluster_id"] == broken:
            raise ValueError("données du cluster illisibles")
        return real(context, *rest, **named)

    monkeypatch.setattr(reporting, "committee_message", render)
    season_review(data_dir=str(small_sample))
    engine = get_engine(load_settings().database_url)
    outbox = store.read_table(engine, OutboxMessage)
    theirs = outbox[(outbox["kind"] == "committee_dashboard") & (outbox["scope"] == broken)]
    others = outbox.drop(theirs.index)
    assert len(theirs) and set(theirs["status"]) == {"given_up"}
    assert theirs["last_error"].str.contains("message not built: ValueError: données du cluster illisibles").all()
    assert len(others) > 3 and set(others["status"]) == {"sent"}, "every other message went out"
    assert len(double.accepted) == len(others)
    assert len(store.read_table(engine, Alert, rule="delivery_failure")) == len(theirs), "the officers are told"


def test_a_message_whose_sending_breaks_unexpectedly_is_failed_and_the_others_go_out(double, small_sample, monkeypatch):
    from reports.sendgrid_sender import SendGridSender

    real = SendGridSender.request_body
    seen: list[str] = []

    def request_body(self, mime: bytes, recipient: str) -> dict:
        seen.append(recipient)
        if len(seen) == 2:
            raise KeyError("part")
        return real(self, mime, recipient)

    monkeypatch.setattr(SendGridSender, "request_body", request_body)
    result = season_review(data_dir=str(small_sample))
    outbox = store.read_table(get_engine(load_settings().database_url), OutboxMessage)
    failed = outbox[outbox["status"] == "failed"]
    assert len(failed) == 1 and failed.iloc[0]["last_error"] == "KeyError: 'part'"
    assert (outbox["status"] == "sent").sum() == len(outbox) - 1 == result["delivered"]["sent"]
