"""Shared fixtures: every test runs with its own VIGIE_HOME and none of the caller's Vigie settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example time limit: on two busy cores (or beside a second pytest worker) a 200 ms deadline fails examples
# that take 50 ms on a quiet machine; speed is measured in benchmarks/, never in tests.
settings.register_profile("vigie", deadline=None)
settings.load_profile("vigie")

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


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback, once per test session."""
    from tests.support.s3 import start_s3

    server = start_s3()
    yield server
    server.stop()


@pytest.fixture
def s3_store(s3_server, vigie_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh store folder in the local S3 bucket, set as VIGIE_STORE_URL with its credentials."""
    import uuid

    from tests.support.s3 import BUCKET

    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    url = f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}/store"
    monkeypatch.setenv("VIGIE_STORE_URL", url)
    return url


@pytest.fixture(scope="session")
def two_cluster_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny generated sample (2 clusters, 2 campaigns, 40 deliveries each, seed 5) shared by the store's crash
    tests on disk and on S3; never modified."""
    from synthetic import generate

    out = tmp_path_factory.mktemp("two-cluster-sample")
    generate(out, clusters=2, campaigns=2, seed=5, deliveries_per_cluster_campaign=40)
    return out
