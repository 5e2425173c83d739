"""Each input table is declared once (schemas/tables.py): the contracts, keys, names, labels, rules, stored
encodings and suites are derived from the declarations, and a table declared here only is taken in by intake."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.typing.pandas import Series

from reports.i18n import catalogue
from schemas.models import CAMPAIGN_PATTERN, Contract, Float
from schemas.readers.names import TABLE_ALIASES, table_from_name, table_from_option
from schemas.tables import CONTRACTS, TABLE_KEYS, TABLES, Table, columns_of, register, unregister
from tests.support.intake import ingest, open_home
from validations.contracts import contract_schema
from validations.expectations import SUITES, suite_data
from validations.rules import load_rules
from warehouse import ledger
from warehouse.parquet_store import read_tables


class RainGauges(Contract):
    """The rain gauges' readings."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    gauge_id: Series[str]
    reading_date: Series[pa.DateTime]
    rainfall_mm: Series[Float] = pa.Field(ge=0, le=500)


RAINFALL = Table(
    "rainfall", RainGauges, "One row per rain gauge reading.", ("cluster_id", "campaign", "gauge_id", "reading_date"),
    {"fr": "pluviométrie", "en": "rainfall"}, ("rainfall", "pluviometrie", "pluies"),
    no_future_dates=("reading_date",), low_cardinality=("cluster_id", "campaign", "gauge_id"),
)  # fmt: skip


@pytest.fixture
def rainfall():
    """The rainfall table, declared for one test only."""
    register(RAINFALL)
    yield RAINFALL
    unregister("rainfall")


@pytest.fixture
def home(vigie_home):
    return open_home()


def test_a_table_declared_in_a_test_is_taken_in_with_its_repeated_key_quarantined(rainfall, home, tmp_path):
    from synthetic import generate

    sample = tmp_path / "sample"
    generate(sample, clusters=2, campaigns=1, seed=5, deliveries_per_cluster_campaign=10)
    assert ingest(home, sample / "clusters.csv").status == "validated"
    clusters = pd.read_csv(sample / "clusters.csv", dtype=str)["cluster_id"].tolist()
    rows = pd.DataFrame(
        {
            "cluster_id": [clusters[0], clusters[0], clusters[0], clusters[1]],
            "campaign": ["2025", "2025", "2025", "2025"],
            "gauge_id": ["P1", "P2", "P1", "P1"],
            "reading_date": ["2025-07-01", "2025-07-01", "2025-07-01", "2025-07-02"],
            "rainfall_mm": ["12,5", "3", "14", "0"],
        }
    )
    path = tmp_path / "Pluviométrie Zou 2025.csv"
    rows.to_csv(path, index=False, sep=";")

    summary = ingest(home, path)

    assert summary.tables == ["rainfall"]
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (4, 3, 1)
    stored = read_tables(home[0].store_dir)["rainfall"].sort_values(["cluster_id", "gauge_id"], ignore_index=True)
    assert list(zip(stored["gauge_id"], stored["rainfall_mm"], strict=True)) == [("P1", 12.5), ("P2", 3.0), ("P1", 0.0)]
    refused = ledger.quarantined(home[1], table="rainfall")
    assert refused["row_number"].tolist() == [3]
    problems = json.loads(refused["problems"].iloc[0])
    assert [(p["code"], p["value"]) for p in problems] == [("duplicate_key", 1)]
    assert "cluster_id, campaign, gauge_id, reading_date" in refused["reasons"].iloc[0]


def test_a_declared_table_is_known_by_every_derived_view_until_it_is_removed(rainfall):
    assert CONTRACTS["rainfall"].to_schema().unique == list(rainfall.key)
    assert columns_of("rainfall") == ["cluster_id", "campaign", "gauge_id", "reading_date", "rainfall_mm"]
    assert TABLE_KEYS["rainfall"] == rainfall.key
    assert table_from_name("pluies_2025.xlsx") == "rainfall" and table_from_option("Pluviométrie") == "rainfall"
    assert catalogue("fr")["table_rainfall"] == "pluviométrie" and catalogue("en")["table_rainfall"] == "rainfall"
    assert load_rules().no_future_dates["rainfall"] == ("reading_date",)
    assert suite_data("rainfall") is None
    unregister("rainfall")
    assert "rainfall" not in CONTRACTS and "rainfall" not in TABLE_KEYS and "rainfall" not in TABLE_ALIASES
    assert table_from_name("pluies_2025.xlsx") is None and "table_rainfall" not in catalogue("fr")
    assert "rainfall" not in load_rules().no_future_dates


def test_a_table_declared_again_is_checked_with_its_new_columns(rainfall):
    assert "note" not in contract_schema("rainfall").columns

    class NotedGauges(RainGauges):
        note: Series[str] = pa.Field(nullable=True)

    register(replace(rainfall, columns=NotedGauges))
    assert "note" in contract_schema("rainfall").columns and columns_of("rainfall")[-1] == "note"


def test_every_view_is_derived_from_the_declarations():
    assert list(CONTRACTS) == list(TABLE_KEYS) == list(TABLE_ALIASES) == list(TABLES)
    for name, table in TABLES.items():
        schema = CONTRACTS[name].to_schema()
        assert schema.unique == list(table.key), name
        assert f"Key: {', '.join(table.key)}." in CONTRACTS[name].__doc__, name
        assert catalogue("fr")[f"table_{name}"] == table.label["fr"], name
        assert name in table.aliases, name
    rules = load_rules()
    assert {t: c for t, c in rules.actor_columns.items()} == {
        t.name: tuple(c for c, to in t.references.items() if to == "actors")
        for t in TABLES.values()
        if "actors" in t.references.values()
    }
    assert rules.campaign_dates == {t.name: t.campaign_dates for t in TABLES.values() if t.campaign_dates}


def test_a_suite_is_kept_for_exactly_the_tables_that_declare_one():
    kept = sorted(path.stem for path in SUITES.glob("*.json"))
    assert kept == sorted(name for name, table in TABLES.items() if table.has_suite)
    assert all(suite_data(name)["expectations"] for name in kept)


def test_a_declaration_naming_an_unknown_column_is_refused():
    wrong = Table("wrong", RainGauges, "One row per nothing.", ("gauge_id", "station"), {"fr": "x", "en": "x"}, ("x",))
    with pytest.raises(ValueError, match="station"):
        register(wrong)
    assert "wrong" not in TABLES
