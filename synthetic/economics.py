"""Resources needed and obtained, operating accounts and jobs per value-chain link."""

from __future__ import annotations

from typing import Any

import numpy as np

from schemas.models import LINKS
from synthetic.actors import Members
from synthetic.clusters import Campaign, ClusterSpec
from synthetic.deliveries import DeliveryStats
from synthetic.places import ADVISORY_RESOURCES, FINANCIAL_RESOURCES, HUMAN_RESOURCES

MONEY = (
    "production_value_xof",
    "intermediate_consumption_xof",
    "labour_cost_xof",
    "financial_cost_xof",
    "taxes_xof",
)
# link -> (base: "raw" purchases, "sales" or a fixed budget, production value range as a share of base,
#          intermediate consumption range as a share of production value)
ACCOUNT_TERMS: dict[str, tuple[str, tuple[float, float], tuple[float, float]]] = {
    "input_supplier": ("raw", (0.05, 0.12), (0.6, 0.8)),
    "processor": ("sales", (0.05, 0.15), (0.6, 0.8)),
    "trader": ("sales", (0.1, 0.3), (0.65, 0.85)),
    "distributor": ("sales", (0.05, 0.15), (0.7, 0.85)),
    "financial_service": ("raw", (0.01, 0.03), (0.2, 0.4)),
    "non_financial_service": ("raw", (0.01, 0.04), (0.3, 0.5)),
    "public_support": ("budget", (1.0, 6.0), (0.5, 0.7)),
}


def resources(spec: ClusterSpec, rng: np.random.Generator, campaign: Campaign, stats: DeliveryStats) -> dict[str, Any]:
    """Needs of the campaign by kind (material, human, financial, advisory) and what was obtained."""
    items: list[tuple[str, str, str, float]] = []
    for item, unit in spec.chain.materials:
        needed = float(rng.integers(500, 5001)) if unit == "sac" else float(rng.integers(2, 13))
        items.append(("material", item, unit, needed))
    items += [("human", item, unit, float(rng.integers(2, 26))) for item, unit in HUMAN_RESOURCES]
    shares = ((0.3, 0.6), (0.2, 0.4), None)
    for (item, unit), share in zip(FINANCIAL_RESOURCES, shares, strict=True):
        amount = stats.value_xof * rng.uniform(*share) if share else rng.uniform(2e6, 15e6)
        items.append(("financial", item, unit, float(np.round(amount / 1000.0) * 1000.0)))
    items += [("advisory", item, unit, float(rng.integers(4, 21))) for item, unit in ADVISORY_RESOURCES]
    ratio = np.clip(rng.normal(campaign.levels.chance("resources", 0.35, 1.02), 0.1, len(items)), 0.0, 1.3)
    obtained: list[float | None] = []
    for (_, _, unit, needed), r in zip(items, ratio, strict=True):
        step = 1000.0 if unit == "XOF" else 1.0
        obtained.append(None if rng.random() < 0.03 else float(np.round(needed * r / step) * step))
    count = len(items)
    return {
        "cluster_id": [spec.cluster_id] * count,
        "campaign": [campaign.name] * count,
        "resource_kind": [row[0] for row in items],
        "item": [row[1] for row in items],
        "needed_qty": [row[3] for row in items],
        "obtained_qty": obtained,
        "unit": [row[2] for row in items],
    }


def _present_links(members: Members, c_index: int) -> list[str]:
    """Links with at least one active actor in the campaign, in contract order."""
    active = set(members.link[members.active[c_index]])
    return [link for link in LINKS if link in active]


