"""Missing submissions: each cluster's latest campaign past its data deadline, worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd

from indicators.inseason import load_inseason_rules, missing_alerts, submission_deadlines

CLUSTERS = pd.DataFrame(
    {
        "cluster_id": ["R1", "R2", "A1", "L1"],
        "value_chain": ["riz", "riz", "ananas", "lait"],
        "campaign_start_md": ["10-01", "10-01", "01-01", "01-01"],
        "campaign_end_md": ["06-30", "06-30", "12-31", "12-31"],
    }
)
DEADLINES = pd.DataFrame({"value_chain": ["riz", "ananas"], "data_deadline_md": ["07-31", "01-31"]})
DELIVERIES = pd.DataFrame(
    {"cluster_id": ["R2", "R2", "A1"], "campaign": ["2025-2026", "2025-2026", "2024"], "accepted_kg": [1.0, 2.0, 3.0]}
)
RULES = load_inseason_rules()


def test_deadlines_follow_each_calendar():
    found = submission_deadlines(CLUSTERS, DELIVERIES, DEADLINES, date(2026, 8, 14)).set_index("cluster_id")
    assert list(found.index) == ["A1", "R1", "R2"]  # lait has no calendar: left out
    assert found.loc["R1", "campaign"] == "2025-2026" and found.loc["R1", "data_deadline"] == date(2026, 7, 31)
    assert found.loc["R1", "days_late"] == 14 and found.loc["R1", "n_deliveries"] == 0
    assert found.loc["R2", "n_deliveries"] == 2
    assert found.loc["A1", "campaign"] == "2025" and found.loc["A1", "data_deadline"] == date(2026, 1, 31)
    assert found.loc["A1", "days_late"] == 195 and found.loc["A1", "n_deliveries"] == 0


def test_before_this_years_deadline_the_previous_campaign_is_the_one_due():
    found = submission_deadlines(CLUSTERS, DELIVERIES, DEADLINES, date(2026, 7, 30)).set_index("cluster_id")
    assert found.loc["R1", "campaign"] == "2024-2025" and found.loc["R1", "days_late"] == 364
    on_the_day = submission_deadlines(CLUSTERS, None, DEADLINES, date(2026, 7, 31)).set_index("cluster_id")
    assert on_the_day.loc["R1", "campaign"] == "2025-2026" and on_the_day.loc["R1", "days_late"] == 0


def test_alert_once_the_window_after_the_deadline_has_passed():
    within = submission_deadlines(CLUSTERS, DELIVERIES, DEADLINES, date(2026, 8, 13))
    assert missing_alerts(within, 14, RULES)["cluster_id"].tolist() == ["A1"]  # R1 is 13 days late: not yet
    past = submission_deadlines(CLUSTERS, DELIVERIES, DEADLINES, date(2026, 8, 14))
    alerts = missing_alerts(past, 14, RULES)
    assert alerts["cluster_id"].tolist() == ["A1", "R1"]  # R2 delivered
    assert set(alerts["rule"]) == {"missing_submission"} and set(alerts["subject"]) == {"deliveries"}
    assert alerts.set_index("cluster_id").loc["R1", "value"] == 14
