"""Which clusters a season can review: those with at least one row of their own campaign in a campaign table."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.season import CAMPAIGN_TABLES, NoSeasonData, clusters_with_data, season_clusters


def registry() -> pd.DataFrame:
    """A cashew cluster (campaign 2025) and a rice cluster (campaign 2024-2025)."""
    return pd.DataFrame(
        {"cluster_id": ["CL-ANC", "CL-RIZ"], "campaign_start_md": ["02-01", "10-01"],
         "campaign_end_md": ["07-31", "03-31"]}
    )  # fmt: skip


@pytest.mark.parametrize("table", CAMPAIGN_TABLES)
def test_a_row_of_the_clusters_own_campaign_in_any_campaign_table_counts(table):
    rows = pd.DataFrame({"cluster_id": ["CL-RIZ", "CL-ANC"], "campaign": ["2024-2025", "2024"]})
    found = clusters_with_data({table: rows}, {"CL-ANC": "2025", "CL-RIZ": "2024-2025"})
    assert found == {"CL-RIZ"}, "CL-ANC's row is of another campaign"


def test_a_season_reviews_the_clusters_with_data_and_leaves_the_others_out():
    tables = {"clusters": registry(), "sales": pd.DataFrame({"cluster_id": ["CL-ANC"], "campaign": ["2025"]}),
              "actors": pd.DataFrame({"cluster_id": ["CL-RIZ"], "campaign": ["2024-2025"]})}  # fmt: skip
    assert season_clusters(tables, "2025") == (["CL-ANC"], {"CL-RIZ": "2024-2025"}), "actors is no campaign table"
    assert season_clusters(tables, "2025", ["CL-ANC"]) == (["CL-ANC"], {})


def test_a_season_without_any_data_is_refused_in_plain_words():
    tables = {"clusters": registry(), "deliveries": pd.DataFrame({"cluster_id": ["CL-ANC"], "campaign": ["2025"]})}
    with pytest.raises(NoSeasonData, match="season 1999: no cluster has any data"):
        season_clusters(tables, "1999")
