"""The grid engine: the packaged grid, malformed grids, value-chain and cluster overrides, the content hash."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from indicators import GridError, grid_for, load_grid, run_review
from indicators.grid import DEFAULT_GRID
from tests.support.frames import typed

C = "2024-2025"
BASE = yaml.safe_load(DEFAULT_GRID.read_text(encoding="utf-8"))


def write(path: Path, doc: object) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def broken(tmp_path: Path, change) -> Path:
    """A copy of the packaged grid with `change(doc)` applied."""
    doc = copy.deepcopy(BASE)
    change(doc)
    return write(tmp_path / "grid.yaml", doc)


def entry(doc: dict, indicator: str) -> dict:
    return next(e for e in doc["entries"] if e["id"] == indicator)


def test_packaged_grid_has_24_entries_on_6_axes_and_a_stable_hash():
    grid = load_grid()
    assert [e.id for e in grid.entries][:5] == ["1.1", "1.2", "1.3", "1.4", "2.1"] and len(grid.entries) == 24
    assert sorted(grid.axes) == [1, 2, 3, 4, 5, 6]
    assert all(sum(e.axis == axis for e in grid.entries) == 4 for axis in grid.axes)
    assert len(grid.grid_hash) == 64 and grid.grid_hash == load_grid().grid_hash
    assert grid.entry("4.1").metric == "assessment" and grid.entry("5.4").direction == "lower"


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        (lambda d: entry(d, "1.1").update(metric="meetings_per_moon"), "1.1", "unknown metric"),
        (lambda d: entry(d, "2.1").update(cuts=[0.75, 0.5, 0.95]), "2.1", "ascending"),
        (lambda d: entry(d, "2.2").update(cuts=[0.5, 0.75]), "2.2", "3 numbers"),
        (lambda d: entry(d, "3.1").update(direction="up"), "3.1", "unknown direction"),
        (lambda d: d["axes"].pop(6), "-", "missing axis"),
        (lambda d: entry(d, "6.4").update(axis=5), "6.4", "does not match"),
        (lambda d: d["entries"].append(copy.deepcopy(entry(d, "5.2"))), "5.2", "duplicate id"),
        (lambda d: d["entries"].pop(), "-", "23 entries, expected 24"),
        (lambda d: entry(d, "1.4").update(cuts=[1, 2, 3]), "1.4", "either cuts"),
        (lambda d: entry(d, "1.3").pop("cuts"), "1.3", "either cuts"),
        (lambda d: entry(d, "1.3").update(unit="percent"), "1.3", "unit"),
        (lambda d: entry(d, "1.3").update(params={"links": ["farmer"]}), "1.3", "unknown value"),
        (lambda d: entry(d, "4.2").update(mapping={0: 4, 1: 1}), "4.2", "rise"),
        (lambda d: entry(d, "5.1").pop("min_rows"), "5.1", "missing min_rows"),
        (lambda d: entry(d, "5.1").update(colour="red"), "5.1", "unknown field"),
    ],
)
def test_a_malformed_grid_names_file_entry_and_problem(tmp_path, change, where, problem):
    path = broken(tmp_path, change)
    with pytest.raises(GridError) as raised:
        load_grid(path)
    message = str(raised.value)
    assert str(path) in message and f"entry {where}" in message and problem in message, message


def test_unreadable_yaml_is_a_grid_error(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text("entries: [1.1, {", encoding="utf-8")
    with pytest.raises(GridError, match="not valid YAML"):
        load_grid(path)


def test_the_hash_changes_when_a_cut_changes(tmp_path):
    same = load_grid(broken(tmp_path, lambda d: None))
    assert same.grid_hash == load_grid().grid_hash  # content, not file path, is hashed
    moved = load_grid(broken(tmp_path, lambda d: entry(d, "1.1").update(cuts=[0.25, 0.5, 0.8])))
    assert moved.grid_hash != same.grid_hash


def resolved(grid, cluster_id: str, chain: str):
    """Entry 5.4 as it applies to one cluster."""
    return next(e for e in grid_for(grid, cluster_id, chain) if e.id == "5.4")


def chain_file(folder: Path, chain: str, changes: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder / f"{chain}.yaml", {"value_chain": chain, "entries": changes})


def losses_review(grid) -> dict[str, int]:
    """5.4 for two clusters with the same 12 % losses, one on rice, one on pineapple, and a third on rice."""
    losses = three_clusters(grid).indicators.query("indicator_id == '5.4'")
    return dict(zip(losses["cluster_id"], losses["score"], strict=True))


def three_clusters(grid):
    """The review of RIZ, ANA (pineapple) and RIZ2, each with 10 deliveries losing 12 %."""
    clusters = typed(
        "clusters",
        [
            {"cluster_id": "RIZ", "value_chain": "riz"},
            {"cluster_id": "ANA", "value_chain": "ananas"},
            {"cluster_id": "RIZ2", "value_chain": "riz"},
        ],
    )
    rows = [
        {"delivery_id": f"{cid}{i}", "cluster_id": cid, "campaign": C, "quantity_kg": 100.0, "accepted_kg": 88.0}
        for cid in ("RIZ", "ANA", "RIZ2")
        for i in range(10)
    ]
    return run_review({"clusters": clusters, "deliveries": typed("deliveries", rows)}, C, grid=grid)


def test_a_value_chain_override_changes_one_chain_only(tmp_path):
    assert losses_review(load_grid()) == {"ANA": 2, "RIZ": 2, "RIZ2": 2}  # 0.12: above 0.10 -> 2
    chain_file(tmp_path / "value_chain", "ananas", {"5.4": {"cuts": [0.08, 0.15, 0.25]}})
    grid = load_grid(overrides=[tmp_path])
    assert losses_review(grid) == {"ANA": 3, "RIZ": 2, "RIZ2": 2}  # pineapple: 0.12 in (0.08, 0.15] -> 3
    assert grid.grid_hash != load_grid().grid_hash
    assert resolved(grid, "ANA", "ananas").cuts == (0.08, 0.15, 0.25)
    assert resolved(grid, "ANA", "ananas").direction == "lower"  # kept from the base entry


def test_a_cluster_override_wins_over_its_chain_and_touches_no_other_cluster(tmp_path):
    chain_file(tmp_path / "chains", "riz", {"5.4": {"cuts": [0.08, 0.15, 0.25]}})
    cluster_dir = tmp_path / "clusters"
    cluster_dir.mkdir()
    write(cluster_dir / "riz2.yaml", {"cluster_id": "RIZ2", "entries": {"5.4": {"cuts": [0.12, 0.3, 0.4]}}})
    grid = load_grid(overrides=[tmp_path / "chains", cluster_dir])
    assert losses_review(grid) == {"ANA": 2, "RIZ": 3, "RIZ2": 4}  # RIZ2: 0.12 not above 0.12 -> 4


def test_the_review_carries_the_bands_each_cluster_was_scored_with_and_the_file_that_set_them(tmp_path):
    chain = chain_file(tmp_path / "chains", "riz", {"5.4": {"cuts": [0.08, 0.15, 0.25]}, "1.1": {"min_rows": 3}})
    mine = write(tmp_path / "riz2.yaml", {"cluster_id": "RIZ2", "entries": {"5.4": {"cuts": [0.12, 0.3, 0.4]}}})
    grid = load_grid(overrides=[tmp_path / "chains", mine])
    bands = three_clusters(grid).bands.set_index(["cluster_id", "indicator_id"])
    assert len(bands) == 3 * len(grid.entries)
    assert bands.loc[("ANA", "5.4"), ["cuts", "set_by"]].tolist() == [(0.05, 0.10, 0.20), grid.source]
    assert bands.loc[("RIZ", "5.4"), ["direction", "cuts", "set_by"]].tolist() == [
        "lower",
        (0.08, 0.15, 0.25),
        str(chain),
    ]
    assert bands.loc[("RIZ2", "5.4"), ["cuts", "set_by"]].tolist() == [(0.12, 0.3, 0.4), str(mine)]
    assert bands.loc[("RIZ2", "1.1"), ["min_rows", "set_by"]].tolist() == [3, grid.source]  # its chain's min_rows
    assert bands.loc[("RIZ", "4.1"), ["cuts", "mapping", "source_table"]].tolist() == [None, None, "assessments"]
    for cluster_id, chain_name in (("ANA", "ananas"), ("RIZ", "riz"), ("RIZ2", "riz")):  # one precedence for both
        entries = {e.id: (e.direction, e.cuts, e.mapping, e.min_rows) for e in grid_for(grid, cluster_id, chain_name)}
        carried = bands.loc[cluster_id][["direction", "cuts", "mapping", "min_rows"]]
        assert entries == {row[0]: row[1:] for row in carried.itertuples(name=None)}


def test_reports_word_the_bands_the_review_carries_without_reading_the_grid(tmp_path, monkeypatch):
    from flows import reporting

    chain_file(tmp_path, "riz", {"5.4": {"cuts": [0.08, 0.15, 0.25], "direction": "higher"}})
    review = three_clusters(load_grid(overrides=[tmp_path]))
    monkeypatch.setattr("indicators.grid._read_yaml", None)  # a report that read a grid file would fail here
    directions, tables = reporting.band_facts(review)
    assert directions["RIZ"]["5.4"] == "higher" and directions["ANA"]["5.4"] == "lower"
    assert tables["5.3"] == "deliveries" and tables["4.1"] == "assessments"


def test_an_override_of_min_rows_only_keeps_the_cuts(tmp_path):
    write(tmp_path / "a.yaml", {"cluster_id": "RIZ", "entries": {"5.4": {"min_rows": 50}}})
    grid = load_grid(overrides=[tmp_path / "a.yaml"])
    losses = resolved(grid, "RIZ", "riz")
    assert (losses.min_rows, losses.cuts) == (50, (0.05, 0.10, 0.20))
    assert pd.isna(losses_review(grid)["RIZ"])  # 10 deliveries < 50: insufficient data


@pytest.mark.parametrize(
    ("doc", "where", "problem"),
    [
        ({"value_chain": "riz", "entries": {"9.9": {"min_rows": 1}}}, "9.9", "id must look like"),
        ({"value_chain": "riz", "entries": {"4.1": {"cuts": [1, 2, 3]}}}, "4.1", "no cuts"),
        ({"value_chain": "riz", "entries": {"1.1": {"cuts": [3, 2, 1]}}}, "1.1", "ascending"),
        ({"value_chain": "riz", "entries": {"1.1": {"label_fr": "x"}}}, "1.1", "cannot be overridden"),
        ({"value_chain": "riz", "cluster_id": "A", "entries": {"1.1": {"min_rows": 1}}}, "-", "exactly one"),
    ],
)
def test_a_malformed_override_names_file_entry_and_problem(tmp_path, doc, where, problem):
    path = write(tmp_path / "bad.yaml", doc)
    with pytest.raises(GridError) as raised:
        load_grid(overrides=[path])
    assert str(path) in str(raised.value) and f"entry {where}" in str(raised.value) and problem in str(raised.value)


def test_the_same_entry_overridden_twice_for_one_target_is_refused(tmp_path):
    write(tmp_path / "a.yaml", {"value_chain": "riz", "entries": {"1.1": {"min_rows": 2}}})
    write(tmp_path / "b.yaml", {"value_chain": "riz", "entries": {"1.1": {"min_rows": 3}}})
    with pytest.raises(GridError, match="already overridden"):
        load_grid(overrides=[tmp_path])
