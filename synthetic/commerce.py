"""What the aggregator sells, and its service contracts (inputs, packaging, transport, credit, advice)."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthetic.actors import Members
from synthetic.clusters import Campaign, ClusterSpec
from synthetic.deliveries import DeliveryStats
from synthetic.places import BUYERS, MARKETS

MARKET_PREMIUM = np.array([0.95, 1.0, 1.06, 1.15])
SERVICE_LINKS: dict[str, tuple[str, ...]] = {
    "input_supplier": ("input_supplier",),
    "packaging": ("input_supplier", "non_financial_service"),
    "transport": ("non_financial_service", "trader"),
    "credit": ("financial_service",),
    "advisory": ("non_financial_service", "public_support"),
}
# kind -> (share of accepted kg contracted, unit price range XOF/kg); None = a money-only contract
SERVICE_TERMS: dict[str, tuple[tuple[float, float], tuple[float, float]] | None] = {
    "input_supplier": ((0.02, 0.05), (300.0, 450.0)),
    "packaging": ((0.003, 0.01), (800.0, 1500.0)),
    "transport": ((0.3, 0.8), (8.0, 20.0)),
    "credit": None,
    "advisory": None,
}


def build_sales(
    spec: ClusterSpec, rng: np.random.Generator, campaign: Campaign, stats: DeliveryStats
) -> dict[str, Any]:
    """The aggregator's sales of the campaign: processed products, spread after the deliveries."""
    chain = spec.chain
    m = max(3, stats.count // 20)
    yields = np.array([p[1] for p in chain.sale_products])
    prices = np.array([p[2] for p in chain.sale_products])
    product = rng.choice(len(yields), m, p=yields * prices / (yields * prices).sum())
    weight = rng.lognormal(0.0, 0.6, m)
    totals = stats.accepted_kg * rng.uniform(0.8, 0.95) * yields
    share = weight / np.bincount(product, weights=weight, minlength=len(yields))[product]
    quantity = np.round(np.clip(totals[product] * share, 1.0, 9_000_000.0), 1)
    market = rng.choice(len(MARKETS), m, p=np.asarray(chain.markets))
    trend = spec.price_factor * 1.04 ** (campaign.first_year - 2023)
    price = np.round(prices[product] * trend * MARKET_PREMIUM[market] * rng.normal(1.0, 0.06, m) / 5.0) * 5.0
    lag = rng.integers(3, 46, m)
    days = np.sort(np.minimum(stats.days[rng.integers(0, len(stats.days), m)] + lag, campaign.days - 1))
    buyers = [
        BUYERS[MARKETS[k]][int(rng.integers(0, len(BUYERS[MARKETS[k]])))].format(commune=spec.commune) for k in market
    ]
    buyer = np.asarray(buyers, dtype=object)
    buyer[rng.random(m) < 0.05] = None
    standard = np.where(rng.random(m) < campaign.levels.chance("quality", 0.5, 0.98), True, False).astype(object)
    standard[rng.random(m) < 0.02] = None
    return {
        "sale_id": [f"{spec.cluster_id}-{campaign.first_year}-S{i:04d}" for i in range(1, m + 1)],
        "campaign": np.full(m, campaign.name, dtype=object),
        "cluster_id": np.full(m, spec.cluster_id, dtype=object),
        "sale_date": campaign.start + days.astype("timedelta64[D]"),
        "market_kind": np.asarray(MARKETS, dtype=object)[market],
        "buyer": buyer,
        "product": np.asarray([p[0] for p in chain.sale_products], dtype=object)[product],
        "quantity_kg": quantity,
        "unit_price_xof": price,
        "meets_client_standard": standard,
    }


def _counterparty(rng: np.random.Generator, members: Members, c_index: int, links: tuple[str, ...]) -> str | None:
    """An active member of one of `links`, or None (a supplier from outside the cluster)."""
    pool = np.flatnonzero(np.isin(members.link, links) & members.active[c_index])
    if len(pool) == 0 or rng.random() < 0.1:
        return None
    return str(members.ids[pool[int(rng.integers(0, len(pool)))]])


def build_service_contracts(
    spec: ClusterSpec,
    rng: np.random.Generator,
    members: Members,
    campaign: Campaign,
    c_index: int,
    stats: DeliveryStats,
) -> dict[str, Any]:
    """Service contracts of the campaign, numbered after its supply contracts."""
    levels = campaign.levels
    rows: list[dict[str, Any]] = []
    covered = rng.random(len(SERVICE_LINKS)) < levels.chance("contracts", 0.12, 0.97)
    for kind, is_covered in zip(SERVICE_LINKS, covered, strict=True):
        for _ in range(int(is_covered) * (1 + int(rng.random() < 0.3))):
            terms = SERVICE_TERMS[kind]
            if terms is None:
                quantity = price = None
                low, high = (0.15, 0.4) if kind == "credit" else (0.01, 0.05)
                value = float(np.round(stats.value_xof * rng.uniform(low, high) / 1000.0) * 1000.0)
            else:
                quantity = float(np.floor(stats.accepted_kg * rng.uniform(*terms[0]) / 10.0) * 10.0)
                step = 5.0 if terms[1][0] >= 100 else 0.5
                price = float(np.round(rng.uniform(*terms[1]) / step) * step)
                value = quantity * price
            kept = rng.random() < levels.chance("contracts", 0.3, 0.95)
            pct = rng.uniform(90.0, 112.0) if kept else rng.uniform(35.0, 89.5)
            rows.append(
                {
                    "counterparty_actor_id": _counterparty(rng, members, c_index, SERVICE_LINKS[kind]),
                    "counterparty_kind": kind,
                    "signed_on": campaign.start + np.timedelta64(int(rng.integers(-45, 60)), "D"),
                    "contracted_quantity_kg": quantity,
                    "contracted_value_xof": value,
                    "contracted_unit_price_xof": price,
                    "fulfilment_pct": None if rng.random() < 0.05 else round(float(pct), 1),
                }
            )
    first = stats.supply_contracts + 1
    return {
        "contract_id": [f"{spec.cluster_id}-{campaign.first_year}-C{first + i:04d}" for i in range(len(rows))],
        "campaign": [campaign.name] * len(rows),
        "cluster_id": [spec.cluster_id] * len(rows),
        **{
            key: [row[key] for row in rows]
            for key in (
                "counterparty_actor_id",
                "counterparty_kind",
                "signed_on",
                "contracted_quantity_kg",
                "contracted_value_xof",
                "contracted_unit_price_xof",
                "fulfilment_pct",
            )
        },
    }
