"""The calendar-scheduled review: one value chain's clusters, on the season its calendar has just closed."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.calendars.review import calendar_review
from flows.settings import SettingsError, load_settings


def test_scheduled_review_covers_only_its_value_chain(vigie_home, small_sample):
    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    riz = sorted(clusters.loc[clusters["value_chain"] == "riz", "cluster_id"])
    assert riz and len(riz) < len(clusters)

    result = calendar_review(value_chain="riz", data_dir=str(small_sample), as_of="2025-08-15", deliver=False)

    assert result["season"] == "2025"  # riz campaigns end on 06-30: on 15 August the 2024-2025 one is closed
    assert sorted(result["review"].overall["cluster_id"]) == riz
    assert set(result["review"].overall["campaign"]) == {"2024-2025"}
    assert calendar_review(value_chain="anacarde", data_dir=str(small_sample), deliver=False) is None


def test_unknown_value_chain_and_bad_scale_settings_are_refused(vigie_home, small_sample, monkeypatch):
    with pytest.raises(ValueError, match="no calendar"):
        calendar_review(value_chain="coton", data_dir=str(small_sample))
    monkeypatch.setenv("VIGIE_TASK_RUNNER", "spark")
    with pytest.raises(SettingsError, match="VIGIE_TASK_RUNNER"):
        load_settings()
    monkeypatch.setenv("VIGIE_TASK_RUNNER", "dask")
    monkeypatch.setenv("VIGIE_DASK_GROUPS", "0")
    with pytest.raises(SettingsError, match="VIGIE_DASK_GROUPS"):
        load_settings()
