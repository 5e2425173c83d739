"""The grouped outlier statistics (polars) and the outlier step on Arrow rows, against plain pandas and numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.readers.chunks import TEXT
from validations.outliers import group_stats, outlier_problems
from validations.problems import WARNINGS, describe, problems_frame
from validations.rows import compact, warning_texts, with_warnings
from validations.rules import load_rules

VALUES = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan), st.sampled_from([0.0, 5.0, 5.0, 200.0]))


def _reference(values: np.ndarray, groups: np.ndarray, n_groups: int):
    """The rule written plainly with pandas: median, MAD / 0.6745, mean absolute deviation / 0.7979 at MAD 0."""
    centre, scale, counts = np.full(n_groups, np.nan), np.full(n_groups, np.nan), np.zeros(n_groups, np.int64)
    for group, segment in pd.Series(values).groupby(groups):
        segment = segment.dropna().to_numpy()
        counts[group] = len(segment)
        if not len(segment):
            continue
        middle = np.median(segment)
        deviation = np.abs(segment - middle)
        mad = np.median(deviation)
        centre[group] = middle
        scale[group] = mad / 0.6745 if mad > 0 else deviation.mean() / 0.7979
    return centre, scale, counts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), VALUES), min_size=1, max_size=80), st.sampled_from([np.int32, np.int64]))
def test_group_stats_agree_with_plain_pandas(rows, kind):
    groups = np.array([g for g, _ in rows], dtype=kind)
    values = np.array([v for _, v in rows], dtype=np.float64)
    centre, scale, counts = group_stats(values, groups)
    expected = _reference(values, groups, int(groups.max()) + 1)
    assert counts.tolist() == expected[2].tolist()
    # polars' midpoint of two values may round one unit in the last place of the values (1e-10 at 1e6) otherwise
    np.testing.assert_allclose(centre, expected[0], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(scale, expected[1], rtol=1e-12, atol=1e-9)  # a mean may round in another order


def test_outliers_of_encoded_arrow_rows_are_those_of_the_frame():
    rng = np.random.default_rng(11)
    size = 3_000
    frame = pd.DataFrame({"cluster_id": rng.choice(["CL-1", "CL-2"], size), "campaign": "2025",
                          "supplier_link": rng.choice(["producer", "trader"], size),
                          "quantity_kg": rng.lognormal(6, 0.4, size),
                          "unit_price_xof": rng.normal(200, 10, size)})  # fmt: skip
    frame.loc[[3, 1200], "quantity_kg"] *= 50
    frame.loc[[8], "unit_price_xof"] = np.nan
    rules = load_rules()
    rule = rules.outliers["deliveries"]
    expected = outlier_problems(frame, rule, rules.threshold, rules.min_group_rows, 0.25)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = pa.concat_tables([compact(table.slice(0, 1000)), compact(table.slice(1000))])  # a dictionary a chunk
    found = outlier_problems(table, rule, rules.threshold, 8, 0.25)
    pd.testing.assert_frame_equal(found, expected)
    assert {3, 1200} <= set(found["row"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["late", "odd; a"])), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["outlier", "late_date", "above"])), max_size=30),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_warnings_added_to_rows_read_like_the_plain_join(current, found, cuts):
    """Each row keeps its warnings and gains the new ones after `; `, in the order found; other codes are not
    warnings; rows without any stay missing. A chunked column (a file's rows) reads the same as one piece."""
    found = [(row % len(current), code) for row, code in found]
    problems = problems_frame([r for r, _ in found], "quantity_kg", [c for _, c in found], 1.0, "x")
    new = warning_texts(problems, np.zeros(len(current), dtype=bool), len(current)).to_pylist()
    merged = with_warnings(pa.array(current, TEXT), problems).to_pylist()
    bounds = sorted({0, len(current), *(min(c, len(current)) for c in cuts)})
    spans = zip(bounds[:-1], bounds[1:], strict=True)
    pieces = pa.chunked_array([pa.array(current[a:b], TEXT) for a, b in spans], TEXT)
    assert with_warnings(pieces, problems).to_pylist() == merged
    for row, before in enumerate(current):
        said = [describe(code, "quantity_kg", 1.0, "x") for r, code in found if r == row and code in WARNINGS]
        joined = "; ".join(said) or None
        assert new[row] == joined
        assert merged[row] == (before if joined is None else joined if before is None else f"{before}; {joined}")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, -5.0, np.nan]), min_size=1, max_size=30), st.integers(0, 2**32 - 1))
def test_values_without_a_logarithm_are_left_out_of_a_logged_rule(extra, seed):
    """Zero, negative or missing quantities (the rule takes their logarithm) are never flagged and change no
    group's statistics: adding them flags exactly the same rows."""
    rng = np.random.default_rng(seed)
    size = 120
    frame = pd.DataFrame({"cluster_id": rng.choice(["CL-1", "CL-2"], size), "campaign": "2025",
                          "supplier_link": "producer", "quantity_kg": rng.lognormal(6, 0.4, size),
                          "unit_price_xof": rng.normal(200, 10, size)})  # fmt: skip
    frame.loc[[3, 70], "quantity_kg"] *= 40
    more = frame.sample(len(extra), replace=True, random_state=seed % 1000).assign(quantity_kg=extra)
    rules = load_rules()
    rule = rules.outliers["deliveries"]
    assert "quantity_kg" in rule.log
    alone = outlier_problems(frame, rule, rules.threshold, 8, 0.25)
    mixed = outlier_problems(pd.concat([frame, more], ignore_index=True), rule, rules.threshold, 8, 0.25)
    assert set(mixed["row"]) == set(alone["row"]) and {3, 70} <= set(alone["row"])
