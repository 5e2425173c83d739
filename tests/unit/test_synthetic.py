"""The synthetic campaign generator: contracts, references, determinism and cluster trajectories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from schemas.campaign import campaign_window
from schemas.tables import CONTRACTS, TABLE_KEYS, columns_of
from synthetic import generate
from synthetic.profiles import profile_of

CAMPAIGNS = 3
SIZE = dict(clusters=6, campaigns=CAMPAIGNS, seed=42, last_campaign_year=2025, deliveries_per_cluster_campaign=400)


def read_table(out_dir: Path | str, table: str) -> pd.DataFrame:
    """A generated CSV read as strings, booleans mapped, then validated (and coerced) by its contract."""
    frame = pd.read_csv(Path(out_dir) / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])
    columns = CONTRACTS[table].to_schema().columns
    for name, column in columns.items():
        if str(column.dtype) == "boolean":
            frame[name] = frame[name].map({"true": True, "false": False}).astype("boolean")
    return CONTRACTS[table].validate(frame)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, pd.DataFrame]]:
    """One small programme, generated once: the summary and every table, validated."""
    out = tmp_path_factory.mktemp("synthetic")
    summary = generate(out, **SIZE)
    return summary, {table: read_table(out, table) for table in CONTRACTS}


def test_every_file_has_the_contract_header_and_the_summary_counts(generated: tuple) -> None:
    summary, tables = generated
    out = Path(summary["out_dir"])
    assert summary["clusters"] == SIZE["clusters"]
    for table in CONTRACTS:
        with open(out / f"{table}.csv", encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == columns_of(table)
        assert summary["rows"][table] == len(tables[table]), table
        assert len(tables[table]) > 0, table
    assert len(tables["clusters"]) == SIZE["clusters"]


def test_keys_are_unique(generated: tuple) -> None:
    _, tables = generated
    for table, key in TABLE_KEYS.items():
        assert not tables[table].duplicated(list(key)).any(), table


def test_requested_campaigns_exist(generated: tuple) -> None:
    summary, tables = generated
    assert len(summary["campaigns"]) == CAMPAIGNS
    assert summary["campaigns"] == sorted(summary["campaigns"])
    assert summary["campaigns"][-1].endswith("2025")
    per_cluster = tables["deliveries"].groupby("cluster_id")["campaign"].nunique()
    assert (per_cluster == CAMPAIGNS).all() and len(per_cluster) == SIZE["clusters"]
    for table in ("memberships", "governance_events", "assessments", "resources", "employment"):
        assert (tables[table].groupby("cluster_id")["campaign"].nunique() == CAMPAIGNS).all(), table


def test_references_hold(generated: tuple) -> None:
    _, t = generated
    clusters, actors = set(t["clusters"]["cluster_id"]), t["actors"].set_index("actor_id")
    for table in CONTRACTS:
        assert set(t[table]["cluster_id"]) <= clusters, table
    for table, column in (
        ("memberships", "actor_id"),
        ("member_services", "actor_id"),
        ("deliveries", "supplier_actor_id"),
        ("contracts", "counterparty_actor_id"),
    ):
        frame = t[table].dropna(subset=[column])
        owner = actors.loc[frame[column], "cluster_id"].to_numpy()
        assert (owner == frame["cluster_id"].to_numpy()).all(), table
    deliveries = t["deliveries"]
    assert (actors.loc[deliveries["supplier_actor_id"], "link"] == "producer").all()
    active = t["memberships"][t["memberships"]["active"]]
    active_keys = set(zip(active["campaign"], active["actor_id"], strict=True))
    pairs = zip(deliveries["campaign"], deliveries["supplier_actor_id"], strict=True)
    assert all(pair in active_keys for pair in pairs)
    contracts = t["contracts"].set_index("contract_id")
    under = deliveries.dropna(subset=["contract_id"])
    assert len(under) > 0
    target = contracts.loc[under["contract_id"]]
    assert (target["cluster_id"].to_numpy() == under["cluster_id"].to_numpy()).all()
    assert (target["campaign"].to_numpy() == under["campaign"].to_numpy()).all()
    assert (target["counterparty_kind"] == "raw_material_supplier").all()
    assert (target["counterparty_actor_id"].to_numpy() == under["supplier_actor_id"].to_numpy()).all()


def test_deliveries_are_graded_and_within_their_campaign(generated: tuple) -> None:
    _, t = generated
    deliveries = t["deliveries"].merge(t["clusters"], on="cluster_id", suffixes=("", "_cluster"))
    assert (deliveries["accepted_kg"] <= deliveries["quantity_kg"]).all()
    assert (deliveries["accepted_kg"] < deliveries["quantity_kg"]).any()
    assert deliveries["lot_id"].isna().any() and deliveries["lot_id"].notna().mean() > 0.4
    for (campaign, start_md, end_md), rows in deliveries.groupby(["campaign", "campaign_start_md", "campaign_end_md"]):
        first, last = campaign_window(campaign, start_md, end_md)
        dates = rows["delivery_date"].dt.date
        assert dates.min() >= first and dates.max() <= last, campaign
    sales = t["sales"].merge(t["clusters"], on="cluster_id")
    for (campaign, start_md, end_md), rows in sales.groupby(["campaign", "campaign_start_md", "campaign_end_md"]):
        first, last = campaign_window(campaign, start_md, end_md)
        assert rows["sale_date"].dt.date.between(first, last).all(), campaign


def _last_campaign(frame: pd.DataFrame, cluster_id: str) -> pd.DataFrame:
    rows = frame[frame["cluster_id"] == cluster_id]
    return rows[rows["campaign"] == rows["campaign"].max()]


def _by_profile(summary: dict, profile: str) -> str:
    return next(cid for cid, name in summary["profiles"].items() if name == profile)


def test_profiles_make_visible_differences(generated: tuple) -> None:
    summary, t = generated
    assert {"performing", "struggling", "improving"} <= set(summary["profiles"].values())
    good, bad = _by_profile(summary, "performing"), _by_profile(summary, "struggling")

    def acceptance(cid: str) -> float:
        rows = _last_campaign(t["deliveries"], cid)
        return rows["accepted_kg"].sum() / rows["quantity_kg"].sum()

    def contracted(cid: str) -> float:
        rows = _last_campaign(t["deliveries"], cid)
        return rows.loc[rows["contract_id"].notna(), "accepted_kg"].sum() / rows["accepted_kg"].sum()

    def meetings(cid: str) -> float:
        rows = _last_campaign(t["governance_events"], cid)
        planned = rows[(rows["kind"] == "committee_meeting") & rows["planned"]]
        return planned["held"].mean()

    assert acceptance(good) > acceptance(bad) + 0.08
    assert contracted(good) > contracted(bad) + 0.3
    assert meetings(good) > meetings(bad)


def test_improving_cluster_improves(generated: tuple) -> None:
    summary, t = generated
    rising = _by_profile(summary, "improving")
    rows = t["deliveries"][t["deliveries"]["cluster_id"] == rising]
    per_campaign = rows.groupby("campaign").agg(accepted=("accepted_kg", "sum"), delivered=("quantity_kg", "sum"))
    ratio = per_campaign["accepted"] / per_campaign["delivered"]
    assert ratio.iloc[-1] > ratio.iloc[0]
    assert per_campaign["accepted"].iloc[-1] > per_campaign["accepted"].iloc[0]


def test_default_cluster_count_covers_the_main_profiles() -> None:
    for seed in range(12):
        names = {profile_of(index, seed).name for index in range(6)}
        assert {"performing", "struggling", "improving"} <= names, seed


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    small = dict(SIZE, clusters=3, deliveries_per_cluster_campaign=150)
    generate(tmp_path / "a", **small)
    generate(tmp_path / "b", **small)
    generate(tmp_path / "c", **dict(small, seed=7))
    for table in CONTRACTS:
        first = (tmp_path / "a" / f"{table}.csv").read_bytes()
        assert first == (tmp_path / "b" / f"{table}.csv").read_bytes(), table
    assert (tmp_path / "a" / "deliveries.csv").read_bytes() != (tmp_path / "c" / "deliveries.csv").read_bytes()


def test_a_cluster_does_not_depend_on_how_many_are_generated(tmp_path: Path) -> None:
    small = dict(SIZE, deliveries_per_cluster_campaign=100)
    generate(tmp_path / "two", **dict(small, clusters=2))
    generate(tmp_path / "four", **dict(small, clusters=4))
    two = pd.read_csv(tmp_path / "two" / "deliveries.csv", dtype=str)
    four = pd.read_csv(tmp_path / "four" / "deliveries.csv", dtype=str)
    kept = four[four["cluster_id"].isin(set(two["cluster_id"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(two, kept)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, clusters=0)
    with pytest.raises(ValueError):
        generate(tmp_path, campaigns=0)
