"""The competitiveness panel (QQRP): quantity, quality, regularity and price of each cluster's campaign."""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.common import SEASON, flags, floats, per_season, ratio
from indicators.inputs import Inputs

COLUMNS = [
    "cluster_id", "campaign", "accepted_kg", "sold_kg", "quality_share", "regular_weeks_share",
    "weekly_volume_cv", "producer_price_xof", "selling_price_xof",
    "delivered_kg", "delivery_quality_share", "campaign_weeks", "weeks_with_deliveries",
]  # fmt: skip


def qqrp(inp: Inputs) -> pd.DataFrame:
    """One row per reviewed cluster for the reviewed campaign (NaN where the data is missing).

    Quantity: accepted_kg, sold_kg (and delivered_kg). Quality: quality_share = sold kg meeting the client's
    standard / sold kg with conformity recorded (delivery_quality_share: the same on delivered kg).
    Regularity: regular_weeks_share = campaign weeks with at least one delivery / campaign weeks, and the
    coefficient of variation (population) of accepted kg per campaign week, empty weeks included. Price:
    producer_price_xof = paid / accepted kg with a price, selling_price_xof = sold value / sold kg.
    """
    panel = inp.seasons.loc[inp.seasons["current"], SEASON].reset_index(drop=True)
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
    sales = inp.get("sales")
    if sales is not None:
        quantity, price = np.nan_to_num(floats(sales["quantity_kg"])), floats(sales["unit_price_xof"])
        standard = sales["meets_client_standard"]
        sold = per_season(
            inp,
            "sales",
            sold_kg=quantity,
            known_kg=quantity * standard.notna().to_numpy(),
            standard_kg=quantity * flags(standard),
            priced_kg=quantity * ~np.isnan(price),
            value_xof=quantity * np.nan_to_num(price),
        )
        sold = sold[SEASON].assign(
            sold_kg=sold["sold_kg"],
            quality_share=ratio(sold["standard_kg"], sold["known_kg"]),
            selling_price_xof=ratio(sold["value_xof"], sold["priced_kg"]),
        )
        panel = panel.merge(sold, how="left", on=SEASON)
    return panel.reindex(columns=COLUMNS).astype({column: "float64" for column in COLUMNS[2:]})
