"""The in-season monitor and the missing-submission flows on the generated sample, under the Prefect harness."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd

from flows.missing import check_submissions, missing_submission
from flows.monitor import in_season_monitor
from flows.settings import load_settings
from indicators import inseason
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert


def stored_alerts(rule: str) -> pd.DataFrame:
    alerts = store.read_table(get_engine(load_settings().database_url), Alert)
    return alerts[alerts["rule"] == rule].sort_values("cluster_id").reset_index(drop=True)


def test_monitor_raises_the_slippage_alerts_of_the_pure_function_once(vigie_home, small_sample, monkeypatch, tmp_path):
    rules = tmp_path / "inseason.yaml"
    rules.write_text(inseason.DEFAULT_RULES.read_text().replace("max_behind_pts: 20", "max_behind_pts: 10"))
    monkeypatch.setattr(inseason, "DEFAULT_RULES", rules)
    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)

    first = in_season_monitor(as_of="2024-12-01", data_dir=str(small_sample))
    again = in_season_monitor(as_of="2024-12-01", data_dir=str(small_sample))

    progress = first["progress"]
    expected = inseason.season_at(clusters, date(2024, 12, 1))
    assert sorted(progress["cluster_id"]) == sorted(expected["cluster_id"]) and len(progress) > 0
    behind = progress[progress["slippage_pts"] > 10]
    assert first["new_alerts"] == len(behind) > 0
    assert again["new_alerts"] == 0
    alerts = stored_alerts("contract_slippage")
    assert alerts["cluster_id"].tolist() == sorted(behind["cluster_id"])
    assert set(alerts["subject"]) == {"raw_material_contracts"}


def test_deadline_check_alerts_only_clusters_that_sent_nothing(vigie_home, small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    deliveries = pd.read_csv(data / "deliveries.csv", dtype=str)
    clusters = pd.read_csv(data / "clusters.csv", dtype=str)
    silent = clusters.loc[clusters["value_chain"] == "manioc", "cluster_id"].iloc[0]
    deliveries[~((deliveries["cluster_id"] == silent) & (deliveries["campaign"] == "2025"))].to_csv(
        data / "deliveries.csv", index=False
    )

    on_the_day = check_submissions(as_of="2026-01-31", data_dir=str(data))
    assert on_the_day["due"] == 1 and on_the_day["new_alerts"] == 0  # the window has just opened
    late = check_submissions(as_of="2026-02-20", data_dir=str(data))
    assert late["new_alerts"] == 1
    assert check_submissions(as_of="2026-02-21", data_dir=str(data))["new_alerts"] == 0
    alerts = stored_alerts("missing_submission")
    assert alerts[["cluster_id", "campaign", "subject"]].values.tolist() == [[silent, "2025", "deliveries"]]


def test_the_proactive_flow_raises_the_same_alert_once(vigie_home):
    assert missing_submission(cluster_id="CL-X", campaign="2025", data_deadline="2026-01-31") == 1
    assert missing_submission(cluster_id="CL-X", campaign="2025") == 0
    assert stored_alerts("missing_submission")["cluster_id"].tolist() == ["CL-X"]