def _account(
    rng: np.random.Generator, link: str, aggregator: str, raw: float, sales: float, econ: float
) -> list[float]:
    """Production value, intermediate consumption, labour, financial costs and taxes of one link."""
    if link == "producer":
        value = raw * (rng.uniform(1.1, 1.3) + 0.4 * econ)
        return [
            value,
            value * rng.uniform(0.3, 0.45),
            value * rng.uniform(0.1, 0.2),
            value * rng.uniform(0.01, 0.04),
            value * rng.uniform(0.0, 0.01),
        ]
    if link == aggregator:
        value = sales * rng.uniform(1.0, 1.15)
        consumption = min(value * rng.uniform(0.8, 0.92), raw + value * rng.uniform(0.05, 0.12))
    else:
        base, share, consumed = ACCOUNT_TERMS[link]
        reference = {"raw": raw, "sales": sales, "budget": 1e6}[base]
        value = reference * rng.uniform(*share)
        consumption = value * rng.uniform(*consumed)
    return [
        value,
        consumption,
        value * rng.uniform(0.05, 0.15),
        value * rng.uniform(0.005, 0.03),
        value * rng.uniform(0.0, 0.02),
    ]


def operating_accounts(
    spec: ClusterSpec,
    rng: np.random.Generator,
    members: Members,
    campaign: Campaign,
    c_index: int,
    stats: DeliveryStats,
    sales_value: float,
) -> dict[str, Any]:
    """One account per link with active actors; some links miss theirs, some accounts miss a figure."""
    levels = campaign.levels
    rows: list[dict[str, Any]] = []
    for link in _present_links(members, c_index):
        if link != "producer" and rng.random() < levels.chance("economics", 0.35, 0.0):
            continue
        money: list[float | None] = [
            float(np.round(v / 1000.0) * 1000.0)
            for v in _account(rng, link, spec.aggregator_link, stats.value_xof, sales_value, levels["economics"])
        ]
        if rng.random() < levels.chance("economics", 0.6, 0.03):
            money[int(rng.integers(0, len(MONEY)))] = None
        count = int(((members.link == link) & members.active[c_index]).sum())
        rows.append({"link": link, "actor_count": count, **dict(zip(MONEY, money, strict=True))})
    return _frame(spec, campaign, rows, ("link", "actor_count", *MONEY))


def employment(
    spec: ClusterSpec,
    rng: np.random.Generator,
    members: Members,
    campaign: Campaign,
    c_index: int,
    stats: DeliveryStats,
) -> dict[str, Any]:
    """Permanent and seasonal jobs per link; they follow the accepted volume, so they grow with it."""
    rows: list[dict[str, Any]] = []
    for link in _present_links(members, c_index):
        count = int(((members.link == link) & members.active[c_index]).sum())
        if link == "producer":
            permanent, seasonal = count * rng.uniform(0.02, 0.06), stats.accepted_kg / rng.uniform(4000, 8000)
        elif link == spec.aggregator_link:
            permanent = 3 + stats.accepted_kg / rng.uniform(40_000, 80_000)
            seasonal = stats.accepted_kg / rng.uniform(15_000, 30_000)
        else:
            permanent, seasonal = count * rng.uniform(1, 3), count * rng.uniform(0, 2)
        total = permanent + seasonal
        women = total * float(np.clip(spec.chain.women_share + rng.normal(0, 0.05), 0, 1))
        youth = total * rng.uniform(0.25, 0.5)
        rows.append(
            {
                "link": link,
                "permanent_jobs": round(permanent, 1),
                "seasonal_jobs_fte": round(seasonal, 1),
                "women_jobs": None if rng.random() < 0.05 else round(women, 1),
                "youth_jobs": None if rng.random() < 0.05 else round(youth, 1),
            }
        )
    return _frame(spec, campaign, rows, ("link", "permanent_jobs", "seasonal_jobs_fte", "women_jobs", "youth_jobs"))


def _frame(spec: ClusterSpec, campaign: Campaign, rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Rows of one cluster-campaign as columns, with the cluster and campaign filled in."""
    count = len(rows)
    return {
        "cluster_id": [spec.cluster_id] * count,
        "campaign": [campaign.name] * count,
        **{key: [row[key] for row in rows] for key in keys},
    }
