"""Vigie as an installed product: the database URL from a Secret block, the worker's environment declared in
prefect.yaml, the packaged prefect.yaml, and one line when the temporary Prefect server does not start."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

import flows
import flows.console
import flows.settings
from flows.serve import PACKAGED_PREFECT_FILE, declared_worker_env, prefect_file, worker_env
from flows.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
SECRET_URL = "postgresql+psycopg://vigie:s3cret-pass@db.example.bj/vigie"


@pytest.fixture
def secret_blocks(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Secret blocks by name, instead of a Prefect server."""
    blocks: dict[str, str] = {}

    def load(name: str) -> str:
        if name not in blocks:
            raise ValueError(f"Unable to find block document named {name}")
        return blocks[name]

    monkeypatch.setattr(flows.settings, "_load_secret", load)
    return blocks


def test_the_database_url_comes_from_the_named_secret_block_and_is_never_shown(tmp_path, secret_blocks):
    secret_blocks["vigie-database-url"] = SECRET_URL
    settings = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_DATABASE_URL_BLOCK": "vigie-database-url"})
    assert settings.database_url == SECRET_URL
    assert "s3cret" not in repr(settings)


def test_vigie_database_url_wins_over_the_block(tmp_path, secret_blocks):
    env = {"VIGIE_HOME": str(tmp_path), "VIGIE_DATABASE_URL": "sqlite:///x.db", "VIGIE_DATABASE_URL_BLOCK": "nope"}
    assert load_settings(env).database_url == "sqlite:///x.db"


def test_a_missing_block_is_a_settings_error_naming_the_variable(tmp_path, secret_blocks):
    with pytest.raises(SettingsError, match="VIGIE_DATABASE_URL_BLOCK='vigie-database-url'"):
        load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_DATABASE_URL_BLOCK": "vigie-database-url"})


def test_every_deployment_declares_the_same_worker_environment_without_the_database_url():
    deployments = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["deployments"]
    envs = [d["work_pool"]["job_variables"]["env"] for d in deployments]
    assert all(env == envs[0] for env in envs)
    assert {"VIGIE_DATABASE_URL_BLOCK", "VIGIE_STORE_URL", "VIGIE_SITE_STORE_URL"} <= set(envs[0])
    own = set(yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))["definitions"]["worker_own"])
    assert own == {"VIGIE_HOME", "VIGIE_INBOX_DIR", "VIGIE_OUTBOX_DIR", "VIGIE_INTAKE_QUEUE"}
    assert not own & set(envs[0]), "each worker's own folders and queue are never carried by a deployment"
    assert "VIGIE_DATABASE_URL" not in envs[0]
    assert all(value == "{{ $%s }}" % name for name, value in envs[0].items())  # noqa: UP031


def test_every_variable_vigie_reads_is_declared_for_the_worker_but_the_database_url():
    read = set()
    for source in [*(ROOT / "flows").glob("*.py"), ROOT / "schemas" / "readers" / "limits.py"]:
        read |= set(re.findall(r"\"(VIGIE_[A-Z_]+[A-Z])\"", source.read_text("utf-8")))
    unsaid = {"VIGIE_DATABASE_URL", "VIGIE_PROJECT_DIR"}  # a secret (the block's name is declared); set by serve
    assert read - unsaid <= declared_worker_env(ROOT / "prefect.yaml"), "declare it in prefect.yaml's worker_env"
    assert "VIGIE_MAX_ROWS" in read and "VIGIE_TASK_TIMEOUT_S" in read


def test_the_packaged_prefect_yaml_is_the_checkouts():
    assert PACKAGED_PREFECT_FILE.read_bytes() == (ROOT / "prefect.yaml").read_bytes()
    assert prefect_file(ROOT) == ROOT / "prefect.yaml"
    assert prefect_file(ROOT / "docs") == PACKAGED_PREFECT_FILE


def test_the_deploy_step_fills_in_every_declared_variable_with_absolute_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    declared = declared_worker_env(ROOT / "prefect.yaml")
    values = worker_env({"VIGIE_INBOX_DIR": "in", "VIGIE_EMAIL_BACKEND": "file"}, declared)
    assert set(values) == declared
    assert values["VIGIE_HOME"] == str(tmp_path / "var")
    assert values["VIGIE_INBOX_DIR"] == str(tmp_path / "in")
    assert values["VIGIE_EMAIL_BACKEND"] == "file" and values["VIGIE_SITE_URL"] == ""


def test_an_unresolved_placeholder_reads_as_unset(monkeypatch):
    monkeypatch.setenv("VIGIE_SITE_URL", "{{ $VIGIE_SITE_URL }}")
    monkeypatch.setenv("VIGIE_SENDER", "Vigie <{{ $VIGIE_SITE_URL }}>")
    flows._drop_unresolved_placeholders()
    assert "VIGIE_SITE_URL" not in os.environ and os.environ["VIGIE_SENDER"].startswith("Vigie")


def test_vigie_waits_longer_for_the_temporary_server_unless_told():
    assert int(os.environ[flows.EPHEMERAL_STARTUP_TIMEOUT]) >= 60 or "PYTEST_XDIST_WORKER" in os.environ


def test_a_temporary_server_that_does_not_start_ends_in_one_line(monkeypatch, capsys):
    def slow_server() -> None:
        try:
            raise RuntimeError(flows.console.EPHEMERAL_TIMEOUT_MESSAGE + ". stdout: ...")
        except RuntimeError as error:
            raise ValueError("flow run failed") from error

    monkeypatch.setattr("flows.cli.main", slow_server)
    monkeypatch.setenv(flows.EPHEMERAL_STARTUP_TIMEOUT, "120")
    with pytest.raises(SystemExit) as stop:
        flows.console.main()
    assert str(stop.value.code).count("\n") == 0 and "within 120 s" in str(stop.value.code)


def test_other_errors_are_not_hidden(monkeypatch):
    def broken() -> None:
        raise RuntimeError("something else")

    monkeypatch.setattr("flows.cli.main", broken)
    with pytest.raises(RuntimeError, match="something else"):
        flows.console.main()


def test_the_dhis2_token_may_come_from_a_secret_block_and_its_errors_name_the_variable(secret_blocks):
    from flows.cli_export import dhis2_token
    from flows.settings import load_settings

    secret_blocks["dhis2-token"] = " d2pat_abc123 "
    assert dhis2_token(load_settings({"VIGIE_DHIS2_TOKEN_BLOCK": "dhis2-token"})) == "d2pat_abc123"
    assert dhis2_token(load_settings({"VIGIE_DHIS2_TOKEN": "own", "VIGIE_DHIS2_TOKEN_BLOCK": "dhis2-token"})) == "own"
    with pytest.raises(SettingsError, match="VIGIE_DHIS2_TOKEN_BLOCK='nope'") as refused:
        dhis2_token(load_settings({"VIGIE_DHIS2_TOKEN_BLOCK": "nope"}))
    secret_blocks["empty"] = " "
    with pytest.raises(SettingsError, match="empty or not text"):
        dhis2_token(load_settings({"VIGIE_DHIS2_TOKEN_BLOCK": "empty"}))
    assert "d2pat" not in str(refused.value)
