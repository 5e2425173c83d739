"""Each of the 24 indicators worked by hand on a tiny frame: the arithmetic is in the comment beside it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators import run_review
from tests.support.frames import typed

C, P, P2 = "2024-2025", "2023-2024", "2022-2023"  # cluster A's calendar runs 10-01 .. 06-30


def review(**tables: pd.DataFrame):
    """The review of campaign C for cluster A from the given tables."""
    tables.setdefault("clusters", typed("clusters", [{"cluster_id": "A"}]))
    return run_review(tables, C)


def row(result, indicator: str, cluster: str = "A") -> pd.Series:
    frame = result.indicators
    return frame[(frame["cluster_id"] == cluster) & (frame["indicator_id"] == indicator)].iloc[0]


def check(result, indicator: str, value: float, score: int, n_rows: int | None = None) -> pd.Series:
    found = row(result, indicator)
    assert found["status"] == "computed", found.to_dict()
    assert found["value"] == pytest.approx(value), found.to_dict()
    assert found["score"] == score, found.to_dict()
    if n_rows is not None:
        assert found["n_rows"] == n_rows
    return found


def events(*specs: tuple, campaign: str = C) -> pd.DataFrame:
    """Governance events of cluster A from (kind, planned, held, date) tuples."""
    rows = [
        {"cluster_id": "A", "campaign": campaign, "event_id": f"E{i}", "kind": kind, "planned": planned,
         "held": held, "event_date": date}
        for i, (kind, planned, held, date) in enumerate(specs)
    ]  # fmt: skip
    return typed("governance_events", rows)


def actors(n: int, link: str = "producer", prefix: str = "A") -> list[dict]:
    return [{"actor_id": f"{prefix}{i}", "cluster_id": "A", "link": link} for i in range(1, n + 1)]


def deliveries(rows: list[dict], campaign: str = C) -> pd.DataFrame:
    return typed("deliveries", [{"delivery_id": f"{campaign}-{i}", **r} for i, r in enumerate(rows)],
                 cluster_id="A", campaign=campaign)  # fmt: skip


# Axis 1: governance


def test_1_1_committee_meetings_held_over_planned():
    meetings = [("committee_meeting", True, True, None)] * 3 + [("committee_meeting", True, False, None)]
    found = check(review(governance_events=events(*meetings)), "1.1", 0.75, 3, n_rows=4)
    # 3 held / 4 planned = 0.75 -> between 0.5 and 0.9 -> score 3
    assert (found["band_low"], found["band_high"]) == (0.5, 0.9)


def test_1_1_is_capped_at_one():
    meetings = [("committee_meeting", True, True, None), ("committee_meeting", False, True, None)]
    check(review(governance_events=events(*meetings)), "1.1", 1.0, 4)  # 2 held / 1 planned = 2 -> capped 1 -> 4


def test_1_2_plan_adopted_14_days_after_the_start():
    result = review(governance_events=events(("campaign_plan_adopted", True, True, "2024-10-15")))
    check(result, "1.2", 14, 3)  # start 2024-10-01 -> 14 days; lower is better: > 0 and <= 60 -> score 3


def test_1_2_plan_adopted_before_the_start_and_no_plan():
    early = review(governance_events=events(("campaign_plan_adopted", True, True, "2024-09-20")))
    check(early, "1.2", -11, 4)  # 11 days before the start: <= 0 -> score 4
    none = row(review(governance_events=events(("fair", False, True, "2024-12-01"))), "1.2")
    # events were recorded but no plan adopted: "no plan = 1", with no value
    assert (none["score"], none["status"], none["reason"]) == (1, "computed", "no_plan_adopted")
    assert math.isnan(none["value"])


def test_1_3_share_of_active_producers_served():
    people = actors(6) + actors(1, "processor", "T")
    active = [{"actor_id": a["actor_id"], "active": a["actor_id"] != "A6"} for a in people]
    served = [{"actor_id": "A1"}, {"actor_id": "A2", "service_kind": "training"}, {"actor_id": "T1"}]
    result = review(
        actors=typed("actors", people),
        memberships=typed("memberships", active, cluster_id="A", campaign=C),
        member_services=typed("member_services", served, cluster_id="A", campaign=C),
    )
    check(
        result, "1.3", 0.4, 3, n_rows=5
    )  # active producers A1..A5 = 5; served A1, A2 -> 2 / 5 = 0.4 -> [0.3, 0.6) -> 3


def test_1_4_accountability_events_that_took_place():
    result = review(
        governance_events=events(
            ("technical_review", True, True, None),
            ("financial_review", True, True, None),
            ("financial_review", False, True, None),
            ("decisions_restitution", True, False, None),
        )
    )
    check(result, "1.4", 2, 3)  # technical + financial held, restitution not held -> 2 kinds -> mapping 2 -> 3


# Axis 2: resources


def resources(rows: list[tuple]) -> pd.DataFrame:
    return typed(
        "resources",
        [
            {"resource_kind": k, "item": f"i{n}", "needed_qty": need, "obtained_qty": got}
            for n, (k, need, got) in enumerate(rows)
        ],
        cluster_id="A",
        campaign=C,
    )


def test_2_1_material_needs_met():
    result = review(resources=resources([("material", 10.0, 5.0), ("material", 4.0, 6.0), ("human", 1.0, 0.0)]))
    check(result, "2.1", 0.75, 3, n_rows=2)  # min(5/10, 1) = 0.5, min(6/4, 1) = 1 -> mean 0.75, on the cut -> 3


def test_2_2_human_needs_met():
    check(review(resources=resources([("human", 2.0, 1.0)])), "2.2", 0.5, 2)  # 1 / 2 = 0.5 -> [0.5, 0.75) -> 2


def test_2_3_financial_needs_met():
    result = review(resources=resources([("financial", 1_000_000.0, 400_000.0)]))
    check(result, "2.3", 0.4, 1)  # 400 000 / 1 000 000 = 0.4 -> below 0.5 -> 1


def test_2_4_advisory_from_visits_then_from_needs():
    visits = events(*[("advisory_visit", True, True, None)] * 4)
    check(
        review(governance_events=visits), "2.4", 1.0, 4
    )  # no advisory need recorded: 4 visits held / 4 planned = 1 -> 4
    both = review(governance_events=visits, resources=resources([("advisory", 10.0, 9.0)]))
    check(both, "2.4", 0.9, 3)  # a recorded advisory need wins: 9 / 10 = 0.9 -> [0.75, 0.95) -> 3


# Axis 3: contracts


def test_3_1_share_of_accepted_volume_under_contract():
    rows = [{"accepted_kg": 100.0, "contract_id": "K1" if i < 6 else None} for i in range(10)]
    check(review(deliveries=deliveries(rows)), "3.1", 0.6, 3, n_rows=10)  # 600 / 1000 kg = 0.6 -> [0.5, 0.75) -> 3


def test_3_2_supply_contracts_honoured():
    contracts = typed(
        "contracts",
        [
            {"contract_id": "K1", "contracted_quantity_kg": 500.0},
            {"contract_id": "K2", "contracted_quantity_kg": 500.0},
            {"contract_id": "K3", "contracted_quantity_kg": 200.0},
        ],
        cluster_id="A",
        campaign=C,
    )
    rows = [{"quantity_kg": 500.0, "accepted_kg": 450.0, "contract_id": "K1"}]
    rows += [{"quantity_kg": 300.0, "accepted_kg": 300.0, "contract_id": "K2"}]
    rows += [{"quantity_kg": 250.0, "accepted_kg": 250.0, "contract_id": "K3"}]
    # K1 450/500 = 0.9 (on the 90 % line: honoured), K2 300/500 = 0.6 no, K3 250/200 yes
    # -> 2/3 = 0.667 -> [0.5, 0.7) -> 2
    check(review(contracts=contracts, deliveries=deliveries(rows)), "3.2", 2 / 3, 2, n_rows=3)


def test_3_3_service_kinds_covered_by_contracts():
    kinds = ["raw_material_supplier", "input_supplier", "transport", "transport", "credit"]
    contracts = typed("contracts", [{"counterparty_kind": k} for k in kinds], cluster_id="A", campaign=C)
    check(review(contracts=contracts), "3.3", 0.6, 3)  # inputs, transport, credit = 3 of 5 needed kinds = 0.6 -> 3


def test_3_4_service_contracts_fulfilled():
    fulfilment = [100.0, 90.0, 80.0, None]
    contracts = typed(
        "contracts",
        [{"counterparty_kind": "transport", "fulfilment_pct": pct} for pct in fulfilment],
        cluster_id="A",
        campaign=C,
    )
    check(review(contracts=contracts), "3.4", 2 / 3, 2, n_rows=3)  # 100 and 90 of 3 recorded = 0.667 -> [0.5, 0.7) -> 2


# Axis 4: communication


def test_4_1_is_always_assessed():
    assessments = typed("assessments", [{"cluster_id": "A", "campaign": C, "indicator_id": "4.1", "score": 2}])
    found = row(review(assessments=assessments), "4.1")
    assert (found["score"], found["status"]) == (2, "assessed")  # the committee's answer, 2


def test_4_2_fairs_attended():
    result = review(
        governance_events=events(("fair", True, True, None), ("fair", False, True, None), ("fair", True, False, None))
    )
    check(result, "4.2", 2, 3)  # 2 fairs held (1 planned fair not attended) -> mapping 2 -> 3


def test_4_3_internal_meetings():
    check(review(governance_events=events(*[("internal_meeting", True, True, None)] * 5)), "4.3", 5, 3)  # 5 -> 4-5 -> 3


def test_4_4_producers_retained_from_the_previous_campaign():
    before = [{"actor_id": f"A{i}", "campaign": P} for i in range(1, 9)]
    now = [{"actor_id": f"A{i}", "campaign": C, "active": i != 7} for i in range(1, 8)]  # A7 inactive, A8 gone
    memberships = typed("memberships", before + now, cluster_id="A")
    check(review(actors=typed("actors", actors(8)), memberships=memberships), "4.4", 0.75, 3, n_rows=8)
    # 6 of last campaign's 8 active producers still active = 0.75 -> [0.7, 0.85) -> 3


# Axis 5: volume and quality


def test_5_1_annual_growth_of_accepted_volume():
    tables = [
        deliveries([{"quantity_kg": kg, "accepted_kg": kg}], c) for c, kg in ((P2, 1000.0), (P, 900.0), (C, 1102.5))
    ]
    result = review(deliveries=pd.concat(tables, ignore_index=True))
    check(result, "5.1", 0.05, 3, n_rows=3)  # (1102.5 / 1000) ** (1/2) - 1 = 0.05 a year -> [0.02, 0.10) -> 3


def sales_of(campaign: str, standard: list, kilos: list) -> pd.DataFrame:
    rows = [{"meets_client_standard": s, "quantity_kg": kg} for s, kg in zip(standard, kilos, strict=True)]
    return typed("sales", rows, cluster_id="A", campaign=campaign)


def test_5_2_scores_the_evolution_of_the_share_meeting_the_client_standard():
    # 5.2's label asks for the evolution of quality: the share of sold kg meeting the standard, campaign to campaign.
    before = sales_of(P2, [True] * 4 + [False], [100.0] * 4 + [100.0])  # 400 of 500 kg = 80 %
    middle = sales_of(P, [True] * 3 + [False], [100.0] * 4)  # 300 of 400 = 75 %, not in the comparison
    now = sales_of(C, [True] * 4 + [False, None], [100.0] * 4 + [200.0, 100.0])  # 400 of 600 recorded = 66.7 %
    result = review(sales=pd.concat([before, middle, now], ignore_index=True))
    check(result, "5.2", (400 / 600 - 0.8) / 2, 1, n_rows=10)
    # from the oldest campaign of the window: (0.667 - 0.80) / 2 years = -6.7 points a year, below -5 -> 1
    # (the level alone, 66.7 %, scored 2: a falling quality read as "insuffisant" rather than "faible")
    history = result.history[result.history["indicator_id"] == "5.2"].sort_values("campaign")
    assert history["level"].round(4).tolist() == [0.8, 0.75, round(400 / 600, 4)]  # the series behind the trend


def test_5_2_needs_a_second_campaign():
    found = row(review(sales=sales_of(C, [True] * 5, [100.0] * 5)), "5.2")
    assert found["status"] == "insufficient_data" and found["reason"] == "no_earlier_campaign"


def test_5_3_traceable_volume():
    rows = [{"supplier_actor_id": "A1", "lot_id": "L1"}] * 8
    rows += [{"supplier_actor_id": "X9", "lot_id": "L2"}, {"supplier_actor_id": "A1", "lot_id": None}]
    result = review(deliveries=deliveries(rows), actors=typed("actors", actors(1)))
    check(result, "5.3", 0.8, 3)  # 800 of 1000 kg: lot and registered supplier (X9 unknown, 1 without lot) -> 3


def test_5_4_rejected_share_lower_is_better():
    rows = [{"quantity_kg": 100.0, "accepted_kg": 88.0}] * 10
    found = check(review(deliveries=deliveries(rows)), "5.4", 0.12, 2)
    # (1000 - 880) / 1000 = 0.12: above 0.10, not above 0.20 -> score 2
    assert (found["band_low"], found["band_high"]) == (0.10, 0.20)


# Axis 6: value added and jobs


def accounts(rows: list[tuple], campaign: str = C) -> pd.DataFrame:
    return typed(
        "operating_accounts",
        [
            {
                "link": link,
                "production_value_xof": prod,
                "intermediate_consumption_xof": ic,
                "labour_cost_xof": 1.0,
                "financial_cost_xof": 1.0,
                "taxes_xof": taxes,
            }
            for link, prod, ic, taxes in rows
        ],  # fmt: skip
        cluster_id="A",
        campaign=campaign,
    )


def test_6_1_links_with_a_complete_account():
    links = actors(1) + actors(1, "processor", "T") + actors(1, "trader", "R") + actors(1, "input_supplier", "I")
    table = accounts([("producer", 100.0, 40.0, 1.0), ("processor", 200.0, 100.0, 1.0), ("trader", 50.0, 10.0, None)])
    check(review(actors=typed("actors", links), operating_accounts=table), "6.1", 0.5, 3)
    # 4 links among the actors; complete: producer, processor (trader lacks taxes) -> 2/4 = 0.5 -> [0.5, 1.0) -> 3


def test_6_2_growth_of_value_added():
    before = accounts([("producer", 100.0, 40.0, 1.0), ("processor", 200.0, 100.0, 1.0)], P)
    now = accounts([("producer", 120.0, 40.0, 1.0), ("processor", 220.0, 120.0, 1.0)])
    check(review(operating_accounts=pd.concat([before, now])), "6.2", 0.125, 4, n_rows=4)
    # VA before 60 + 100 = 160, now 80 + 100 = 180 -> 180 / 160 - 1 = 0.125 -> >= 0.10 -> 4


def test_6_3_producers_share_of_value_added():
    now = accounts([("producer", 100.0, 40.0, 1.0), ("processor", 200.0, 100.0, 1.0), ("trader", 50.0, 10.0, 1.0)])
    check(review(operating_accounts=now), "6.3", 0.3, 2)  # 60 / (60 + 100 + 40) = 0.3 -> [0.2, 0.35) -> 2


def test_6_4_growth_of_jobs():
    jobs = [
        (P, "producer", 10.0, 5.0),
        (P, "processor", 5.0, 0.0),
        (C, "producer", 12.0, 6.0),
        (C, "processor", 4.0, 1.0),
    ]
    employment = typed(
        "employment",
        [
            {"campaign": c, "link": link, "permanent_jobs": perm, "seasonal_jobs_fte": fte}
            for c, link, perm, fte in jobs
        ],
        cluster_id="A",
    )
    check(
        review(employment=employment), "6.4", 0.15, 4
    )  # 15 + 5 = 20 -> 18 + 5 = 23: 23/20 - 1 = 0.15, on the cut -> 4


def test_6_2_compares_like_for_like_when_a_figure_is_missing():
    # Tanguiéta's case: the producers' production value is missing this campaign. Comparing totals read it as a
    # collapse; like for like, only input supplier, processor and distributor are in both campaigns.
    before = accounts(
        [("input_supplier", 4783.0, 2984.0, 1.0), ("producer", 64748.0, 26592.0, 1.0),
         ("processor", 128236.0, 56763.0, 1.0), ("distributor", 10861.0, 8103.0, 1.0)], P,
    )  # fmt: skip
    now = accounts(
        [("input_supplier", 2227.0, 1451.0, 1.0), ("producer", None, 24068.0, 1.0),
         ("processor", 122111.0, 53442.0, 1.0), ("distributor", 6992.0, 5129.0, 1.0)],
    )  # fmt: skip
    found = check(review(operating_accounts=pd.concat([before, now])), "6.2", 71308 / 76030 - 1, 1, n_rows=6)
    # before 1799 + 71473 + 2758 = 76030, now 776 + 68669 + 1863 = 71308 -> -6.2 % (totals said -39 %)
    # the common links hold 76030 / 114186 = 67 % of last campaign's value added and all of this one's: >= 50 %
    assert found["reason"] in (None, "nan", "<NA>") or pd.isna(found["reason"])


def test_6_2_is_insufficient_data_when_the_common_links_hold_too_little_value_added():
    # Kétou's case: the producers (three quarters of the value added) lack a figure this campaign.
    before = accounts([("producer", 329318.0, 125822.0, 1.0), ("processor", 301534.0, 255945.0, 1.0)], P)
    now = accounts([("producer", 314956.0, None, 1.0), ("processor", 321711.0, 280361.0, 1.0)])
    found = row(review(operating_accounts=pd.concat([before, now])), "6.2")
    # the processor alone held 45589 / 249085 = 18 % of last campaign's value added: below the 50 % default
    assert found["status"] == "insufficient_data" and pd.isna(found["score"])
    assert found["reason"] == "value_added_coverage_low"


def test_6_2_growth_of_a_gap_of_two_years_is_annual():
    before = accounts([("producer", 100.0, 0.0, 1.0)], P2)
    now = accounts([("producer", 121.0, 0.0, 1.0)])
    check(review(operating_accounts=pd.concat([before, now])), "6.2", 0.10, 4)  # (121 / 100) ** (1 / 2) - 1


def test_6_4_a_link_reported_in_one_campaign_only_is_left_out():
    jobs = [(P, "producer", 10.0, 5.0), (P, "processor", 5.0, 0.0), (C, "producer", 12.0, 6.0), (C, "trader", 3.0, 0.0)]
    employment = typed(
        "employment",
        [
            {"campaign": c, "link": link, "permanent_jobs": perm, "seasonal_jobs_fte": fte}
            for c, link, perm, fte in jobs
        ],
        cluster_id="A",
    )
    check(review(employment=employment), "6.4", 0.2, 4, n_rows=2)
    # only the producers are in both campaigns: 15 -> 18 = +20 % (all links: 20 -> 21 = +5 %)
    # they hold 15 / 20 = 75 % and 18 / 21 = 86 % of each campaign's jobs: >= 50 %
