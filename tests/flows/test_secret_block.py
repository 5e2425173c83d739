"""The warehouse URL from a real Prefect Secret block (the harness's server), as a worker reads it."""

from __future__ import annotations

from prefect.blocks.system import Secret

from flows.settings import load_settings


def test_the_database_url_is_read_from_the_named_secret_block(tmp_path):
    url = f"sqlite:///{tmp_path / 'from-block.db'}"
    Secret(value=url).save("vigie-database-url-test", overwrite=True)
    settings = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_DATABASE_URL_BLOCK": "vigie-database-url-test"})
    assert settings.database_url == url
    assert url not in repr(settings)
