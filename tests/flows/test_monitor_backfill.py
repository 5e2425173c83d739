"""`vigie backfill`: past campaigns reviewed one after the other, oldest first, each stored once."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from flows.cli import main
from flows.settings import load_settings
from warehouse.db import get_engine
from warehouse.models import OverallScore, Run


def test_backfill_reviews_campaigns_in_order(vigie_home, small_sample):
    result = CliRunner().invoke(
        main, ["backfill", "--data-dir", str(small_sample), "--no-deliver", "--campaigns", "2025", "2024", "2025"]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "clusters reviewed" in line]
    assert [line.split(":")[0] for line in lines] == ["2024", "2025"]
    engine = get_engine(load_settings().database_url)
    with engine.connect() as connection:
        runs = connection.execute(select(Run.season, Run.status).order_by(Run.started_at)).all()
        seasons = connection.execute(select(OverallScore.campaign)).scalars().all()
    assert runs == [("2024", "completed"), ("2025", "completed")]
    assert len(seasons) == 2 * 3  # three clusters, two seasons, each cluster on its own calendar's campaign


def test_backfill_refuses_a_malformed_campaign_before_running_anything(vigie_home, small_sample):
    result = CliRunner().invoke(main, ["backfill", "--data-dir", str(small_sample), "--campaigns", "2024", "24-25"])
    assert result.exit_code != 0 and "24-25" in result.output
    assert not (vigie_home / "vigie.db").exists()
