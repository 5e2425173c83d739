"""Typed input tables from a few hand-written rows, for tests and examples (defaults fill the other columns)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from schemas.tables import CONTRACTS, columns_of

DEFAULTS: dict[str, dict[str, Any]] = {
    "clusters": {
        "name": "Cluster", "value_chain": "riz", "product": "paddy", "department": "Collines", "commune": "Glazoué",
        "aggregator_name": "Agrégateur", "committee_emails": "comite@example.bj", "officer_emails": None,
        "language": "fr", "campaign_start_md": "10-01", "campaign_end_md": "06-30", "timezone": "Africa/Porto-Novo",
    },
    "actors": {"link": "producer", "actor_type": "individual", "name": "Acteur"},
    "memberships": {"active": True},
    "deliveries": {
        "supplier_actor_id": "A1", "delivery_date": "2024-11-04", "product": "paddy", "quantity_kg": 100.0,
        "accepted_kg": 100.0, "meets_standard": True, "lot_id": "L1", "unit_price_xof": 200.0, "contract_id": None,
    },
    "sales": {
        "sale_date": "2025-02-03", "market_kind": "national", "buyer": None, "product": "riz", "quantity_kg": 100.0,
        "unit_price_xof": 450.0, "meets_client_standard": True,
    },
    "contracts": {"counterparty_actor_id": None, "counterparty_kind": "raw_material_supplier"},
    "resources": {"item": "item", "unit": None},
    "member_services": {"service_kind": "group_purchase"},
    "governance_events": {"event_date": None, "planned": True, "held": True},
    "operating_accounts": {},
    "employment": {"women_jobs": None, "youth_jobs": None},
    "assessments": {"assessed_by": "coach", "assessed_on": "2025-06-20", "evidence": None},
}  # fmt: skip
KEYS = {"deliveries": ("delivery_id", "D"), "sales": ("sale_id", "S"), "contracts": ("contract_id", "K")}


def typed(table: str, rows: list[dict[str, Any]], **common: Any) -> pd.DataFrame:
    """The rows as a frame of `table`'s contract: defaults and `common` fill columns, pandera coerces types."""
    key = KEYS.get(table)
    filled = []
    for number, row in enumerate(rows, start=1):
        full = {**DEFAULTS[table], **common, **row}
        if key and key[0] not in full:
            full[key[0]] = f"{key[1]}{number}"
        if table == "governance_events" and "event_id" not in full:
            full["event_id"] = f"E{number}"
        filled.append(full)
    frame = pd.DataFrame(filled, columns=columns_of(table))
    return CONTRACTS[table].validate(frame)
