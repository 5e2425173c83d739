"""Metrics of axis 3 (contracting): supply under contract, supply contracts honoured, service contracts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from indicators.common import SEASON, empty, floats, per_season, ratio, result, why
from indicators.inputs import Inputs
from indicators.keys import positions
from indicators.registry import metric
from schemas.models import COUNTERPARTY_KINDS

SERVICE_KINDS = tuple(kind for kind in COUNTERPARTY_KINDS if kind != "raw_material_supplier")


@metric("share", "deliveries")
def contracted_volume_share(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Accepted kg delivered under a contract / accepted kg (n_rows: deliveries)."""
    seasons = inp.deliveries
    if seasons is None:
        return empty()
    value = ratio(seasons["contract_accepted_kg"], seasons["accepted_kg"])
    return result(seasons, value, seasons["n_rows"], why(value, (True, "no_accepted_volume")))


@metric(
    "share",
    "contracts",
    "deliveries",
    defaults={"counterparty_kinds": ["raw_material_supplier"], "min_delivered_share": 0.9},
)
def supply_contract_compliance(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of supply contracts whose accepted deliveries reach the given share of the contracted kg."""
    contracts = inp.get("contracts")
    if contracts is None:
        return empty()
    contracted = floats(contracts["contracted_quantity_kg"])
    chosen = contracts["counterparty_kind"].isin(params["counterparty_kinds"]).to_numpy() & (contracted > 0)
    by_contract = inp.delivered_by_contract if inp.delivered_by_contract is not None else pd.Series(dtype=float)
    at = positions(by_contract.index, contracts["contract_id"])
    delivered = np.append(by_contract.to_numpy(dtype=float), 0.0)[at]  # 0 for a contract with no delivery
    honoured = chosen & (delivered >= params["min_delivered_share"] * np.nan_to_num(contracted))
    seasons = per_season(inp, "contracts", n=chosen, honoured=honoured)
    with_deliveries = np.zeros(len(inp.seasons), dtype=bool)
    if inp.deliveries is not None:
        with_deliveries[inp.deliveries["season"].to_numpy()] = True
    delivered_seasons = with_deliveries[seasons["season"]]
    value = np.where(delivered_seasons, ratio(seasons["honoured"], seasons["n"]), np.nan)
    reason = why(value, (~delivered_seasons, "no_deliveries"), (True, "no_supply_contracts"))
    return result(seasons, value, seasons["n"], reason)


@metric("share", "contracts", defaults={"needed_kinds": list(SERVICE_KINDS)})
def service_contract_coverage(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of the needed service kinds covered by at least one contract (n_rows: the season's contracts)."""
    contracts = inp.rows("contracts")
    if contracts is None:
        return empty()
    needed = list(dict.fromkeys(params["needed_kinds"]))
    covering = contracts[contracts["counterparty_kind"].isin(needed)]
    seasons = contracts.groupby(SEASON, as_index=False).size()
    kinds = seasons.join(covering.groupby(SEASON)["counterparty_kind"].nunique(), on=SEASON)["counterparty_kind"]
    return result(seasons, kinds.fillna(0) / len(needed), seasons["size"])


@metric("share", "contracts", defaults={"counterparty_kinds": list(SERVICE_KINDS), "min_fulfilment_pct": 90.0})
def service_contract_compliance(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Share of service contracts with a recorded fulfilment_pct at or above the given percent."""
    contracts = inp.get("contracts")
    if contracts is None:
        return empty()
    fulfilment = floats(contracts["fulfilment_pct"])
    chosen = contracts["counterparty_kind"].isin(params["counterparty_kinds"]).to_numpy() & ~np.isnan(fulfilment)
    honoured = chosen & (np.nan_to_num(fulfilment) >= params["min_fulfilment_pct"])
    seasons = per_season(inp, "contracts", n=chosen, honoured=honoured)
    value = ratio(seasons["honoured"], seasons["n"])
    return result(seasons, value, seasons["n"], why(value, (True, "no_service_fulfilment")))
