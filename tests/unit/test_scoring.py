"""Bands, boundaries, levels and aggregation; hypothesis properties of the scoring engine."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import load_grid
from indicators.aggregate import axis_scores, level_of, overall_scores, round_half_up
from indicators.rules import apply_rules, compile_rules

GRID = load_grid()


def score(spec: tuple, values: list[float]) -> list[float]:
    """Scores of `values` under one (direction, cuts, mapping) spec."""
    table = compile_rules([spec])
    result, _, _ = apply_rules(np.array(values, dtype=float), np.zeros(len(values), dtype=int), table)
    return [None if math.isnan(s) else int(s) for s in result]


def test_higher_is_better_a_value_on_a_cut_takes_the_upper_band():
    spec = ("higher", (0.25, 0.5, 0.9), None)
    assert score(spec, [0.0, 0.2499, 0.25, 0.4999, 0.5, 0.9, 1.0]) == [1, 1, 2, 2, 3, 4, 4]


def test_lower_is_better_a_value_on_a_cut_takes_the_better_band():
    spec = ("lower", (0.05, 0.10, 0.20), None)  # > 0.20 gives 1, > 0.10 gives 2, > 0.05 gives 3, otherwise 4
    assert score(spec, [0.0, 0.05, 0.0501, 0.10, 0.1001, 0.20, 0.2001, 1.0]) == [4, 4, 3, 3, 2, 2, 1, 1]


def test_a_mapping_steps_from_each_value_upward():
    spec = ("higher", None, ((0.0, 1), (2.0, 2), (4.0, 3), (6.0, 4)))  # 4.3: 0-1, 2-3, 4-5, 6+
    assert score(spec, [0, 1, 2, 3, 4, 5, 6, 11]) == [1, 1, 2, 2, 3, 3, 4, 4]


def test_band_bounds_are_reported_open_where_open():
    table = compile_rules([("higher", (0.25, 0.5, 0.9), None), ("lower", (0.05, 0.10, 0.20), None)])
    _, low, high = apply_rules(np.array([0.1, 0.95, 0.5, 0.01]), np.array([0, 0, 1, 1]), table)
    assert [None if math.isnan(v) else v for v in low] == [None, 0.9, 0.2, None]
    assert [None if math.isnan(v) else v for v in high] == [0.25, None, None, 0.05]


def test_no_value_has_no_score():
    assert score(("higher", (0.25, 0.5, 0.9), None), [float("nan")]) == [None]


def test_rounding_noise_does_not_move_a_value_off_its_cut():
    assert score(("higher", (0.0, 0.05, 0.15), None), [23 / 20 - 1]) == [4]  # 0.1499999... is 0.15 by hand


@pytest.mark.parametrize(
    ("value", "level"),
    [(1.0, "critique"), (1.74, "critique"), (1.75, "fragile"), (2.5, "en_progres"), (3.25, "performant")],
)
def test_levels_cut_below_each_bound(value, level):
    assert level_of(pd.Series([value]), GRID).tolist() == [level]


def test_round_half_up():
    assert round_half_up([2.25, 2.75, 2.35, 3.333], 1).tolist() == [2.3, 2.8, 2.4, 3.3]


cuts = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=3, unique=True).map(sorted)
values = st.floats(-2e3, 2e3, allow_nan=False)


@given(cuts=cuts, a=values, b=values, direction=st.sampled_from(["higher", "lower"]))
@settings(max_examples=150, deadline=None)
def test_a_better_metric_never_gives_a_worse_score(cuts, a, b, direction):
    low, high = sorted([a, b])
    worse, better = (low, high) if direction == "higher" else (high, low)
    scored = score((direction, tuple(cuts), None), [worse, better])
    assert scored[1] >= scored[0]
    assert all(s in (1, 2, 3, 4) for s in scored)


@given(
    steps=st.dictionaries(st.integers(0, 20), st.integers(1, 4), min_size=2, max_size=6),
    a=st.integers(0, 30),
    b=st.integers(0, 30),
)
@settings(max_examples=80, deadline=None)
def test_a_larger_count_never_scores_worse_under_a_rising_mapping(steps, a, b):
    mapping = tuple(zip(sorted(steps), sorted(steps.values()), strict=True))
    scored = score(("higher", None, mapping), [min(a, b), max(a, b)])
    assert scored[1] >= scored[0] and all(s in (1, 2, 3, 4) for s in scored)


def scored_frame(scores: list[int | None]) -> pd.DataFrame:
    """One season's 24 indicators with the given scores (None: insufficient data)."""
    return pd.DataFrame(
        {
            "cluster_id": "A",
            "campaign": "2025",
            "indicator_id": [e.id for e in GRID.entries],
            "axis": [e.axis for e in GRID.entries],
            "score": pd.array(scores, dtype="Int64"),
        }
    )


@given(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=24, max_size=24))
@settings(max_examples=40, deadline=None)
def test_aggregation_ignores_insufficient_data(scores):
    frame = scored_frame(scores)
    axes = axis_scores(frame, GRID)
    for axis in range(1, 7):
        mine = [s for s in scores[(axis - 1) * 4 : axis * 4] if s is not None]
        got = axes.loc[axes["axis"] == axis].iloc[0]
        assert got["n_scored"] == len(mine) and got["coverage"] == len(mine) / 4
        if mine:
            assert got["score"] == pytest.approx(round_half_up([sum(mine) / len(mine)], 1)[0])
            assert 1 <= got["score"] <= 4
        else:
            assert math.isnan(got["score"])
    overall = overall_scores(axes, frame, GRID).iloc[0]
    scored_axes = axes["score"].dropna()
    assert overall["coverage"] == sum(s is not None for s in scores) / 24
    if len(scored_axes):
        assert overall["score"] == pytest.approx(round_half_up([scored_axes.mean()], 2)[0])
    else:
        assert math.isnan(overall["score"]) and pd.isna(overall["level"])


def test_an_insufficient_indicator_is_not_a_one():
    scores = [4, 4, None, None] + [None] * 20
    axes = axis_scores(scored_frame(scores), GRID)
    assert axes.loc[0, "score"] == 4.0 and axes.loc[0, "coverage"] == 0.5  # (4 + 4) / 2, not (4 + 4 + 1 + 1) / 4
