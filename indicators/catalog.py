"""The metrics a grid entry may name: unit, source table and default parameters of each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.tables import COUNTERPARTY_KINDS, EVENT_KINDS, LINKS, RESOURCE_KINDS

SERVICE_KINDS = tuple(kind for kind in COUNTERPARTY_KINDS if kind != "raw_material_supplier")


@dataclass(frozen=True)
class MetricSpec:
    """What a metric measures in: its unit, the table it needs first, and its parameters with defaults."""

    unit: str
    source: str
    defaults: dict[str, Any] = field(default_factory=dict)


METRICS: dict[str, MetricSpec] = {
    "committee_meeting_rate": MetricSpec("share", "governance_events", {"kinds": ["committee_meeting"]}),
    "plan_delay_days": MetricSpec("days", "governance_events", {"kinds": ["campaign_plan_adopted"]}),
    "service_reach": MetricSpec("share", "memberships", {"links": ["producer"]}),
    "accountability_events": MetricSpec(
        "count", "governance_events", {"kinds": ["technical_review", "financial_review", "decisions_restitution"]}
    ),
    "resource_coverage": MetricSpec("share", "resources", {"resource_kind": "material"}),
    "advisory_coverage": MetricSpec(
        "share", "resources", {"resource_kind": "advisory", "visit_kinds": ["advisory_visit"]}
    ),
    "contracted_volume_share": MetricSpec("share", "deliveries"),
    "supply_contract_compliance": MetricSpec(
        "share", "contracts", {"counterparty_kinds": ["raw_material_supplier"], "min_delivered_share": 0.9}
    ),
    "service_contract_coverage": MetricSpec("share", "contracts", {"needed_kinds": list(SERVICE_KINDS)}),
    "service_contract_compliance": MetricSpec(
        "share", "contracts", {"counterparty_kinds": list(SERVICE_KINDS), "min_fulfilment_pct": 90.0}
    ),
    "assessment": MetricSpec("score", "assessments"),
    "events_held": MetricSpec("count", "governance_events", {"kinds": ["fair"]}),
    "member_retention": MetricSpec("share", "memberships", {"links": ["producer"]}),
    "accepted_volume_growth": MetricSpec("rate_per_year", "deliveries", {"campaigns": 3}),
    "sold_standard_share": MetricSpec("share", "sales"),
    "sold_standard_trend": MetricSpec("points_per_year", "sales", {"campaigns": 3}),
    "traceable_share": MetricSpec("share", "deliveries"),
    "rejection_rate": MetricSpec("share", "deliveries"),
    "value_added_determined": MetricSpec("share", "operating_accounts"),
    "value_added_growth": MetricSpec("rate_per_year", "operating_accounts", {"min_covered_share": 0.5}),
    "producer_value_added_share": MetricSpec("share", "operating_accounts", {"links": ["producer"]}),
    "jobs_growth": MetricSpec("rate_per_year", "employment", {"min_covered_share": 0.5}),
}
"""Metric name -> spec. A grid entry's `unit` must equal its metric's unit; its `params` override the defaults."""

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "kinds": EVENT_KINDS,
    "visit_kinds": EVENT_KINDS,
    "links": LINKS,
    "counterparty_kinds": COUNTERPARTY_KINDS,
    "needed_kinds": SERVICE_KINDS,
    "resource_kind": RESOURCE_KINDS,
}
"""Parameter name -> the values it may take (from the table contracts)."""


def params_of(metric: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metric's parameters: its defaults updated with `params`."""
    return {**METRICS[metric].defaults, **(params or {})}
