"""The Great Expectations suites on accepted rows: every expectation of the table's suite is reported, judged on
the columns it names, with the Data Docs page written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from validations.expectations import run_suites, suite_columns, suite_data


def test_each_expectation_of_the_suite_is_judged_on_its_column(tmp_path):
    rows = 40
    table = pa.table({
        "delivery_id": [f"D{i}" for i in range(rows)],
        "lot_id": pa.nulls(rows, pa.large_string()),  # completeness fails: at least half must carry a lot id
        "unit_price_xof": [210.0] * rows,
        "meets_standard": [True] * rows,
        "quantity_kg": [500.0] * (rows - 1) + [90_000.0],  # one in forty above 50 t: fails `mostly` 0.999
        "_warnings": pa.array([None] * rows, pa.large_string()),
        "not_in_the_suite": pa.array([{"x": 1}] * rows),  # a column Great Expectations never needs to see
    })  # fmt: skip
    results, docs = run_suites({"deliveries": table}, tmp_path / "docs", "run-1")
    expected = [e["type"] for e in suite_data("deliveries")["expectations"]]
    assert sorted(r["expectation"] for r in results) == sorted(expected)
    verdict = {(r["expectation"], r["column"]): r["success"] for r in results}
    assert verdict[("expect_column_values_to_not_be_null", "lot_id")] is False
    assert verdict[("expect_column_values_to_not_be_null", "unit_price_xof")] is True
    assert verdict[("expect_column_values_to_be_between", "quantity_kg")] is False
    assert verdict[("expect_column_values_to_be_null", "_warnings")] is True
    assert verdict[("expect_table_row_count_to_be_between", None)] is True
    assert all(r["rows"] == rows and r["rows_checked"] == rows for r in results)
    assert Path(docs).is_file() and "not_in_the_suite" not in suite_columns("deliveries")
