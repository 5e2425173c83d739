"""`vigie season --json` prints, per cluster, the 24 indicators, the 6 axes, the overall score and level."""

from __future__ import annotations

import json

from click.testing import CliRunner

from flows.cli import main


def test_season_json_reports_every_cluster(vigie_home, small_sample):
    result = CliRunner().invoke(main, ["season", "--data-dir", str(small_sample), "--no-deliver", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # one JSON document on standard output, nothing else
    assert len(payload["clusters"]) == 3 and len(payload["grid_hash"]) == 64
    ids = sorted(f"{axis}.{n}" for axis in range(1, 7) for n in range(1, 5))
    for cluster in payload["clusters"]:
        assert sorted(i["indicator_id"] for i in cluster["indicators"]) == ids
        assert [a["axis"] for a in cluster["axes"]] == [1, 2, 3, 4, 5, 6]
        assert cluster["overall"]["level"] in {"critique", "fragile", "en_progres", "performant"}
        scored = [i["score"] for i in cluster["indicators"] if i["status"] != "insufficient_data"]
        assert all(1 <= s <= 4 for s in scored)
        assert all(i["score"] is None for i in cluster["indicators"] if i["status"] == "insufficient_data")


def test_an_unknown_cluster_is_a_clear_error(vigie_home, small_sample):
    result = CliRunner().invoke(main, ["season", "--data-dir", str(small_sample), "--cluster", "CL-NOPE", "--json"])
    assert result.exit_code != 0
    assert "CL-NOPE" in str(result.exception) + result.output


def test_season_without_a_folder_reviews_what_intake_stored(vigie_home, small_sample):
    submitted = CliRunner().invoke(main, ["submit", str(small_sample), "--json"])
    assert submitted.exit_code == 0, submitted.output
    result = CliRunner().invoke(main, ["season", "--no-deliver", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index('{\n  "run_id"') :])
    assert len(payload["clusters"]) == 3
    assert all(len(cluster["indicators"]) == 24 for cluster in payload["clusters"])


def _season_runs() -> list[tuple[str, str]]:
    from sqlalchemy import select

    from flows.settings import load_settings
    from warehouse.db import get_engine
    from warehouse.models import Run

    with get_engine(load_settings().database_url).connect() as connection:
        return [tuple(r) for r in connection.execute(select(Run.kind, Run.season).where(Run.kind == "season"))]


def test_season_names_the_season_and_each_cluster_keeps_its_own_campaign(vigie_home, small_sample):
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    result = CliRunner().invoke(
        main, ["season", "--data-dir", str(small_sample), "--season", "2025", "--no-deliver", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "--campaign" not in result.stderr, "no note for the option's own name"
    payload = json.loads(result.stdout)
    assert payload["season"] == "2025"
    campaigns = {cluster["campaign"] for cluster in payload["clusters"]}
    assert campaigns and all(c.endswith("2025") for c in campaigns), campaigns  # `2025` or `2024-2025`
    assert _season_runs() == [("season", "2025")], "the run stores the season reviewed, not a cluster's campaign"
    with get_client(sync_client=True) as client:
        run = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(payload["run_id"])])))
    assert run[0].parameters["season"] == "2025" and run[0].name == "season-2025"


def test_the_old_campaign_option_still_reviews_the_season_and_says_it_is_deprecated(vigie_home, small_sample):
    result = CliRunner().invoke(main, ["season", "--data-dir", str(small_sample), "--campaign", "2025", "--no-deliver"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "--campaign" in line]
    assert len(notes) == 1 and "--season" in notes[0] and "ancien nom" in notes[0], result.stderr
    assert "Season 2025: 3 clusters reviewed" in result.stdout
    assert _season_runs() == [("season", "2025")]
