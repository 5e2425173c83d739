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
