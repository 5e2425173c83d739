"""Settings handed to a function are the ones it uses: the values that were read from the environment when they
were used (the SendGrid sandbox, the DHIS2 token, a source's password, PDFs on or off) follow the settings given,
whatever the process environment says meanwhile."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.http import Retry
from connectors.sources import parse_source
from flows import pull
from flows.settings import load_settings
from reports.sendgrid_sender import SendGridSender
from tests.support.odk_central_double import EMAIL, PASSWORD, OdkCentralDouble, odk_central  # noqa: F401
from tests.unit.test_intake import home, ingest, sample, text, with_references  # noqa: F401 (fixtures)

HOST = "http://127.0.0.1:9"


def test_the_sendgrid_sandbox_is_the_settings_one_not_the_environment_s(tmp_path, monkeypatch):
    given = {"VIGIE_HOME": str(tmp_path), "SENDGRID_API_KEY": "SG.test.key", "VIGIE_SENDGRID_HOST": HOST}
    monkeypatch.setenv("VIGIE_SENDGRID_SANDBOX", "0")
    assert SendGridSender.from_settings(load_settings({**given, "VIGIE_SENDGRID_SANDBOX": "yes"})).sandbox
    monkeypatch.setenv("VIGIE_SENDGRID_SANDBOX", "1")
    assert not SendGridSender.from_settings(load_settings(given)).sandbox


def test_the_dhis2_token_is_the_settings_one_and_never_printed(monkeypatch):
    from flows.cli_export import dhis2_token

    monkeypatch.setenv("VIGIE_DHIS2_TOKEN", "d2pat_of_the_shell")
    settings = load_settings({"VIGIE_DHIS2_TOKEN": " d2pat_given "})
    assert dhis2_token(settings) == "d2pat_given"
    shell = load_settings()
    assert "d2pat" not in repr(settings) and "d2pat" not in repr(shell)
    monkeypatch.delenv("VIGIE_DHIS2_TOKEN")
    assert dhis2_token(shell) == "d2pat_of_the_shell", "read when the settings were made, not when used"


def test_prefect_api_url_is_a_setting():
    assert (
        load_settings({"PREFECT_API_URL": " http://127.0.0.1:4200/api "}).prefect_api_url == "http://127.0.0.1:4200/api"
    )
    assert load_settings({}).prefect_api_url is None


def test_a_source_password_comes_from_the_environment_the_settings_were_made_with(
    home,  # noqa: F811
    sample,  # noqa: F811
    odk_central,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(pull, "announce_alerts", lambda *args: None)  # no Prefect server in the unit tier
    monkeypatch.delenv("VIGIE_ODK_PASSWORD", raising=False)
    with_references(home, sample)
    odk_central.add({"livraison": text(sample, "deliveries").iloc[0].to_dict()}, "2026-03-02T09:00:00.000Z")
    entry = {"platform": "odk_central", "url": odk_central.url, "project": odk_central.project, "user": EMAIL,
             "form": odk_central.form, "table": "deliveries", "password_env": "VIGIE_ODK_PASSWORD"}  # fmt: skip
    source = parse_source("odk-livraisons", entry)
    settings = dataclasses.replace(home[0], environment={"VIGIE_ODK_PASSWORD": PASSWORD})
    take_in = lambda path, table: ingest(home, path, table).as_dict()  # noqa: E731
    retry = Retry(attempts=1, backoff_s=0.0, sleep=lambda seconds: None)
    pulled = pull.pull_source(source, settings, home[1], take_in, retry=retry)
    assert (pulled.status, pulled.records, pulled.error) == ("taken", 1, None)
    refused = pull.pull_source(source, home[0], home[1], take_in, retry=retry)  # made without the password
    assert refused.code == "no_secret" and PASSWORD not in str(refused)


def test_printable_reviews_follow_the_settings_given(tmp_path, monkeypatch):
    from flows.printing import printable_reviews

    monkeypatch.setenv("VIGIE_PDF", "on")
    off = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_PDF": "off"})
    assert printable_reviews.fn(off, {"CL-X": {"lang": "fr"}}, {}) == []


def test_the_settings_given_keep_their_environment_whatever_happens_to_the_process_s(monkeypatch):
    monkeypatch.setenv("VIGIE_ODK_PASSWORD", "first")
    settings = load_settings()
    monkeypatch.setenv("VIGIE_ODK_PASSWORD", "second")
    assert settings.environment["VIGIE_ODK_PASSWORD"] == "first"
    assert "first" not in repr(settings)


@pytest.mark.parametrize("word", ["1", "true", "yes", "on", "TRUE"])
def test_the_sandbox_words_are_those_of_before(word):
    assert load_settings({"VIGIE_SENDGRID_SANDBOX": word}).sendgrid_sandbox
    assert not load_settings({"VIGIE_SENDGRID_SANDBOX": "oui"}).sendgrid_sandbox, "any other word: off, as before"
