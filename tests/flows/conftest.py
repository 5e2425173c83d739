"""Flow tier: one Prefect test harness for the whole session (it takes about 12 s to start, a minute or more on
two busy cores: its limit is generous)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness

HARNESS_STARTUP_TIMEOUT = 240  # seconds; Prefect's default of 30 fails on a loaded machine


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "integration: reads runs back from a real Prefect server (slow, bounded)")


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=HARNESS_STARTUP_TIMEOUT),
    ):
        yield


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sample: 3 clusters, 3 campaigns, few deliveries (shared, never modified)."""
    from synthetic import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, clusters=3, campaigns=3, seed=7, deliveries_per_cluster_campaign=150)
    return out


@pytest.fixture(scope="session")
def demo_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample `vigie demo` generates: 6 clusters, 3 campaigns, seed 42 (shared, never modified)."""
    from synthetic import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, clusters=6, campaigns=3, seed=42)
    return out
