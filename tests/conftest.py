"""Shared fixtures: every test runs with its own VIGIE_HOME and none of the caller's Vigie settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

VIGIE_VARIABLES = [name for name in os.environ if name.startswith("VIGIE_")] + ["SENDGRID_API_KEY"]


@pytest.fixture
def vigie_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh VIGIE_HOME with default settings (SQLite warehouse, file outbox)."""
    for name in VIGIE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "vigie-home"
    monkeypatch.setenv("VIGIE_HOME", str(home))
    monkeypatch.setenv("VIGIE_OFFICER_EMAILS", "suivi@atda.example.bj")
    return home
