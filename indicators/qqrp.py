"""The competitiveness panel (QQRP): quantity, quality, regularity and price of each cluster's campaign."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON, flags, floats, per_season, ratio
from indicators.inputs import Inputs
from indicators.products import Conversions, normalise

COLUMNS = [
    "cluster_id", "campaign", "accepted_kg", "sold_kg", "quality_share", "regular_weeks_share",
    "weekly_volume_cv", "producer_price_xof", "selling_price_xof",
    "delivered_kg", "delivery_quality_share", "campaign_weeks", "weeks_with_deliveries",
]  # fmt: skip


PRICE_COLUMNS = [
    "cluster_id", "campaign", "product", "sold_kg", "selling_price_xof", "raw_product", "raw_kg_per_kg",
    "raw_price_xof",
]  # fmt: skip


def qqrp(inp: Inputs, conversions: Conversions | None = None, seasons: str = "current") -> pd.DataFrame:
    """One row per reviewed cluster for the reviewed campaign (NaN where the data is missing); with
    `seasons="recent"`, one row per campaign of the cluster's last 3 up to the reviewed one (for the charts).

    Quantity: accepted_kg, sold_kg (and delivered_kg). Quality: quality_share = sold kg meeting the client's
    standard / sold kg with conformity recorded (delivery_quality_share: the same on delivered kg).
    Regularity: regular_weeks_share = campaign weeks with at least one delivery / campaign weeks, and the
    coefficient of variation (population) of accepted kg per campaign week, empty weeks included. Price:
    producer_price_xof = paid / accepted kg with a price (per kg of the cluster's raw product);
    selling_price_xof = sold value / kg of raw material sold, over the sold products that are the raw product
    or have a conversion ratio (NaN when none has: a kg of butter is not a kg of nuts; see `prices`).
    """
    panel = inp.seasons.loc[inp.seasons[seasons], SEASON].reset_index(drop=True)
    if inp.deliveries is not None:
        d = inp.deliveries
        delivered = d[SEASON].assign(
            accepted_kg=d["accepted_kg"],
            delivered_kg=d["quantity_kg"],
            delivery_quality_share=ratio(d["standard_kg"], d["standard_known_kg"]),
            regular_weeks_share=ratio(d["weeks_with_deliveries"], d["campaign_weeks"]),
            weekly_volume_cv=d["weekly_cv"],
            producer_price_xof=ratio(d["paid_xof"], d["priced_accepted_kg"]),
            campaign_weeks=d["campaign_weeks"],
            weeks_with_deliveries=d["weeks_with_deliveries"],
        )
        panel = panel.merge(delivered, how="left", on=SEASON)
    by_product = prices(inp, conversions or {}, seasons)
    if len(by_product):
        value = by_product["sold_kg"] * by_product["selling_price_xof"]
        raw = by_product["sold_kg"] * by_product["raw_kg_per_kg"]
        comparable = (
            by_product.assign(value=value.where(raw.notna()), raw=raw)
            .groupby(SEASON, as_index=False)[["value", "raw"]]
            .sum(min_count=1)
        )
        comparable["selling_price_xof"] = ratio(comparable["value"], comparable["raw"])
        panel = panel.merge(comparable[[*SEASON, "selling_price_xof"]], how="left", on=SEASON)
    sales = inp.get("sales")
    if sales is not None:
        quantity = np.nan_to_num(floats(sales["quantity_kg"]))
        standard = sales["meets_client_standard"]
        sold = per_season(
            inp,
            "sales",
            sold_kg=quantity,
            known_kg=quantity * standard.notna().to_numpy(),
            standard_kg=quantity * flags(standard),
        )
        sold = sold[SEASON].assign(sold_kg=sold["sold_kg"], quality_share=ratio(sold["standard_kg"], sold["known_kg"]))
        panel = panel.merge(sold, how="left", on=SEASON)
    return panel.reindex(columns=COLUMNS).astype({column: "float64" for column in COLUMNS[2:]})


def prices(inp: Inputs, conversions: Conversions, seasons: str = "current") -> pd.DataFrame:
    """One row per reviewed season (`seasons`: the `current` one or the `recent` ones) and sold product: kg sold
    with a price, mean selling price, and its price per kg of the cluster's raw product where comparable (the same
    product, or a ratio for the value chain)."""
    sales = inp.get("sales")
    if sales is None:
        return pd.DataFrame(columns=PRICE_COLUMNS)
    season = inp.season_of("sales")
    current = inp.seasons[seasons].to_numpy()
    price = floats(sales["unit_price_xof"])
    quantity = floats(sales["quantity_kg"])
    keep = (season >= 0) & ~np.isnan(price) & ~np.isnan(quantity)
    keep[keep] = current[season[keep]]
    rows = pd.DataFrame(
        {"season": season[keep], "product": sales["product"].to_numpy()[keep], "kg": quantity[keep],
         "value": quantity[keep] * price[keep]}
    )  # fmt: skip
    table = rows.groupby(["season", "product"], as_index=False, sort=True)[["kg", "value"]].sum()
    chosen = inp.seasons.iloc[table["season"].to_numpy()]  # with the registry's value chain and product
    chain, raw = chosen["value_chain"].map(normalise).to_numpy(), chosen["product"].to_numpy()
    same = [normalise(sold) == normalise(own) for sold, own in zip(table["product"], raw, strict=True)]
    ratios = [
        1.0 if is_same else conversions.get((c, normalise(sold)), np.nan)
        for is_same, c, sold in zip(same, chain, table["product"], strict=True)
    ]
    out = pd.DataFrame(
        {"cluster_id": chosen["cluster_id"].to_numpy(), "campaign": chosen["campaign"].to_numpy(),
         "product": table["product"].astype("str").to_numpy(), "sold_kg": table["kg"].to_numpy(),
         "selling_price_xof": ratio(table["value"], table["kg"]), "raw_product": pd.array(raw, dtype="str"),
         "raw_kg_per_kg": np.asarray(ratios, dtype=float)}
    )  # fmt: skip
    out["raw_price_xof"] = out["selling_price_xof"] / out["raw_kg_per_kg"]
    return out.sort_values(["cluster_id", "sold_kg"], ascending=[True, False]).reset_index(drop=True)
