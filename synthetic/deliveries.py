"""Deliveries of raw material to the aggregator, with the supply contracts they fall under (vectorised)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.actors import Members, type_size
from synthetic.clusters import Campaign, ClusterSpec

PEAK_WIDTH_DAYS = 24.0
OFF_SEASON = 0.06


@dataclass(frozen=True)
class DeliveryStats:
    """What later tables need to know about a campaign's deliveries."""

    count: int
    delivered_kg: float
    accepted_kg: float
    value_xof: float
    market_price: float
    days: np.ndarray
    supply_contracts: int


def market_price(spec: ClusterSpec, campaign: Campaign) -> float:
    """Reference farm-gate price (XOF/kg) of the cluster's raw material in a campaign."""
    return spec.chain.price_xof * spec.price_factor * 1.04 ** (campaign.first_year - 2023)


def season_density(spec: ClusterSpec, campaign: Campaign) -> np.ndarray:
    """Probability of each day of the window to see a delivery: harvest peaks over a low off-season floor."""
    dates = campaign.start + np.arange(campaign.days).astype("timedelta64[D]")
    density = np.full(campaign.days, OFF_SEASON)
    for year in (campaign.first_year - 1, campaign.first_year, campaign.first_year + 1):
        for month, day in spec.chain.peaks:
            peak = np.datetime64(f"{year:04d}-{month:02d}-{day:02d}")
            gap = (dates - peak).astype(float)
            density += np.exp(-0.5 * (gap / PEAK_WIDTH_DAYS) ** 2)
    return density / density.sum()


def padded_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Arrow strings `prefix` + zero-padded numbers, built without a Python loop."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _contract_rows(
    spec: ClusterSpec,
    rng: np.random.Generator,
    members: Members,
    campaign: Campaign,
    holders: np.ndarray,
    accepted_by: np.ndarray,
    prices: np.ndarray,
) -> dict[str, Any]:
    """Supply contract rows; the contracted quantity is set so that some contracts are met and others not."""
    m = len(holders)
    respected = rng.random(m) < campaign.levels.chance("contracts", 0.3, 0.96)
    ratio = np.where(respected, rng.uniform(0.92, 1.25, m), rng.uniform(0.3, 0.85, m))
    size = type_size(members.actor_type[holders])
    expected = spec.chain.delivery_kg * size * 6.0
    quantity = np.maximum(10.0, np.floor(np.where(accepted_by > 0, accepted_by / ratio, expected) / 10.0) * 10.0)
    signed = campaign.start + rng.integers(-60, 21, m).astype("timedelta64[D]")
    return {
        "contract_id": [f"{spec.cluster_id}-{campaign.first_year}-C{i:04d}" for i in range(1, m + 1)],
        "campaign": np.full(m, campaign.name, dtype=object),
        "cluster_id": np.full(m, spec.cluster_id, dtype=object),
        "counterparty_actor_id": members.ids[holders],
        "counterparty_kind": np.full(m, "raw_material_supplier", dtype=object),
        "signed_on": signed,
        "contracted_quantity_kg": quantity,
        "contracted_value_xof": quantity * prices,
        "contracted_unit_price_xof": prices,
        "fulfilment_pct": np.full(m, np.nan),
    }


def build_deliveries(
    spec: ClusterSpec, rng: np.random.Generator, members: Members, campaign: Campaign, c_index: int, base: int
) -> tuple[dict[str, Any], dict[str, Any], DeliveryStats]:
    """The campaign's deliveries, its supply contracts and a summary of both."""
    levels = campaign.levels
    n = max(1, round(base * campaign.scale))
    days = np.sort(rng.choice(campaign.days, n, p=season_density(spec, campaign)))
    producers = members.active_producers(c_index)
    if len(producers) == 0:
        producers = members.of_link("producer")
    weights = members.capacity[producers]
    supplier = producers[rng.choice(len(producers), n, p=weights / weights.sum())]

    individual = members.actor_type[producers] == "individual"
    coverage = levels.chance("contracts", 0.06, 0.85)
    signs = rng.random(len(producers)) < np.where(individual, coverage, min(1.0, coverage * 1.5))
    holders = producers[signs]
    contract_of = np.full(len(members.ids), -1)
    contract_of[holders] = np.arange(len(holders))
    contract = contract_of[supplier]
    contract[rng.random(n) < 0.04] = -1

    size = type_size(members.actor_type[supplier])
    quantity = np.round(np.clip(spec.chain.delivery_kg * size * rng.lognormal(0.0, 0.5, n), 5.0, 900_000.0), 1)
    meets = rng.random(n) < levels.chance("quality", 0.55, 0.96)
    loss = np.where(meets, rng.uniform(0.0, 0.03, n) * (rng.random(n) < 0.25), rng.uniform(0.15, 0.8, n))
    accepted = np.minimum(quantity, np.round(quantity * (1.0 - loss), 1))

    market = market_price(spec, campaign)
    contract_price = np.round(market * rng.uniform(1.0, 1.08, len(holders)) / 5.0) * 5.0
    price = np.round(market * rng.normal(1.0, 0.05, n) / 5.0) * 5.0
    under = contract >= 0
    price[under] = contract_price[contract[under]]
    value = float(np.sum(accepted * price))
    price[rng.random(n) < 0.003] = np.nan

    accepted_by = np.bincount(contract[under], weights=accepted[under], minlength=len(holders))
    contracts = _contract_rows(spec, rng, members, campaign, holders, accepted_by, contract_price)

    traceable = rng.random(n) < levels.chance("quality", 0.45, 0.995)
    lots = padded_ids(f"L{campaign.first_year}-{spec.cluster_id[3:]}-", np.cumsum(traceable), 5)
    contract_ids = pa.array(contracts["contract_id"], pa.string())
    width = max(5, len(str(n)))
    columns = {
        "delivery_id": padded_ids(f"{spec.cluster_id}-{campaign.first_year}-D", np.arange(1, n + 1), width),
        "campaign": pa.repeat(campaign.name, n),
        "cluster_id": pa.repeat(spec.cluster_id, n),
        "supplier_actor_id": pa.array(members.ids, pa.string()).take(pa.array(supplier)),
        "delivery_date": campaign.start + days.astype("timedelta64[D]"),
        "product": pa.repeat(spec.chain.product, n),
        "quantity_kg": quantity,
        "accepted_kg": accepted,
        "meets_standard": pa.array(meets, mask=rng.random(n) < 0.01),
        "lot_id": pc.if_else(pa.array(traceable), lots, pa.scalar(None, pa.string())),
        "unit_price_xof": price,
        "contract_id": contract_ids.take(pa.array(contract, mask=~under)),
    }
    stats = DeliveryStats(
        count=n,
        delivered_kg=float(quantity.sum()),
        accepted_kg=float(accepted.sum()),
        value_xof=value,
        market_price=market,
        days=days,
        supply_contracts=len(holders),
    )
    return columns, contracts, stats
