"""The pandera contracts, as the intake applies them: every row accepted (typed) or refused with reasons."""

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from schemas.reading import TableReadError, normalise_booleans, read_csv_table
from schemas.tables import CONTRACTS, TABLE_KEYS, columns_of
from validations.contracts import check_table, contract_problems, contract_schema, type_frame


def deliveries(overrides: dict | None = None) -> pd.DataFrame:
    row = {
        "delivery_id": "D1",
        "campaign": "2024-2025",
        "cluster_id": "CL-1",
        "supplier_actor_id": "A1",
        "delivery_date": "2024-11-05",
        "product": "paddy",
        "quantity_kg": "500",
        "accepted_kg": "480",
        "meets_standard": "true",
        "lot_id": "L-1",
        "unit_price_xof": "210",
        "contract_id": None,
    }
    rows = [row | {"delivery_id": f"D{i}"} for i in range(1, 4)]
    frame = pd.DataFrame(rows, dtype="str")
    for (index, column), value in (overrides or {}).items():
        frame.loc[index, column] = value
    return normalise_booleans(frame, "deliveries")


def test_every_contract_states_grain_and_key():
    for table, contract in CONTRACTS.items():
        doc = contract.__doc__ or ""
        assert "One row per" in doc, f"{table} does not state its grain"
        assert "Key:" in doc, f"{table} does not state its key"
        assert set(TABLE_KEYS[table]) <= set(columns_of(table)), f"{table} key is not made of its columns"


def test_good_rows_are_typed():
    checked = check_table("deliveries", deliveries())
    assert len(checked.accepted) == 3 and checked.rejected.empty
    assert str(checked.accepted["quantity_kg"].dtype) == "Float64"
    assert checked.accepted["delivery_date"].dt.year.tolist() == [2024] * 3
    assert checked.accepted["meets_standard"].tolist() == [True] * 3


def test_bad_rows_are_refused_with_every_reason_and_nothing_is_lost():
    frame = deliveries({(1, "accepted_kg"): "900", (2, "quantity_kg"): "-4", (2, "delivery_date"): "31/02/2024"})
    checked = check_table("deliveries", frame)
    assert checked.rows_read == 3
    assert checked.accepted["delivery_id"].tolist() == ["D1"]
    reasons = dict(zip(checked.rejected["row_number"], checked.rejected["reasons"], strict=True))
    assert "accepted_kg is above quantity_kg" in reasons[2]
    assert "quantity_kg" in reasons[3] and "delivery_date: cannot be read as a date" in reasons[3]
    assert checked.rejected.loc[0, "accepted_kg"] == "900", "a refused row is kept exactly as sent"


def test_a_repeated_key_keeps_the_first_row():
    frame = deliveries({(2, "delivery_id"): "D1"})
    checked = check_table("deliveries", frame)
    assert checked.accepted["delivery_id"].tolist() == ["D1", "D2"]
    assert "same key" in checked.rejected.loc[0, "reasons"]


def test_yes_no_words_are_read_and_others_refused():
    frame = deliveries({(0, "meets_standard"): "non", (1, "meets_standard"): "peut-être"})
    checked = check_table("deliveries", frame)
    assert checked.accepted["meets_standard"].tolist() == [False, True]
    assert "meets_standard: cannot be read as yes or no" in checked.rejected.loc[0, "reasons"]


def test_an_empty_table_gives_a_typed_empty_frame():
    checked = check_table("deliveries", deliveries().iloc[:0])
    assert checked.accepted.empty and list(checked.accepted.columns) == columns_of("deliveries")


def test_a_file_missing_a_required_column_is_refused_whole(tmp_path):
    path = tmp_path / "deliveries.csv"
    deliveries().drop(columns=["accepted_kg"]).to_csv(path, index=False)
    with pytest.raises(TableReadError, match="accepted_kg"):
        read_csv_table(path, "deliveries")


def test_an_unknown_table_is_refused(tmp_path):
    with pytest.raises(TableReadError, match="unknown table"):
        read_csv_table(tmp_path / "x.csv", "harvests")


CAMPAIGNS = st.one_of(
    st.none(),
    st.sampled_from(["2024", "2024-2025", "2024-25", "２０２４", "٢٠٢٤", "2024\n", "24", "x", "", "2024-2025-2026"]),
    st.text(alphabet="0123456789-٣ a", max_size=10),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(CAMPAIGNS, min_size=1, max_size=40))
def test_patterns_checked_per_distinct_value_give_pandera_own_verdicts(campaigns):
    """The intake checks text patterns once per distinct value: the failures are exactly those of pandera's own
    `str_matches` (pandas' regex engine, Unicode digits and missing values included)."""
    frame = pd.DataFrame({name: pd.Series([None] * len(campaigns), dtype="str") for name in columns_of("sales")})
    frame["campaign"] = pd.Series(campaigns, dtype="str")

    def failures(schema) -> list:
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
            found = cases[cases["column"] == "campaign"][["check", "index", "failure_case"]]
            return sorted(map(str, found.itertuples(index=False, name=None)))
        return []

    fast, plain = contract_schema("sales"), contract_schema("sales", per_distinct=False)
    assert failures(fast) == failures(plain)
    assert any(c.name == "str_matches" and c.element_wise is False for c in fast.columns["campaign"].checks)
    bad = [c for c in campaigns if c is not None and not re.match(r"^\d{4}(-\d{4})?$", c)]
    assert len([f for f in failures(fast) if "str_matches" in f]) == len(bad)


def test_the_contract_checks_typed_rows_in_place_without_changing_them():
    """Intake hands pandera its typed rows in place (no copy of half a million rows per chunk): they come out
    unchanged, failures or not."""
    frame = deliveries({(0, "quantity_kg"): "-3", (1, "accepted_kg"): "900", (2, "campaign"): "2024-25"})
    typed, _ = type_frame("deliveries", frame)
    before = typed.copy(deep=True)
    found = contract_problems("deliveries", typed)
    assert set(found["code"]) == {"above", "accepted_above_delivered", "bad_form"}
    pd.testing.assert_frame_equal(typed, before)


def test_building_the_contracts_does_not_import_dask():
    """pandera imported dask.dataframe (0.5 to 1.0 s) to learn whether Dask is installed: a small file's intake
    paid it on every run. Checked in a fresh interpreter, where nothing imported Dask before."""
    import subprocess
    import sys

    code = (
        "import sys; from schemas.tables import CONTRACTS; "
        "[model.to_schema() for model in CONTRACTS.values()]; print('dask.dataframe' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
