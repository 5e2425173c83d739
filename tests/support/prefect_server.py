"""Helpers of the tests that run a real `prefect server start`: a free port, the server's own environment, files
dropped in an inbox, flow runs and events read back from the API."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(tmp_path: Path, root: Path) -> dict[str, str]:
    """The environment of a server, worker and flows of their own: PREFECT_HOME, SQLite database, VIGIE_HOME and
    the inbox in `tmp_path`; nothing of the caller's PREFECT_* or VIGIE_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "VIGIE_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        VIGIE_PROJECT_DIR=str(root),
        VIGIE_HOME=str(tmp_path / "vigie-home"),
        VIGIE_INBOX_DIR=str(tmp_path / "inbox"),  # the worker's flow takes files from its own inbox only
        VIGIE_OFFICER_EMAILS="suivi@atda.example.bj",
    )
    return env


def drop(content: bytes, inbox: Path, name: str) -> None:
    """Put a file in the inbox the way a copy does: written aside, then renamed in."""
    staged = inbox.parent / f".{name}"
    staged.write_bytes(content)
    staged.rename(inbox / name)


def flow_runs(api_url: str, flow: str) -> list[dict]:
    """Every run of the flow named `flow`."""
    response = httpx.post(f"{api_url}/flow_runs/filter", json={"flows": {"name": {"any_": [flow]}}}, timeout=10)
    response.raise_for_status()
    return response.json()


def events_named(api_url: str, prefix: str) -> list[dict]:
    """The first 50 events whose name starts with `prefix`."""
    body = {"filter": {"event": {"prefix": [prefix]}, "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50}
    response = httpx.post(f"{api_url}/events/filter", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["events"]
