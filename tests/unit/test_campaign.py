from datetime import date

import pytest

from schemas.campaign import campaign_name, campaign_window, parse_campaign, previous_campaign


def test_a_two_year_campaign_runs_across_new_year():
    assert campaign_window("2024-2025", "10-01", "06-30") == (date(2024, 10, 1), date(2025, 6, 30))


def test_a_calendar_year_campaign():
    assert campaign_window("2025", "03-01", "12-31") == (date(2025, 3, 1), date(2025, 12, 31))


def test_names_follow_the_calendar():
    assert campaign_name(2024, "10-01", "06-30") == "2024-2025"
    assert campaign_name(2025, "03-01", "12-31") == "2025"


def test_previous_campaign():
    assert previous_campaign("2024-2025") == "2023-2024"
    assert previous_campaign("2025") == "2024"


@pytest.mark.parametrize("bad", ["25", "2024-2026", "2024/2025", "", "abcd"])
def test_malformed_names_are_refused(bad):
    with pytest.raises(ValueError, match="campaign"):
        parse_campaign(bad)


def test_a_one_year_name_on_a_two_year_calendar_is_refused():
    with pytest.raises(ValueError, match="spans two years"):
        campaign_window("2024-2025", "03-01", "12-31")


def test_campaigns_of_different_calendars_meet_on_the_year_they_end():
    from schemas.campaign import campaign_ending_in, season_year

    assert campaign_ending_in(2025, "10-01", "06-30") == "2024-2025"
    assert campaign_ending_in(2025, "03-01", "12-31") == "2025"
    assert season_year("2024-2025") == season_year("2025") == 2025
