"""Delivery through SendGrid's official client to the local double: every message exactly once, even after
429 and 500 answers, and nothing sent again on a rerun."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from flows.season import season_review
from flows.settings import load_settings
from tests.support.sendgrid_double import TEST_API_KEY, Reply, SendGridDouble
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import OutboxMessage


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
