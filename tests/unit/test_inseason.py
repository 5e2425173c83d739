"""In-season monitor, worked by hand: a 100-day campaign (01-01 to 04-10, 2026) seen on its 50th day."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from indicators.grid_checks import GridError
from indicators.inseason import contract_progress, load_inseason_rules, season_at, slippage_alerts

AS_OF = date(2026, 2, 19)  # day 50 of 100: 50 % of the campaign elapsed
CLUSTERS = pd.DataFrame(
    {
        "cluster_id": ["X", "Y", "Z", "V", "W"],
        "campaign_start_md": ["01-01", "01-01", "01-01", "01-01", "06-01"],
        "campaign_end_md": ["04-10", "04-10", "04-10", "04-10", "09-30"],
    }
)
CONTRACTS = pd.DataFrame(
    [
        ("c1", "2026", "X", "raw_material_supplier", "2026-01-05", 1000.0),
        ("c2", "2026", "X", "raw_material_supplier", "2026-03-01", 1000.0),  # signed after as_of: not yet counted
        ("c3", "2026", "X", "transport", "2026-01-05", 5000.0),  # a service contract: not supply
        ("c4", "2026", "Y", "raw_material_supplier", None, 400.0),  # undated: counted
        ("c5", "2026", "V", "raw_material_supplier", "2026-01-02", 1000.0),
        ("c6", "2025", "Y", "raw_material_supplier", "2025-01-02", 9000.0),  # last campaign: ignored
    ],
    columns=["contract_id", "campaign", "cluster_id", "counterparty_kind", "signed_on", "contracted_quantity_kg"],
).astype({"signed_on": "datetime64[us]", "contracted_quantity_kg": "Float64"})
DELIVERIES = pd.DataFrame(
    [
        ("2026", "X", "2026-01-20", 220.0, 200.0, "c1"),
        ("2026", "X", "2026-02-25", 500.0, 500.0, "c1"),  # after as_of: not yet delivered
        ("2026", "X", "2026-02-01", 50.0, 50.0, None),  # outside contracts
        ("2026", "Y", "2026-02-10", 150.0, 140.0, "c4"),
        ("2026", "V", "2026-02-19", 300.0, 300.0, "c5"),  # on as_of: counted
    ],
    columns=["campaign", "cluster_id", "delivery_date", "quantity_kg", "accepted_kg", "contract_id"],
).astype({"delivery_date": "datetime64[us]", "quantity_kg": "Float64", "accepted_kg": "Float64"})
RULES = load_inseason_rules()


def test_only_clusters_in_season_are_monitored():
    running = season_at(CLUSTERS, AS_OF)
    assert running["cluster_id"].tolist() == ["X", "Y", "Z", "V"]
    assert set(running["campaign"]) == {"2026"}


def test_progress_is_worked_by_hand():
    progress = contract_progress(CLUSTERS, CONTRACTS, DELIVERIES, AS_OF).set_index("cluster_id")
    assert progress.loc["X", "elapsed_pct"] == pytest.approx(50.0)
    assert progress.loc["X", "days_left"] == 50
    assert progress.loc["X", ["n_deliveries", "quantity_kg", "accepted_kg"]].tolist() == [2, 270.0, 250.0]
    assert progress.loc["X", ["contracted_kg", "contract_accepted_kg"]].tolist() == [1000.0, 200.0]
    assert progress.loc["X", "delivered_pct"] == pytest.approx(20.0)
    assert progress.loc["X", "slippage_pts"] == pytest.approx(30.0)
    assert progress.loc["Y", "delivered_pct"] == pytest.approx(35.0)  # 140 of 400
    assert progress.loc["V", "slippage_pts"] == pytest.approx(20.0)  # 30 % delivered at 50 %
    assert pd.isna(progress.loc["Z", "delivered_pct"]) and progress.loc["Z", "n_deliveries"] == 0


def test_slippage_alert_only_when_more_than_the_threshold_behind():
    alerts = slippage_alerts(contract_progress(CLUSTERS, CONTRACTS, DELIVERIES, AS_OF), RULES)
    assert alerts["cluster_id"].tolist() == ["X"]  # Y is 15 behind, V exactly 20, Z has no contracts
    row = alerts.iloc[0]
    assert (row["rule"], row["campaign"], row["subject"]) == ("contract_slippage", "2026", "raw_material_contracts")
    assert (row["value"], row["previous"]) == (pytest.approx(20.0), pytest.approx(50.0))


def test_the_threshold_comes_from_the_rules():
    looser = {**RULES, "contract_slippage": {**RULES["contract_slippage"], "max_behind_pts": 10}}
    progress = contract_progress(CLUSTERS, CONTRACTS, DELIVERIES, AS_OF)
    assert slippage_alerts(progress, looser)["cluster_id"].tolist() == ["V", "X", "Y"]
    off = {**RULES, "contract_slippage": {**RULES["contract_slippage"], "enabled": False}}
    assert slippage_alerts(progress, off).empty


def test_no_tables_gives_progress_without_alerts():
    progress = contract_progress(CLUSTERS, None, None, AS_OF)
    assert len(progress) == 4 and (progress["n_deliveries"] == 0).all()
    assert slippage_alerts(progress, RULES).empty


def test_malformed_rules_are_refused(tmp_path):
    bad = tmp_path / "inseason.yaml"
    bad.write_text("contract_slippage: {enabled: true, max_behind_pts: 120, severity: high}\n"
                   "missing_submission: {enabled: true, severity: high}\n")  # fmt: skip
    with pytest.raises(GridError, match="max_behind_pts"):
        load_inseason_rules(bad)
