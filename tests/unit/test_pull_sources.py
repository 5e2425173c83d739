"""sources.yaml, secrets, the pull_marks migration and the pull_failed alert's words."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from connectors.http import PullError
from connectors.sources import SourceError, load_sources, parse_source, secret_of
from flows.pull import failure_alert
from reports.alert_context import alert_context
from warehouse.db import alembic_config, upgrade
from warehouse.models import Base

ODK = {"platform": "odk_central", "url": "https://central.example.bj", "project": 3, "form": "livraisons",
       "table": "deliveries", "user": "suivi@atda.example.bj", "password_env": "VIGIE_ODK_PASSWORD"}  # fmt: skip


def test_a_sources_file_is_read_and_each_mistake_named(tmp_path):
    path = tmp_path / "sources.yaml"
    assert load_sources(path) == ()
    path.write_text("sources:\n  kobo-1:\n    platform: kobo\n    url: https://kf.kobotoolbox.org/\n"
                    "    form: aBc\n    table: deliveries\n    token_block: kobo-token\n")  # fmt: skip
    (kobo,) = load_sources(path)
    assert (kobo.url, kobo.secret_block, kobo.page_size) == ("https://kf.kobotoolbox.org", "kobo-token", 500)
    for change, words in [({"platform": "aggregate"}, "platform"), ({"table": "ventes"}, "not a table"),
                          ({"password": "x"}, "unknown key"), ({"project": "3"}, "project"),
                          ({"password_block": "b"}, "exactly one"), ({"url": "central"}, "url")]:  # fmt: skip
        with pytest.raises(SourceError, match=words):
            parse_source("odk", {**ODK, **change})


def test_a_secret_comes_from_its_variable_or_block_and_is_never_shown(monkeypatch):
    source = parse_source("odk", ODK)
    monkeypatch.delenv("VIGIE_ODK_PASSWORD", raising=False)
    with pytest.raises(SourceError, match="VIGIE_ODK_PASSWORD is not set"):
        secret_of(source)
    assert secret_of(source, {"VIGIE_ODK_PASSWORD": " s3cret "}) == "s3cret"
    blocked = parse_source("odk", {**{k: v for k, v in ODK.items() if k != "password_env"}, "password_block": "odk"})
    assert secret_of(blocked, load_block=lambda name: "from-block") == "from-block"

    def broken(name):
        raise ValueError("the value s3cret leaked")

    with pytest.raises(SourceError) as refused:
        secret_of(blocked, load_block=broken)
    assert "s3cret" not in str(refused.value)


def test_migration_0005_matches_the_model_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if "pull_marks" in repr(d)] == []
    command.downgrade(alembic_config(url), "0004_unused_columns")
    assert "pull_marks" not in inspect(create_engine(url)).get_table_names()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pull_failed_alert_says_which_source_and_why(language):
    from datetime import UTC, datetime

    frame = failure_alert(parse_source("odk", ODK), PullError("unauthorized", "x"), datetime(2026, 3, 2, 9, tzinfo=UTC))
    alert = {**frame.iloc[0].to_dict(), "raised_at": "2026-03-02T09:00:00Z"}
    context = alert_context(alert, {"cluster_id": "*", "name": "*"}, None, None, "-", language)
    assert "odk" in context["alert"]["text"] and ("mot de passe" in context["alert"]["how_much"] or
                                                   "password" in context["alert"]["how_much"])  # fmt: skip
