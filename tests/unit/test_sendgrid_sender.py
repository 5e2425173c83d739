"""The SendGrid sender, end to end through the official client against a local double that validates the spec."""

from __future__ import annotations

import base64
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from flows.settings import load_settings
from reports import sendgrid_sender
from reports.message import build_mime
from reports.render import Rendered
from reports.senders import SendError
from reports.sendgrid_sender import SendGridConfigError, SendGridSender
from tests.support.sendgrid_double import ERROR_SCHEMA, HANG, TEST_API_KEY, Reply, SendGridDouble, schema_problems

CSV = "\ufeffindicateur,valeur\r\n1.1,0.42\r\n".encode()
RECIPIENT = "comite.zou@example.bj"


def dashboard(run_id: str | None = "run-42") -> bytes:
    """A committee-style message: plain text, HTML, one CSV attachment, the run header."""
    rendered = Rendered(
        subject="Bilan de campagne 2025 – Cluster Zou",
        html="<h1>Bilan</h1><p>Score global : <b>1,50</b></p>",
        text="Bilan de fin de campagne\nScore global : 1,50\n",
        attachments=(("indicateurs_CL-Z_2025.csv", "text/csv", CSV),),
    )
    headers = {"X-Vigie-Run": run_id} if run_id else None
    return build_mime(rendered, "Vigie <vigie@clusters.example.bj>", RECIPIENT, headers)


