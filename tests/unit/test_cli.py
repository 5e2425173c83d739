"""The `vigie` command line, without Prefect flows: generate, db upgrade, and clear errors."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from flows.cli import main
from schemas.tables import CONTRACTS
from warehouse.db import head_revision


def test_generate_writes_every_table(tmp_path):
    out = tmp_path / "sample"
    result = CliRunner().invoke(
        main,
        ["generate", "--clusters", "2", "--campaigns", "2", "--seed", "3", "--deliveries", "40", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert {path.stem for path in out.glob("*.csv")} == set(CONTRACTS), "one file per table of the contract"
    clusters = pd.read_csv(out / "clusters.csv")
    assert len(clusters) == 2
    reported = int(
        next(line for line in result.output.splitlines() if "deliveries" in line).split()[1].replace(",", "")
    )
    assert reported == len(pd.read_csv(out / "deliveries.csv"))


def test_db_upgrade_creates_the_sqlite_warehouse(vigie_home):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (vigie_home / "vigie.db").exists()
    assert head_revision() in result.output


def test_a_bad_setting_is_a_clear_error_not_a_traceback(vigie_home, monkeypatch):
    monkeypatch.setenv("VIGIE_EMAIL_BACKEND", "pigeon")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "VIGIE_EMAIL_BACKEND" in result.output and "Traceback" not in result.output


def test_season_help_names_the_season_and_hides_the_old_campaign_option():
    result = CliRunner().invoke(main, ["season", "--help"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())  # the help is wrapped to the terminal's width
    assert "--season" in words and "named by the year its campaigns end" in words
    assert "--campaign" not in words, "the deprecated alias is hidden"


def test_season_and_campaign_that_disagree_are_refused_before_any_review(vigie_home):
    result = CliRunner().invoke(main, ["season", "--season", "2025", "--campaign", "2024"])
    assert result.exit_code == 2, result.output
    assert "disagree" in result.output and "Traceback" not in result.output
    assert not (vigie_home / "vigie.db").exists(), "nothing was run"
