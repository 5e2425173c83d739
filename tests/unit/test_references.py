"""Cross-table lookups against the known clusters and actors, compared with the plain-Python meaning they must keep."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.readers.chunks import TEXT
from validations.references import References, reference_problems, supplier_link
from validations.rules import load_rules

CLUSTERS = ["CL-1", "CL-2", "CL-3", "CL-X"]  # CL-X: no actor belongs to it
cluster_cells = st.one_of(st.none(), st.sampled_from([*CLUSTERS, "CL-unknown"]))


@settings(deadline=None)
@given(
    homes=st.lists(st.one_of(st.none(), st.sampled_from(CLUSTERS[:3])), min_size=0, max_size=12),
    rows=st.lists(st.tuples(st.integers(-1, 11), cluster_cells), min_size=1, max_size=40),
    encoded=st.booleans(),
)
def test_an_actor_is_in_the_rows_cluster_exactly_when_its_own_cluster_is_that_one(homes, rows, encoded):
    actors = pd.DataFrame(
        {"actor_id": [f"A{i}" for i in range(len(homes))], "cluster_id": homes, "link": "producer"}, dtype="str"
    )
    refs = References(pd.DataFrame({"cluster_id": CLUSTERS}, dtype="str"), actors)
    named = [f"A{p}" if p >= 0 else None for p, _ in rows]
    typed = pa.table({"cluster_id": pa.array([c for _, c in rows], TEXT), "supplier_actor_id": pa.array(named, TEXT)})
    if encoded:  # dictionary-encoded columns, as intake keeps them, read as their text
        typed = pa.table({name: pc.dictionary_encode(typed.column(name)) for name in typed.column_names})
    found = reference_problems("deliveries", typed, refs, load_rules())
    wrong = set(found.loc[found["code"] == "unknown_actor", "row"])
    for row, (position, cluster) in enumerate(rows):
        member = 0 <= position < len(homes) and homes[position] is not None and homes[position] == cluster
        assert (row in wrong) == (position >= 0 and not member)
    unknown = set(found.loc[found["code"] == "unknown_cluster", "row"])
    assert unknown == {row for row, (_, cluster) in enumerate(rows) if cluster == "CL-unknown"}


@settings(max_examples=60, deadline=None)
@given(
    links=st.lists(st.one_of(st.none(), st.sampled_from(["producer", "trader", "processor"])), max_size=12),
    positions=st.lists(st.integers(-1, 11), max_size=40),
)
def test_supplier_links_are_those_of_a_plain_dictionary(links, positions):
    """Each supplier's link (dictionary-encoded, as intake keeps them for the outlier groups), missing for an
    unknown supplier, from an arrow table or a pandas frame alike."""
    actors = pd.DataFrame({"actor_id": [f"A{i}" for i in range(len(links))], "cluster_id": "CL-1", "link": links})
    refs = References(References.empty().clusters, actors.astype({"actor_id": "str", "cluster_id": "str"}))
    named = [f"A{p}" if p >= 0 else None for p in positions]
    frame = pa.table({"supplier_actor_id": pa.array(named, TEXT)})
    encoded = supplier_link(frame, refs)
    assert pa.types.is_dictionary(encoded.type)
    expected = [links[p] if 0 <= p < len(links) else None for p in positions]
    assert encoded.cast(TEXT).to_pylist() == expected
    assert supplier_link(frame.to_pandas(), refs).cast(TEXT).to_pylist() == expected
