"""Cross-table lookups against the known clusters and actors, compared with the plain-Python meaning they must keep
(they work on integer codes for speed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from schemas.readers.chunks import TEXT
from validations.references import References, _pair_codes

CLUSTERS = ["CL-1", "CL-2", "CL-3", "CL-X"]  # CL-X: no actor belongs to it
cluster_cells = st.one_of(st.none(), st.sampled_from([*CLUSTERS, "CL-unknown"]))


@given(
    homes=st.lists(st.one_of(st.none(), st.sampled_from(CLUSTERS[:3])), min_size=0, max_size=12),
    rows=st.lists(st.tuples(st.integers(-1, 11), cluster_cells), max_size=40),
)
def test_an_actor_is_in_the_rows_cluster_exactly_when_its_own_cluster_is_that_one(homes, rows):
    actors = pd.DataFrame(
        {"actor_id": [f"A{i}" for i in range(len(homes))], "cluster_id": homes, "link": "producer"}, dtype="str"
    )
    refs = References(pd.DataFrame({"cluster_id": CLUSTERS}, dtype="str"), actors)
    positions = np.array([p if p < len(homes) else -1 for p, _ in rows], dtype=np.int64)
    cluster = pa.array([c for _, c in rows], type=TEXT)
    expected = [p >= 0 and homes[p] is not None and homes[p] == c for p, (_, c) in zip(positions, rows, strict=True)]
    assert refs.in_cluster(positions, cluster).tolist() == expected


@given(st.lists(st.tuples(cluster_cells, st.one_of(st.none(), st.sampled_from(["2024", "2024-2025"]))), max_size=50))
def test_pair_codes_number_each_distinct_pair_and_leave_missing_ones_out(pairs):
    first = pd.Series([a for a, _ in pairs], dtype="str")
    second = pd.Series([b for _, b in pairs], dtype="str")
    codes, uniques = _pair_codes(first, second)
    assert len(codes) == len(pairs)
    for (a, b), code in zip(pairs, codes.tolist(), strict=True):
        if a is None or b is None:
            assert code == -1
        else:
            assert uniques[code] == (a, b)
    present = {code for code in codes.tolist() if code >= 0}
    assert len({uniques[code] for code in present}) == len(present), "one code per distinct pair"
