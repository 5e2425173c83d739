"""Integration tier: tests that start real servers of their own (Prefect); they run in the default suite."""


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "integration: starts a real Prefect server and workers (slow, bounded)")
