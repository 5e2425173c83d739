"""What `vigie` says when its surroundings are wrong: a line or two, an exit code, no traceback, no secret."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from flows.cli import main
from flows.cli_errors import mask_secrets, quiet_prefect

PASSWORD = "s3cr3t-pw"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_version_names_the_package():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"vigie {version('vigie')}"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://vigie:{PASSWORD}@db:port/vigie",  # a port that is no number
        f"postgresql+psycopg://vigie:{PASSWORD}@x@db/vigie",  # an @ in the password, unescaped
        f"not a url {PASSWORD}",
        f"postgrs://vigie:{PASSWORD}@db/vigie",  # unknown dialect
    ],
)
def test_a_malformed_database_url_is_a_configuration_error_that_never_shows_the_password(vigie_home, monkeypatch, url):
    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    result = run("outbox", "list")
    assert result.exit_code == 2, result.output
    assert "VIGIE_DATABASE_URL" in result.output and PASSWORD not in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2


def test_an_unreachable_warehouse_says_so_in_two_lines(vigie_home, monkeypatch):
    monkeypatch.setenv("VIGIE_DATABASE_URL", f"postgresql+psycopg://vigie:{PASSWORD}@127.0.0.1:1/vigie")
    result = run("outbox", "list")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and "vigie:***@127.0.0.1:1" in lines[0] and "VIGIE_DATABASE_URL" in lines[1]
    assert PASSWORD not in result.output


def test_a_warehouse_not_migrated_says_what_to_run_and_debug_shows_the_traceback(vigie_home, monkeypatch):
    from flows import adapters
    from warehouse.db import DatabaseNotReady

    def not_ready(url):
        raise DatabaseNotReady(
            "database postgresql://vigie:***@db/vigie is not at the latest schema: run `vigie db upgrade`"
        )

    monkeypatch.setattr(adapters, "get_engine", not_ready)
    result = run("outbox", "list")
    assert result.exit_code == 1 and "vigie db upgrade" in result.output and "Traceback" not in result.output
    debug = run("--debug", "outbox", "list")
    assert debug.exit_code != 0 and isinstance(debug.exception, DatabaseNotReady)


def test_an_unreachable_prefect_api_names_it_and_what_to_start(vigie_home, monkeypatch):
    from flows import delivery

    def unreachable():
        raise RuntimeError("Failed to reach API at http://127.0.0.1:9/api/")

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setattr(delivery, "deliver_outbox", unreachable)
    result = run("deliver")
    assert result.exit_code == 1 and "http://127.0.0.1:9/api" in result.output and "vigie serve" in result.output


def test_a_missing_sendgrid_key_is_a_configuration_error(vigie_home, monkeypatch):
    from flows import delivery
    from reports.sendgrid_sender import SendGridConfigError

    def no_key():
        raise SendGridConfigError("No SendGrid API key: set SENDGRID_API_KEY or create the Prefect Secret block")

    monkeypatch.setattr(delivery, "deliver_outbox", no_key)
    result = run("deliver")
    assert result.exit_code == 2 and "SENDGRID_API_KEY" in result.output and "Traceback" not in result.output


def test_an_unexpected_error_is_one_line_and_a_hint_without_its_secrets(vigie_home, monkeypatch):
    from flows import delivery

    monkeypatch.setenv("SENDGRID_API_KEY", "k3y-of-the-programme")

    def broken():
        raise KeyError("k3y-of-the-programme rejected by postgresql://a:b-secret@h/d")

    monkeypatch.setattr(delivery, "deliver_outbox", broken)
    result = run("deliver")
    assert result.exit_code == 1 and "--debug" in result.output
    assert "k3y-of-the-programme" not in result.output and "b-secret" not in result.output


def test_masking_covers_urls_keys_and_malformed_urls():
    text = mask_secrets("postgresql://u:p@ss@[h/x and SG.abcdefgh.ijklmnop and redis://:pw@h")
    assert "p@ss" not in text and "SG.abcdefgh" not in text and ":pw@" not in text


def test_prefect_log_lines_stay_off_the_terminal_unless_verbose():
    import prefect.logging.handlers  # noqa: F401  (Prefect's console handler is on the root logger once imported)

    handlers = [h for h in logging.getLogger().handlers if type(h).__name__ == "PrefectConsoleHandler"]
    assert handlers, "Prefect's console handler is on the root logger"
    before = [h.level for h in handlers]
    try:
        quiet_prefect(False)
        assert all(h.level == logging.CRITICAL for h in handlers)
        assert all(h.stream is not __import__("sys").stdout for h in handlers), "never on standard output"
        quiet_prefect(True)
        assert all(h.level == logging.NOTSET for h in handlers)
    finally:
        for handler, level in zip(handlers, before, strict=True):
            handler.setLevel(level)
