"""Women, youth and Table 7 worked by hand on tiny frames: jobs by sex and youth with their like-for-like change,
women's and youth's share of active members, value added and net operating income per link."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators.inputs import prepare
from indicators.people import link_accounts, people_figures
from tests.support.frames import typed

C, P = "2024-2025", "2023-2024"


def inputs(**tables: pd.DataFrame):
    """The indexed inputs of the review of campaign C for clusters A and B."""
    tables.setdefault("clusters", typed("clusters", [{"cluster_id": "A"}, {"cluster_id": "B"}]))
    return prepare(tables, C, None)


def of(frame: pd.DataFrame, cluster: str = "A") -> pd.Series:
    return frame[frame["cluster_id"] == cluster].iloc[0]


def jobs(rows: list[tuple]) -> pd.DataFrame:
    """Employment rows from (cluster, campaign, link, permanent, seasonal, women, youth)."""
    keys = ("cluster_id", "campaign", "link", "permanent_jobs", "seasonal_jobs_fte", "women_jobs", "youth_jobs")
    return typed("employment", [dict(zip(keys, r, strict=True)) for r in rows])


def test_jobs_by_sex_and_youth_and_their_change_like_for_like():
    employment = jobs(
        [
            ("A", P, "producer", 2, 8, 4, 3),
            ("A", P, "processor", 5, 0, 1, 1),
            ("A", C, "producer", 3, 9, 6, 5),
            ("A", C, "processor", 5, 1, None, 2),  # women not counted this time
            ("A", C, "trader", 4, 0, 2, 1),  # a new link: in the total, not in the change
        ]
    )
    found = of(people_figures(inputs(employment=employment)))
    # jobs now: 12 + 6 + 4 = 22; change on producer and processor: (12 - 10) + (6 - 5) = 3
    assert (found["jobs"], found["jobs_change"]) == (22, 3)
    # women now: 6 + 2 (processor unknown) = 8; change only where known twice: producer 6 - 4 = 2
    assert (found["women_jobs"], found["women_jobs_change"]) == (8, 2)
    assert found["women_jobs_of"] == 16  # the jobs of the links whose women's jobs are known: 12 + 4
    # youth now: 5 + 2 + 1 = 8; change: (5 - 3) + (2 - 1) = 3
    assert (found["youth_jobs"], found["youth_jobs_change"]) == (8, 3)
    assert found["previous"] == P and pd.isna(found["jobs_reason"])


def test_no_previous_campaign_gives_no_change_and_no_table_gives_a_reason():
    found = of(people_figures(inputs(employment=jobs([("A", C, "producer", 1, 1, 1, 1)]))))
    assert found["jobs"] == 2 and math.isnan(found["jobs_change"])
    other = of(people_figures(inputs(employment=jobs([("A", C, "producer", 1, 1, 1, 1)]))), "B")
    assert math.isnan(other["jobs"]) and other["jobs_reason"] == "no_employment_rows"
    nothing = of(people_figures(inputs(memberships=typed("memberships", [], cluster_id="A", campaign=C))))
    assert nothing["jobs_reason"] == "no_employment" and nothing["members_reason"] == "no_memberships"


def test_women_and_youth_share_of_active_members_whose_sex_or_age_is_known():
    actors = typed(
        "actors",
        [
            {"actor_id": "a1", "cluster_id": "A", "sex": "F", "is_youth": True},
            {"actor_id": "a2", "cluster_id": "A", "sex": "F", "is_youth": False},
            {"actor_id": "a3", "cluster_id": "A", "sex": "M", "is_youth": None},
            {"actor_id": "a4", "cluster_id": "A", "sex": None, "is_youth": True},
            {"actor_id": "a5", "cluster_id": "A", "sex": "F", "is_youth": True},  # not active
        ],
    )
    memberships = typed(
        "memberships",
        [{"actor_id": a, "active": a != "a5"} for a in ("a1", "a2", "a3", "a4", "a5")],
        cluster_id="A",
        campaign=C,
    )
    found = of(people_figures(inputs(actors=actors, memberships=memberships)))
    # 4 active; sex known for 3 of them, 2 women: 2/3; age known for 3, 2 young: 2/3
    assert found["active_members"] == 4
    assert found["women_share"] == pytest.approx(2 / 3) and found["youth_share"] == pytest.approx(2 / 3)
    assert pd.isna(found["members_reason"])
    assert of(people_figures(inputs(actors=actors, memberships=memberships)), "B")["members_reason"] == (
        "no_active_members"
    )


def test_members_without_sex_recorded_are_said_not_counted_as_men():
    actors = typed("actors", [{"actor_id": "a1", "cluster_id": "A", "sex": None, "is_youth": None}])
    memberships = typed("memberships", [{"actor_id": "a1"}], cluster_id="A", campaign=C)
    found = of(people_figures(inputs(actors=actors, memberships=memberships)))
    assert found["active_members"] == 1 and math.isnan(found["women_share"])
    assert found["members_reason"] == "no_sex_recorded"


def test_table_7_value_added_and_net_income_per_link():
    accounts = typed(
        "operating_accounts",
        [
            {"cluster_id": "A", "campaign": C, "link": "producer", "actor_count": 40,
             "production_value_xof": 1000, "intermediate_consumption_xof": 300, "labour_cost_xof": 200,
             "financial_cost_xof": 50, "taxes_xof": 10},
            {"cluster_id": "A", "campaign": C, "link": "processor", "actor_count": 1,
             "production_value_xof": 800, "intermediate_consumption_xof": 500, "labour_cost_xof": None,
             "financial_cost_xof": 0, "taxes_xof": 0},
            {"cluster_id": "A", "campaign": P, "link": "producer", "actor_count": 40,
             "production_value_xof": 900, "intermediate_consumption_xof": 300, "labour_cost_xof": 0,
             "financial_cost_xof": 0, "taxes_xof": 0},
        ],
    )  # fmt: skip
    deliveries = typed("deliveries", [{"cluster_id": "A", "campaign": C, "accepted_kg": 70, "quantity_kg": 80}] * 2)
    table = link_accounts(inputs(operating_accounts=accounts, deliveries=deliveries))
    assert list(table["link"]) == ["processor", "producer"] and set(table["campaign"]) == {C}
    producer, processor = of(table[table["link"] == "producer"]), of(table[table["link"] == "processor"])
    # producer: VA = 1000 - 300 = 700; net = 700 - 200 - 50 - 10 = 440; volume: 2 x 70 accepted kg
    assert (producer["value_added_xof"], producer["net_income_xof"], producer["volume_kg"]) == (700, 440, 140)
    # processor: VA = 300; labour unknown: no net income, said; no volume recorded for a processor
    assert processor["value_added_xof"] == 300 and math.isnan(processor["net_income_xof"])
    assert processor["reason"] == "costs_figure_missing" and math.isnan(processor["volume_kg"])


def test_table_7_is_empty_without_accounts():
    assert link_accounts(inputs(employment=jobs([("A", C, "producer", 1, 1, 1, 1)]))).empty


def test_completeness_says_which_tables_are_missing_or_thin_per_cluster():
    from indicators import load_grid
    from indicators.completeness import completeness, minimum_rows

    deliveries = typed(
        "deliveries",
        [{"cluster_id": "A", "campaign": P}] * 30 + [{"cluster_id": c, "campaign": C} for c in "AB" for _ in range(12)],
    )
    actors = typed("actors", [{"actor_id": "a1", "cluster_id": "A"}])
    found = completeness(inputs(deliveries=deliveries, actors=actors), minimum_rows(load_grid()))
    status = found.set_index(["cluster_id", "table"])["status"]
    # A: 12 deliveries against 30 the campaign before (under half): thin; B: 12, no campaign before: ok
    assert status["A", "deliveries"] == "thin" and status["B", "deliveries"] == "ok"
    assert status["A", "actors"] == "ok" and status["B", "actors"] == "missing"
    assert status["A", "sales"] == "missing"
    rows = found.set_index(["cluster_id", "table"])
    assert rows.loc[("A", "deliveries"), "previous_rows"] == 30 and pd.isna(
        rows.loc[("B", "deliveries"), "previous_rows"]
    )
    assert set(found["status"]) <= {"missing", "thin", "ok"}


def test_table_7_and_the_people_columns_reach_the_spreadsheets():
    import csv
    import io

    from reports.spreadsheet import accounts_csv, clusters_csv, with_people

    accounts = typed(
        "operating_accounts",
        [{"cluster_id": "A", "campaign": C, "link": "producer", "actor_count": 40, "production_value_xof": 1000.5,
          "intermediate_consumption_xof": 300, "labour_cost_xof": None, "financial_cost_xof": 0, "taxes_xof": 0}],
    )  # fmt: skip
    table = link_accounts(inputs(operating_accounts=accounts))
    rows = list(csv.reader(io.StringIO(accounts_csv(table, "fr").decode("utf-8-sig")), delimiter=";"))
    header, producer = rows
    assert header[0] == "Maillon" and "Valeur ajoutée (F CFA)" in header
    # VA = 1000.5 - 300 = 700.5, shown whole; net income unknown (labour missing): empty cell and the reason
    assert producer[0] == "Producteurs" and producer[header.index("Valeur ajoutée (F CFA)")] == "700"
    assert producer[header.index("Revenu net d'exploitation (F CFA)")] == ""
    assert "main-d'œuvre" in producer[-1]
    people = people_figures(inputs(employment=jobs([("A", C, "producer", 3, 9, 6, 5)])))
    ranked = pd.DataFrame({"rank": [1, 2], "cluster_id": ["A", "B"], "coverage": [0.5, 1.0]})
    lines = clusters_csv(with_people(ranked, people), "en").decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert "Women's jobs" in header and lines[1].split(",")[header.index("Women's jobs")] == "6"
    assert lines[2].split(",")[header.index("Jobs (FTE)")] == ""  # B has no employment record: empty, not 0


def test_the_committee_block_says_in_words_what_is_missing():
    from reports.i18n import catalogue
    from reports.people_context import people_panel

    t = catalogue("fr")
    nothing = people_figures(inputs(actors=typed("actors", [{"actor_id": "a1", "cluster_id": "A"}])))
    panel = people_panel(nothing[nothing["cluster_id"] == "A"], None, "fr", t)
    assert panel["jobs"] == ["Aucun relevé des emplois saisi"]
    assert panel["members"] == "Aucune adhésion enregistrée" and panel["links"] == []
    employment = jobs([("A", P, "producer", 1, 0, 1, None), ("A", C, "producer", 1, 0, 1, None)])
    some = people_figures(inputs(employment=employment))
    lines = people_panel(some[some["cluster_id"] == "A"], None, "fr", t)["jobs"]
    # 1 job, held by a woman; youth not recorded; no change on 1 link: ±0
    assert lines[:3] == ["1 emploi (en équivalent temps plein)", "dont 1 tenu par une femme (100\u00a0%)",
                         "emplois tenus par des jeunes : non renseigné"]  # fmt: skip
    assert lines[3] == "Depuis 2023-2024, sur les mêmes maillons : emplois ±0, dont femmes ±0."
