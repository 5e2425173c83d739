"""Governance of a campaign: meetings and milestones, collective services, committee assessments."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthetic.actors import Members
from synthetic.clusters import Campaign, ClusterSpec

SERVICE_KINDS = ("group_purchase", "moral_guarantee", "credit_facilitation", "equipment", "training")
SERVICE_ODDS = np.array([0.5, 0.2, 0.3, 0.15, 0.6])
EVENT_COLUMNS = (
    "event_id",
    "event_date",
    "kind",
    "planned",
    "held",
    "participants_expected",
    "participants_present",
    "minutes_available",
)
EVIDENCE_41 = {
    1: "Aucun support de communication externe",
    2: "Quelques spots radio sans plan écrit",
    3: "Plan de communication adopté; page Facebook animée",
    4: "Plan mis en œuvre: site web; émissions radio; bulletins; gadgets",
}
OTHER_ASSESSED = (("2.4", "resources"), ("1.3", "governance"), ("6.1", "economics"), ("4.3", "communication"))


class _Events:
    """Accumulates governance rows, numbering them per kind (CC-01, AG-01, ...)."""

    def __init__(self, rng: np.random.Generator, campaign: Campaign) -> None:
        self.rng, self.campaign, self.rows, self.counts = rng, campaign, [], {}

    def day(self, low: int, high: int) -> np.datetime64:
        """A date `low` to `high` days after the campaign start (inclusive)."""
        return self.campaign.start + np.timedelta64(int(self.rng.integers(low, high + 1)), "D")

    def add(
        self,
        code: str,
        kind: str,
        date: np.datetime64 | None,
        planned: bool,
        held: bool,
        expected: int | None = None,
        attendance: float = 0.0,
        minutes: float = 0.0,
    ) -> None:
        """One event; attendance and minutes odds apply only to held events."""
        self.counts[code] = self.counts.get(code, 0) + 1
        present = int(self.rng.binomial(expected, attendance)) if held and expected else None
        self.rows.append(
            {
                "event_id": f"{code}-{self.counts[code]:02d}",
                "event_date": date,
                "kind": kind,
                "planned": planned,
                "held": held,
                "participants_expected": expected,
                "participants_present": present,
                "minutes_available": bool(self.rng.random() < minutes) if held and minutes else None,
            }
        )


def governance_events(
    spec: ClusterSpec, rng: np.random.Generator, members: Members, campaign: Campaign, c_index: int
) -> dict[str, Any]:
    """The campaign's meetings and milestones, planned or not, held or not."""
    levels, days = campaign.levels, campaign.days
    gov = levels["governance"]
    events = _Events(rng, campaign)
    size = 9 + spec.index % 7
    attend, minutes = levels.chance("governance", 0.45, 0.95), levels.chance("governance", 0.3, 0.97)
    planned = max(4, days // 45)
    for j in range(planned):
        held = bool(rng.random() < levels.chance("governance", 0.12, 0.99))
        centre = int((j + 0.5) * days / planned)
        date = events.day(max(0, centre - 5), min(days - 1, centre + 5))
        events.add(
            "CC",
            "committee_meeting",
            date if held or rng.random() < 0.5 else None,
            True,
            held,
            size,
            attend,
            minutes,
        )
    for _ in range(int(rng.poisson(0.7))):
        events.add("CC", "committee_meeting", events.day(0, days - 1), False, True, size, attend, minutes)
    members_count = int(members.active[c_index].sum())
    held = bool(rng.random() < levels.chance("governance", 0.5, 1.0))
    events.add(
        "AG",
        "general_assembly",
        events.day(10, 45) if held else None,
        True,
        held,
        members_count,
        levels.chance("loyalty", 0.3, 0.8),
        minutes,
    )
    if rng.random() < levels.chance("governance", 0.45, 1.0):
        offset = int(np.clip(round(rng.normal(90 - 125 * gov, 12)), -90, days - 1))
        events.add("PC", "campaign_plan_adopted", campaign.start + np.timedelta64(offset, "D"), True, True)
    elif rng.random() < 0.5:
        events.add("PC", "campaign_plan_adopted", None, True, False)
    for code, kind, expected in (
        ("BT", "technical_review", size),
        ("BF", "financial_review", size),
        ("RD", "decisions_restitution", members_count),
    ):
        held = bool(rng.random() < levels.chance("governance", 0.2, 0.97))
        date = events.day(days - 30, days - 1) if held else None
        events.add(code, kind, date, bool(rng.random() < 0.9), held, expected, attend, minutes)
    for _ in range(min(5, int(rng.poisson(levels.chance("communication", 0.2, 3.6))))):
        events.add("FO", "fair", events.day(0, days - 1), bool(rng.random() < 0.7), True)
    for _ in range(int(rng.poisson(levels.chance("communication", 0.8, 8.0)))):
        events.add(
            "RI",
            "internal_meeting",
            events.day(0, days - 1),
            bool(rng.random() < 0.8),
            True,
            int(rng.integers(8, 41)),
            0.7,
            0.6,
        )
    for _ in range(int(rng.integers(4, 11))):
        held = bool(rng.random() < levels.chance("resources", 0.35, 0.98))
        events.add("VC", "advisory_visit", events.day(0, days - 1) if held else None, True, held)
    for _ in range(int(rng.poisson(0.5))):
        events.add("VC", "advisory_visit", events.day(0, days - 1), False, True)
    count = len(events.rows)
    columns = {column: [row[column] for row in events.rows] for column in EVENT_COLUMNS}
    return {"cluster_id": [spec.cluster_id] * count, "campaign": [campaign.name] * count, **columns}


def member_services(
    spec: ClusterSpec, rng: np.random.Generator, members: Members, campaign: Campaign, c_index: int
) -> dict[str, Any]:
    """Collective services (group purchase, guarantee, credit, equipment, training) received by producers."""
    producers = members.active_producers(c_index)
    served = producers[rng.random(len(producers)) < campaign.levels.chance("governance", 0.04, 0.8)]
    got = rng.random((len(served), len(SERVICE_KINDS))) < SERVICE_ODDS
    got[
        np.arange(len(served)),
        rng.choice(len(SERVICE_KINDS), len(served), p=SERVICE_ODDS / SERVICE_ODDS.sum()),
    ] = True
    kinds = np.asarray(SERVICE_KINDS, dtype=object)
    kind_col = np.concatenate([np.full(int(got[:, j].sum()), kinds[j], dtype=object) for j in range(len(kinds))])
    actor_col = np.concatenate([members.ids[served[got[:, j]]] for j in range(len(kinds))])
    count = len(actor_col)
    return {
        "cluster_id": np.full(count, spec.cluster_id, dtype=object),
        "campaign": np.full(count, campaign.name, dtype=object),
        "service_kind": kind_col,
        "actor_id": actor_col,
    }


def assessments(spec: ClusterSpec, rng: np.random.Generator, campaign: Campaign) -> dict[str, Any]:
    """Committee or coach scores: 4.1 (external communication plan) always, a few others now and then."""
    wanted = [("4.1", "communication")] + [item for item in OTHER_ASSESSED if rng.random() < 0.15]
    rows = []
    for indicator, facet in wanted:
        score = int(np.clip(round(1 + 3 * campaign.levels[facet] + rng.normal(0, 0.35)), 1, 4))
        evidence = EVIDENCE_41[score] if indicator == "4.1" else "Appréciation du comité en fin de campagne"
        rows.append(
            {
                "indicator_id": indicator,
                "score": score,
                "assessed_by": "comité de coordination" if rng.random() < 0.6 else "coach ATDA",
                "assessed_on": campaign.end - np.timedelta64(int(rng.integers(0, 21)), "D"),
                "evidence": None if rng.random() < 0.1 else evidence,
            }
        )
    columns = {
        key: [row[key] for row in rows] for key in ("indicator_id", "score", "assessed_by", "assessed_on", "evidence")
    }
    return {"cluster_id": [spec.cluster_id] * len(rows), "campaign": [campaign.name] * len(rows), **columns}
