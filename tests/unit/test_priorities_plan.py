"""What to fix first, the levers, the committee's targets and the follow-up of its action plan, on tiny frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from indicators import GridError, load_grid, resolve_bands
from indicators.action_plan import follow_up, indicator_targets, plan_counts, reviewed_plan
from indicators.priorities import choose_priorities, load_priority_rules

RULES = {"max_priorities": 3, "decline_weight": 1.0, "coverage_weight": 0.25, "insufficient_gap": 1.5,
         "min_urgency": 1.5}  # fmt: skip


def scores(rows: list[tuple]) -> pd.DataFrame:
    """Indicator rows of cluster CL1: (indicator id, score or None, previous score or None)."""
    return pd.DataFrame(
        [
            {
                "cluster_id": "CL1",
                "campaign": "2025",
                "indicator_id": i,
                "axis": int(i[0]),
                "score": s,
                "previous_score": p,
            }
            for i, s, p in rows
        ]  # fmt: skip
    ).astype({"score": "Int64", "previous_score": "Int64"})


def axes(coverage: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame([{"cluster_id": "CL1", "axis": a, "coverage": c} for a, c in coverage.items()])


def test_priorities_are_the_lowest_and_falling_scores_at_most_three_and_may_lack_data():
    rows = [("1.1", 3, 3), ("1.2", 2, 2), ("2.1", 1, 1), ("3.1", 3, 4), ("4.1", None, None), ("5.1", 4, 4)]
    chosen = choose_priorities(scores(rows), axes({1: 1.0, 2: 1.0, 3: 1.0, 4: 0.0, 5: 1.0}), RULES)
    # 2.1: (4-1) = 3; 1.2: (4-2) = 2; 3.1: (4-3+1 level lost) = 2, after 1.2 (a tie goes to the lower score);
    # 4.1 (no data, its axis unseen): 1.5 x (1 - 0.25 x 0) = 1.5, fourth, left out by max_priorities.
    assert list(chosen["indicator_id"]) == ["2.1", "1.2", "3.1"]
    assert list(chosen["kind"]) == ["critical", "low", "decline"] and list(chosen["rank"]) == [1, 2, 3]
    fewer = choose_priorities(scores([("1.1", 3, 3), ("4.1", None, None)]), axes({1: 1.0, 4: 0.0}), RULES)
    assert list(fewer["indicator_id"]) == ["4.1"] and fewer.iloc[0]["kind"] == "unscored"  # a 3 that held is none


def test_a_thinly_covered_axis_weighs_its_scores_less_and_its_missing_data_more():
    rows = [("1.1", 2, 2), ("2.1", 2, 2), ("3.1", None, None), ("4.1", None, None)]
    chosen = choose_priorities(scores(rows), axes({1: 1.0, 2: 0.25, 3: 0.0, 4: 0.75}), RULES)
    urgency = dict(zip(chosen["indicator_id"], chosen["urgency"], strict=True))
    assert urgency["1.1"] == 2.0 and urgency["2.1"] == pytest.approx(2 * (1 - 0.25 * 0.75))
    assert "3.1" in urgency and "4.1" not in urgency  # 1.5 on an unseen axis; 1.5 x 0.8125 < 1.5 on a seen one


def test_packaged_priority_rules_load_and_a_bad_one_is_refused(tmp_path):
    assert load_priority_rules()["max_priorities"] == 3
    bad = tmp_path / "priorities.yaml"
    bad.write_text(yaml.safe_dump({**RULES, "coverage_weight": "much"}), encoding="utf-8")
    with pytest.raises(ValueError, match="coverage_weight"):
        load_priority_rules(str(bad))


def test_every_indicator_has_levers_in_french_and_english():
    grid = load_grid()
    assert all(len(e.levers_fr) > 20 and len(e.levers_en) > 20 for e in grid.entries)
    assert "contrat" in grid.entry("3.1").levers_fr and "contract" in grid.entry("3.1").levers_en


def override(folder: Path, entries: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "CL1.yaml").write_text(yaml.safe_dump({"cluster_id": "CL1", "entries": entries}), encoding="utf-8")
    return folder


def test_a_committee_overrides_a_lever_and_sets_a_standing_target_for_its_cluster_only(tmp_path):
    grid = load_grid(overrides=[override(tmp_path / "g", {"5.4": {"levers_fr": "Sécher sur bâche.",
                                                                   "target_score": 3}})])  # fmt: skip
    bands = resolve_bands(grid, pd.DataFrame({"cluster_id": ["CL1", "CL2"], "value_chain": ["riz", "riz"]}))
    mine = bands.set_index(["cluster_id", "indicator_id"])
    assert mine.loc[("CL1", "5.4"), "levers_fr"] == "Sécher sur bâche."
    assert mine.loc[("CL1", "5.4"), "levers_en"] == grid.entry("5.4").levers_en  # not overridden: the grid's
    assert mine.loc[("CL1", "5.4"), "target_score"] == 3 and pd.isna(mine.loc[("CL2", "5.4"), "target_score"])
    assert mine.loc[("CL2", "5.4"), "levers_fr"] == grid.entry("5.4").levers_fr


@pytest.mark.parametrize(
    "change, problem",
    [({"target_score": 5}, "target_score"), ({"target_value": "high"}, "target_value"),
     ({"target_score": 2, "target_value": 0.1}, "not both"), ({"levers_fr": ""}, "levers_fr")],
)  # fmt: skip
def test_a_malformed_target_or_lever_is_refused_naming_file_and_entry(tmp_path, change, problem):
    folder = override(tmp_path / "g", {"5.4": change})
    with pytest.raises(GridError, match=problem) as raised:
        load_grid(overrides=[folder])
    assert "CL1.yaml" in str(raised.value) and "5.4" in str(raised.value)


PLAN = pd.DataFrame(
    [
        ("A1", "5.4", "2025-03-01", 3, None, "done", "2025-02-20"),  # done in time, target 3 reached (score 3)
        ("A2", "3.1", "2025-04-01", None, 0.5, "in_progress", None),  # overdue; 0.6 of volume contracted >= 0.5
        ("A3", "5.4", "2025-05-01", None, 0.05, "done", "2025-06-01"),  # late; losses 0.08 > 0.05: not reached
        ("A4", "4.2", "2026-01-15", 2, None, "planned", None),  # due after the campaign; 4.2 has no data
        ("A5", "1.1", "2025-02-01", None, None, "dropped", None),
    ],
    columns=["action_id", "indicator_id", "due_on", "target_score", "target_value", "action_status", "done_on"],
).assign(cluster_id="CL1", campaign="2025", action="agir", owner="comité", note=None)
PLAN = PLAN.astype({"target_score": "Int64", "target_value": "Float64", "due_on": "datetime64[us]",
                    "done_on": "datetime64[us]"})  # fmt: skip
INDICATORS = pd.DataFrame(
    {
        "cluster_id": "CL1",
        "indicator_id": ["5.4", "3.1", "4.2", "1.1"],
        "score": pd.array([3, 2, None, 4], "Int64"),
        "value": [0.08, 0.6, None, 1.0],
    }  # fmt: skip
)
BANDS = pd.DataFrame(
    {
        "cluster_id": "CL1",
        "indicator_id": ["5.4", "3.1", "4.2", "1.1"],
        "direction": ["lower", "higher", "higher", "higher"],
        "target_score": [None, None, None, 4],
        "target_value": None,
    }  # fmt: skip
)


def test_follow_up_says_done_in_time_late_overdue_or_not_due_and_whether_each_target_was_reached():
    actions = reviewed_plan(PLAN, {"CL1": "2025", "CL2": "2025"})
    follow = follow_up(actions, INDICATORS, BANDS, {"CL1": date(2025, 12, 31)}).set_index("action_id")
    assert dict(follow["timing"]) == {"A1": "on_time", "A2": "overdue", "A3": "late", "A4": "not_due",
                                      "A5": "dropped"}  # fmt: skip
    reached = follow["target_reached"]
    assert reached["A1"] and reached["A2"] and not reached["A3"]  # A3: lower is better, 0.08 is above 0.05
    assert pd.isna(reached["A4"]) and pd.isna(reached["A5"])  # no data for 4.2; A5 set no target


def test_targets_come_from_the_plan_first_then_from_the_committees_grid():
    targets = indicator_targets(reviewed_plan(PLAN, {"CL1": "2025"}), BANDS).set_index("indicator_id")
    assert targets.loc["5.4", "target_score"] == 3 and pd.isna(targets.loc["5.4", "target_value"])  # score first
    assert targets.loc["3.1", "target_value"] == 0.5 and targets.loc["1.1", "target_from"] == "grid"
    assert set(targets["target_from"]) == {"plan", "grid"}


def test_counts_tell_a_cluster_without_a_plan_and_count_overdue_actions_and_targets_met():
    follow = follow_up(reviewed_plan(PLAN, {"CL1": "2025"}), INDICATORS, BANDS, {"CL1": date(2025, 12, 31)})
    counts = plan_counts(follow, ["CL1", "CL2"]).set_index("cluster_id")
    assert bool(counts.loc["CL1", "has_plan"]) and not bool(counts.loc["CL2", "has_plan"])
    assert counts.loc["CL1", ["actions", "done", "overdue", "targets", "targets_met"]].tolist() == [5, 2, 1, 4, 2]
    assert counts.loc["CL2", "actions"] == 0
    no_plan = follow_up(reviewed_plan(None, {"CL2": "2025"}), INDICATORS, BANDS, {})
    assert no_plan.empty and not plan_counts(no_plan, ["CL2"]).iloc[0]["has_plan"]


def test_without_any_action_plan_table_every_cluster_has_no_plan_and_nothing_breaks():
    actions = reviewed_plan(None, {"CL1": "2025"})
    assert indicator_targets(actions, BANDS).set_index("indicator_id")["target_from"].to_dict() == {"1.1": "grid"}
    assert follow_up(actions, INDICATORS, BANDS, {}).empty
