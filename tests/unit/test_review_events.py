"""The review's events name the season reviewed `season`; an alert's event keeps its cluster's own campaign."""

from __future__ import annotations

import pandas as pd

from flows import events


def test_scores_computed_names_the_season_and_an_alert_its_cluster_campaign(monkeypatch):
    sent = []
    monkeypatch.setattr(events, "emit_event", lambda **event: sent.append(event))
    events.announce_scores("run-1", "2025", pd.DataFrame({"cluster_id": ["CL-B", "CL-A"]}), "g" * 64)
    alert = {"rule": "axis_drop", "cluster_id": "CL-A", "campaign": "2024-2025", "subject": "axis-2"}
    events.announce_alerts("run-1", pd.DataFrame([alert]))
    scores, raised = sent
    assert scores["resource"] == {"prefect.resource.id": "vigie.review.2025", "vigie.season": "2025"}
    assert scores["payload"]["season"] == "2025" and "campaign" not in scores["payload"]
    assert scores["payload"]["clusters"] == ["CL-A", "CL-B"]
    assert raised["resource"]["vigie.campaign"] == "2024-2025", "an alert is about its cluster's own campaign"
