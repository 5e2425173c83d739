"""`vigie grid show` prints the committees' standing targets beside the entries they aim at."""

from __future__ import annotations

import json

from click.testing import CliRunner

from flows.cli import main


def _committee_files(home) -> None:
    grid_dir = home / "grid"
    grid_dir.mkdir(parents=True)
    (grid_dir / "CL-RIZ-01.yaml").write_text('cluster_id: CL-RIZ-01\nentries:\n  "3.1":\n    target_score: 3\n')
    (grid_dir / "riz.yaml").write_text(
        'value_chain: riz\nentries:\n  "3.1":\n    target_score: 2\n  "5.4":\n    target_value: 0.1\n'
    )


def test_a_cluster_view_shows_the_target_that_applies_to_it(vigie_home):
    _committee_files(vigie_home)
    shown = CliRunner().invoke(main, ["grid", "show", "--cluster", "CL-RIZ-01", "--value-chain", "riz"])
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[0]: line for line in shown.output.splitlines()[1:]}
    assert lines["3.1"].endswith("target: score 3"), "the cluster's own file wins over its value chain's"
    assert lines["5.4"].endswith("target: value 0.1"), "the value chain's target stands where the cluster sets none"
    assert "target" not in lines["1.1"]
    other = CliRunner().invoke(main, ["grid", "show", "--value-chain", "ananas"])
    assert "target" not in other.output, "another value chain has no target"


def test_the_programme_view_lists_every_standing_target_and_json_carries_them(vigie_home):
    _committee_files(vigie_home)
    shown = CliRunner().invoke(main, ["grid", "show"])
    assert shown.exit_code == 0, shown.output
    listed = shown.output.split("Standing targets")[1].splitlines()[1:]
    assert [line.split()[:4] for line in listed] == [
        ["cluster_id", "CL-RIZ-01", "3.1", "target:"],
        ["value_chain", "riz", "3.1", "target:"],
        ["value_chain", "riz", "5.4", "target:"],
    ]
    as_json = json.loads(CliRunner().invoke(main, ["grid", "show", "--value-chain", "riz", "--json"]).output)
    aimed = {
        e["id"]: (e["target_score"], e["target_value"])
        for e in as_json["entries"]
        if e["target_score"] or e["target_value"]
    }
    assert aimed == {"3.1": (2, None), "5.4": (None, 0.1)}
    assert len(as_json["targets"]) == 3


def test_without_committee_files_it_says_there_is_no_target(vigie_home):
    shown = CliRunner().invoke(main, ["grid", "show"])
    assert shown.exit_code == 0 and "No standing target" in shown.output
