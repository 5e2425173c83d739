"""A committee changes a cut-off in its own YAML file: the next review scores with it, and says so."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from flows.cli import main
from flows.season import season_review


def test_a_cluster_override_changes_only_that_cluster(vigie_home, small_sample, monkeypatch):
    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    target, other = clusters["cluster_id"].iloc[0], clusters["cluster_id"].iloc[1]
    before = season_review(data_dir=str(small_sample), deliver=False)["review"]
    grid_dir = vigie_home / "grid"
    grid_dir.mkdir(parents=True)
    # 5.4 rejected share, lower is better: cuts so strict that any loss above 0.1 % scores 1
    (grid_dir / f"{target}.yaml").write_text(
        f'cluster_id: {target}\nentries:\n  "5.4":\n    cuts: [0.0001, 0.0002, 0.0003]\n', encoding="utf-8"
    )
    after = season_review(data_dir=str(small_sample), deliver=False)["review"]
    assert after.grid_hash != before.grid_hash, "the stored grid hash must follow the committee's change"

    def score(review, cluster_id):
        rows = review.indicators
        return rows[(rows["cluster_id"] == cluster_id) & (rows["indicator_id"] == "5.4")].iloc[0]

    assert score(before, target)["value"] > 0.0003
    assert score(after, target)["score"] == 1
    assert score(after, other)["score"] == score(before, other)["score"], "another cluster keeps its grid"

    shown = CliRunner().invoke(main, ["grid", "show", "--cluster", target, "--json"])
    assert shown.exit_code == 0, shown.output
    entry = next(e for e in json.loads(shown.output)["entries"] if e["id"] == "5.4")
    assert entry["cuts"] == [0.0001, 0.0002, 0.0003]


def test_a_malformed_override_is_refused_with_file_and_entry(vigie_home, small_sample):
    grid_dir = vigie_home / "grid"
    grid_dir.mkdir(parents=True)
    (grid_dir / "bad.yaml").write_text('value_chain: riz\nentries:\n  "5.4":\n    cuts: [0.3, 0.2, 0.1]\n')
    result = CliRunner().invoke(main, ["grid", "show"])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output and "5.4" in result.output
