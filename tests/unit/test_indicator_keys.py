"""Text keys as integer codes: the Arrow path gives exactly what pandas gives, for every kind of column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.keys import factorize, positions

KINDS = {
    "str": lambda values: pd.Series(values, dtype="str"),
    "object": lambda values: pd.Series(values, dtype="object"),
    "arrow": lambda values: pd.Series(values, dtype=pd.ArrowDtype(pa.large_string())),
    "category": lambda values: pd.Series(values, dtype="category"),
    "chunked": lambda values: pd.Series(  # several Arrow chunks, as a store of many files reads back
        pa.chunked_array([values[:2], [], values[2:]], pa.large_string()).to_pandas()
    ),
}
labels = st.lists(st.sampled_from(["A", "B", "C-1", "é", ""]) | st.none(), min_size=2, max_size=40)


@pytest.mark.parametrize("kind", sorted(KINDS))
@given(values=labels)
def test_factorize_matches_pandas(kind, values):
    series = KINDS[kind](values)
    codes, uniques = factorize(series)
    expected_codes, expected_uniques = pd.factorize(series)
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(codes, expected_codes)
    assert list(uniques) == list(expected_uniques)


@pytest.mark.parametrize("kind", sorted(KINDS))
@given(values=labels, known=st.lists(st.sampled_from(["A", "B", "é", "Z", ""]), unique=True))
def test_positions_match_get_indexer(kind, values, known):
    series = KINDS[kind](values)
    expected = pd.Index(known, dtype="object").get_indexer(series.astype("object"))
    np.testing.assert_array_equal(positions(pd.Index(known, dtype="str"), series), expected)
    np.testing.assert_array_equal(positions(known, series), expected)


def test_missing_values_are_never_found():
    series = pd.Series(["A", None, "B"], dtype="str")
    np.testing.assert_array_equal(positions(["A", "B"], series), [0, -1, 1])
    np.testing.assert_array_equal(factorize(series)[0], [0, -1, 1])
    assert factorize(pd.Series([], dtype="str"))[0].size == 0