class Sleeps(list):
    """A sleep that only records how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def double() -> Iterator[SendGridDouble]:
    with SendGridDouble(api_key=TEST_API_KEY, hang_seconds=5) as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def sender(double: SendGridDouble, sleeps: Sleeps, key: str = TEST_API_KEY, **options) -> SendGridSender:
    options = {"timeout": 2.0, "backoff": 1.0} | options
    return SendGridSender(key, host=double.url, sleep=sleeps, **options)


def test_a_dashboard_goes_out_as_one_schema_valid_request(double, sleeps):
    message_id = sender(double, sleeps).send(dashboard(), RECIPIENT, "committee_CL-Z_2025")
    assert message_id == "double-1" and len(double.requests) == 1 and sleeps == []
    (request,) = double.accepted
    body = request.body
    assert schema_problems(body) == []
    assert request.headers["Authorization"] == f"Bearer {TEST_API_KEY}"
    assert request.headers["User-Agent"].startswith("sendgrid/")  # the official client, not a hand-made request
    assert body["from"] == {"email": "vigie@clusters.example.bj", "name": "Vigie"}
    assert body["personalizations"] == [{"to": [{"email": RECIPIENT}]}]
    assert body["subject"] == "Bilan de campagne 2025 – Cluster Zou"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["content"][0]["value"].startswith("Bilan de fin de campagne")
    (attachment,) = body["attachments"]
    assert attachment["filename"] == "indicateurs_CL-Z_2025.csv" and attachment["type"] == "text/csv"
    assert attachment["disposition"] == "attachment" and "content_id" not in attachment
    assert base64.b64decode(attachment["content"]) == CSV
    assert body["headers"] == {"X-Vigie-Run": "run-42"}
    assert "mail_settings" not in body


def test_a_named_recipient_and_no_run_header():
    body = SendGridSender("k").request_body(dashboard(run_id=None), "Comité Zou <comite.zou@example.bj>")
    assert body["personalizations"] == [{"to": [{"email": RECIPIENT, "name": "Comité Zou"}]}]
    assert "headers" not in body


def test_parts_with_a_content_id_become_inline_attachments():
    message = EmailMessage(policy=SMTP)
    message["From"], message["To"], message["Subject"] = "vigie@clusters.example.bj", RECIPIENT, "Graphique"
    message.set_content("texte")
    message.add_alternative('<img src="cid:chart1">', subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG...", maintype="image", subtype="png", cid="<chart1>")
    body = SendGridSender("k").request_body(message.as_bytes(), RECIPIENT)
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    (image,) = body["attachments"]
    assert image["disposition"] == "inline" and image["content_id"] == "chart1" and image["type"] == "image/png"
    assert schema_problems(body) == []


def test_429_waits_what_retry_after_asks_then_delivers_once(double, sleeps):
    double.script([Reply(429, {"Retry-After": "7"})])
    assert sender(double, sleeps).send(dashboard(), RECIPIENT, "x") == "double-1"
    assert len(double.requests) == 2 and len(double.accepted) == 1 and sleeps == [7.0]


def test_429_honours_the_rate_limit_reset_epoch(double, sleeps):
    double.script([Reply(429, {"X-RateLimit-Reset": "1000012"})])
    sender(double, sleeps, clock=lambda: 1_000_000.0).send(dashboard(), RECIPIENT, "x")
    assert sleeps == [12.0] and len(double.accepted) == 1


def test_429_asking_more_than_the_cap_gives_up_for_now(double, sleeps):
    double.script([Reply(429, {"Retry-After": "3600"})])
    with pytest.raises(SendError) as raised:
        sender(double, sleeps).send(dashboard(), RECIPIENT, "x")
    assert raised.value.retryable and len(double.requests) == 1 and sleeps == []


def test_two_server_errors_then_success_delivers_once_with_backoff(double, sleeps):
    double.script([500, 503])
    assert sender(double, sleeps).send(dashboard(), RECIPIENT, "x") == "double-1"
    assert len(double.requests) == 3 and len(double.accepted) == 1 and sleeps == [1, 2]


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_refusals_are_final_after_one_request(double, sleeps, status):
    double.script([status])
    with pytest.raises(SendError) as raised:
        sender(double, sleeps).send(dashboard(), RECIPIENT, "committee_CL-Z_2025")
    assert raised.value.retryable is False and len(double.requests) == 1 and sleeps == []
    assert f"HTTP {status}" in str(raised.value) and "committee_CL-Z_2025" in str(raised.value)


def test_what_the_spec_rejects_comes_back_as_a_final_error(double, sleeps):
    mime = build_mime(Rendered(subject="", html="<p>x</p>", text="x"), "vigie@clusters.example.bj", RECIPIENT)
    with pytest.raises(SendError, match=r"HTTP 400: '' should be non-empty \(field \$.subject\)") as raised:
        sender(double, sleeps).send(mime, RECIPIENT, "x")
    assert raised.value.retryable is False and double.accepted == []


def test_the_error_carries_sendgrids_messages(double, sleeps):
    double.script([413])
    with pytest.raises(SendError, match="HTTP 413: content too large"):
        sender(double, sleeps).send(dashboard(), RECIPIENT, "x")


def test_persistent_server_errors_are_retryable_after_max_attempts(double, sleeps):
    double.script([500] * 10)
    with pytest.raises(SendError, match="after 4 attempts: HTTP 500: internal server error") as raised:
        sender(double, sleeps, max_attempts=4).send(dashboard(), RECIPIENT, "x")
    assert raised.value.retryable is True and len(double.requests) == 4 and sleeps == [1, 2, 4]


def test_a_hanging_server_times_out_and_is_retried(double, sleeps):
    double.script([HANG, HANG])
    with pytest.raises(SendError, match="timed out") as raised:
        sender(double, sleeps, timeout=0.2, max_attempts=2).send(dashboard(), RECIPIENT, "x")
    assert raised.value.retryable is True and len(double.requests) == 2 and sleeps == [1]


def test_a_hang_then_success_delivers(double, sleeps):
    double.script([HANG])
    assert sender(double, sleeps, timeout=0.2).send(dashboard(), RECIPIENT, "x") == "double-1"


def test_an_unreachable_host_is_retryable(sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = SendGridSender("k", host=f"http://127.0.0.1:{port}", sleep=sleeps, max_attempts=2, timeout=1)
    with pytest.raises(SendError, match="Connection refused") as raised:
        unreachable.send(dashboard(), RECIPIENT, "x")
    assert raised.value.retryable and sleeps == [2.0]


@pytest.mark.parametrize("wrong_key", ["SG.wrongKey123.abcDEF456ghi", "plain-secret-4242"])
def test_the_api_key_never_shows(double, sleeps, caplog, wrong_key):
    caplog.set_level(logging.DEBUG)
    leaky = sender(double, sleeps, key=wrong_key)
    with pytest.raises(SendError) as raised:
        leaky.send(dashboard(), RECIPIENT, "x")
    assert "Bearer " + wrong_key in json.dumps(double.requests[0].headers)  # the double did see it...
    assert "HTTP 401: authorization required" in str(raised.value)  # ...and echoed it in its 401 body
    assert raised.value.retryable is False and raised.value.__cause__ is None
    for text in (str(raised.value), repr(raised.value), repr(leaky), caplog.text):
        assert wrong_key not in text
    assert "python_http_client" in caplog.text  # the client did log headers and body at DEBUG: masked


def test_sandbox_mode_is_asked_for(double, sleeps):
    assert sender(double, sleeps, sandbox=True).send(dashboard(), RECIPIENT, "x") == ""
    assert double.accepted[0].body["mail_settings"] == {"sandbox_mode": {"enable": True}}


def test_oversized_requests_are_refused_before_sending(double, sleeps, monkeypatch):
    monkeypatch.setattr(sendgrid_sender, "MAX_REQUEST_BYTES", 100)
    with pytest.raises(SendError, match="exceeds SendGrid's limit") as raised:
        sender(double, sleeps).send(dashboard(), RECIPIENT, "x")
    assert raised.value.retryable is False and double.requests == []


def settings(tmp_path: Path, host: str, key: str | None = None, **more: str):
    env = {"VIGIE_HOME": str(tmp_path), "VIGIE_EMAIL_BACKEND": "sendgrid", "VIGIE_SENDGRID_HOST": host, **more}
    return load_settings(env | ({"SENDGRID_API_KEY": key} if key else {}))


def test_from_settings_uses_the_key_host_and_sandbox_variable(double, tmp_path):
    sandboxed = settings(tmp_path, double.url, TEST_API_KEY, VIGIE_SENDGRID_SANDBOX="true")
    built = SendGridSender.from_settings(sandboxed, sleep=Sleeps())
    assert built.sandbox and built.host == double.url and TEST_API_KEY not in repr(built)
    assert built.send(dashboard(), RECIPIENT, "x") == "" and len(double.accepted) == 1
    plain = settings(tmp_path, double.url, TEST_API_KEY, VIGIE_SENDGRID_SANDBOX="0")
    assert not SendGridSender.from_settings(plain).sandbox


def test_without_a_key_the_secret_block_is_used(double, tmp_path):
    built = SendGridSender.from_settings(settings(tmp_path, double.url), secret_loader=lambda: TEST_API_KEY + "\n")
    assert built.send(dashboard(), RECIPIENT, "x") == "double-1"


def test_no_key_anywhere_is_a_clear_error(tmp_path, monkeypatch):
    from prefect.blocks.system import Secret

    def missing(name: str):
        raise ValueError(f"Unable to find block document named {name}")

    monkeypatch.setattr(Secret, "load", missing)
    with pytest.raises(SendGridConfigError, match="SENDGRID_API_KEY.*'sendgrid-api-key'.*Unable to find"):
        SendGridSender.from_settings(settings(tmp_path, "http://127.0.0.1:9"))
    with pytest.raises(SendGridConfigError, match="empty"):
        SendGridSender.from_settings(settings(tmp_path, "http://127.0.0.1:9"), secret_loader=lambda: "")


def post(double: SendGridDouble, body: object, key: str = TEST_API_KEY) -> tuple[int, dict]:
    """A raw POST to the double, bypassing the client."""
    request = urllib.request.Request(
        double.url + "/v3/mail/send",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_double_rejects_what_the_spec_rejects(double):
    valid = {"personalizations": [{"to": [{"email": RECIPIENT}]}], "from": {"email": "vigie@clusters.example.bj"}}
    assert post(double, valid) == (202, {})
    status, errors = post(double, {"from": {"email": "not-an-address"}, "subject": ""})
    assert status == 400 and schema_problems(errors, ERROR_SCHEMA) == []
    fields = {item["field"]: item["message"] for item in errors["errors"]}
    assert "'personalizations' is a required property" in fields["$"]
    assert {"$.from.email", "$.subject"} <= set(fields)
    status, errors = post(double, valid, key="SG.other.key")
    assert status == 401 and "authorization required" in errors["errors"][0]["message"]
    assert len(double.accepted) == 1 and len(double.requests) == 3


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_an_account_refusal_not_a_message_fault(double, sleeps, status):
    from reports.senders import AccountRefused

    double.script([status])
    with pytest.raises(AccountRefused) as raised:
        sender(double, sleeps).send(dashboard(), RECIPIENT, "x")
    assert f"HTTP {status}" in str(raised.value) and len(double.requests) == 1 and not sleeps
