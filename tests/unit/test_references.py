"""Cross-table lookups against the known clusters and actors, compared with the plain-Python meaning they must keep
(they work on integer codes for speed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.readers.chunks import TEXT
from validations.references import References, _pair_codes, supplier_link

CLUSTERS = ["CL-1", "CL-2", "CL-3", "CL-X"]  # CL-X: no actor belongs to it
cluster_cells = st.one_of(st.none(), st.sampled_from([*CLUSTERS, "CL-unknown"]))


@given(
    homes=st.lists(st.one_of(st.none(), st.sampled_from(CLUSTERS[:3])), min_size=0, max_size=12),
    rows=st.lists(st.tuples(st.integers(-1, 11), cluster_cells), max_size=40),
    encoded=st.booleans(),
)
def test_an_actor_is_in_the_rows_cluster_exactly_when_its_own_cluster_is_that_one(homes, rows, encoded):
    actors = pd.DataFrame(
        {"actor_id": [f"A{i}" for i in range(len(homes))], "cluster_id": homes, "link": "producer"}, dtype="str"
    )
    refs = References(pd.DataFrame({"cluster_id": CLUSTERS}, dtype="str"), actors)
    positions = np.array([p if p < len(homes) else -1 for p, _ in rows], dtype=np.int64)
    cluster = pa.array([c for _, c in rows], type=TEXT)
    cluster = pc.dictionary_encode(cluster) if encoded else cluster
    expected = [p >= 0 and homes[p] is not None and homes[p] == c for p, (_, c) in zip(positions, rows, strict=True)]
    assert refs.in_cluster(positions, cluster).tolist() == expected


@given(
    st.lists(st.tuples(cluster_cells, st.one_of(st.none(), st.sampled_from(["2024", "2024-2025"]))), max_size=50),
    st.booleans(),
)
def test_pair_codes_number_each_distinct_pair_and_leave_missing_ones_out(pairs, encoded):
    first = pd.Series([a for a, _ in pairs], dtype="str")
    second = pd.Series([b for _, b in pairs], dtype="str")
    if encoded:  # the dictionary-encoded columns intake passes along
        first, second = (pc.dictionary_encode(pa.array([p[i] for p in pairs], type=TEXT)) for i in (0, 1))
    codes, uniques = _pair_codes(first, second)
    assert len(codes) == len(pairs)
    for (a, b), code in zip(pairs, codes.tolist(), strict=True):
        if a is None or b is None:
            assert code == -1
        else:
            assert uniques[code] == (a, b)
    present = {code for code in codes.tolist() if code >= 0}
    assert len({uniques[code] for code in present}) == len(present), "one code per distinct pair"


@settings(deadline=None)
@given(st.lists(st.tuples(cluster_cells, st.sampled_from(["A0", "A1", "A2", "B9", None])), min_size=1, max_size=40))
def test_reference_problems_read_the_same_from_encoded_columns(rows):
    """Intake hands the checks its dictionary-encoded columns; the problems found are those of the plain text."""
    from validations.references import reference_problems
    from validations.rules import load_rules

    actors = pd.DataFrame({"actor_id": ["A0", "A1", "A2"], "cluster_id": ["CL-1", "CL-2", "CL-1"], "link": "producer"})
    refs = References(pd.DataFrame({"cluster_id": CLUSTERS}, dtype="str"), actors)
    typed = pa.table({"cluster_id": pa.array([c for c, _ in rows], TEXT),
                      "supplier_actor_id": pa.array([a for _, a in rows], TEXT)})  # fmt: skip
    encoded = {name: pc.dictionary_encode(typed.column(name).combine_chunks()) for name in typed.column_names}
    plain = reference_problems("deliveries", typed, refs, load_rules())
    quick = reference_problems("deliveries", typed, refs, load_rules(), encoded=encoded)
    pd.testing.assert_frame_equal(quick, plain)
    assert set(plain["code"]) <= {"unknown_cluster", "unknown_actor"}


@settings(max_examples=80, deadline=None)
@given(
    known=st.lists(st.text(alphabet="AB-1é", max_size=6), max_size=30, unique=True),
    asked=st.lists(st.one_of(st.none(), st.text(alphabet="AB-1é", max_size=6)), max_size=40),
)
def test_actor_positions_are_those_of_a_plain_dictionary(known, asked):
    """Each value's position among the known actors, -1 when unknown or missing."""
    actors = pd.DataFrame({"actor_id": known, "cluster_id": "CL-1", "link": "producer"}, dtype="str")
    refs = References(References.empty().clusters, actors)
    position = {actor: at for at, actor in enumerate(known)}
    expected = [-1 if value is None else position.get(value, -1) for value in asked]
    for values in (pa.array(asked, TEXT), pc.dictionary_encode(pa.array(asked, TEXT))):
        assert refs.actor_positions(values).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    links=st.lists(st.one_of(st.none(), st.sampled_from(["producer", "trader", "processor"])), max_size=12),
    positions=st.lists(st.integers(-1, 11), max_size=40),
)
def test_supplier_links_encoded_read_as_the_plain_ones(links, positions):
    """The dictionary-encoded links (as intake keeps them for the outlier groups) decode to the plain ones."""
    actors = pd.DataFrame({"actor_id": [f"A{i}" for i in range(len(links))], "cluster_id": "CL-1", "link": links})
    refs = References(References.empty().clusters, actors.astype({"actor_id": "str", "cluster_id": "str"}))
    at = np.array([p if p < len(links) else -1 for p in positions], dtype=np.int64)
    frame = pa.table({"supplier_actor_id": pa.nulls(len(at), TEXT)})
    plain = supplier_link(frame, refs, at)
    encoded = supplier_link(frame, refs, at, encoded=True)
    assert pa.types.is_dictionary(encoded.type)
    assert encoded.cast(TEXT).to_pylist() == plain.to_pylist()
    assert plain.to_pylist() == [links[p] if p >= 0 else None for p in at]
