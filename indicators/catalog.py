"""The metrics a grid entry may name: every registered metric (the metric modules, imported here) and the
vocabularies their parameters take their values from."""

from __future__ import annotations

from typing import Any

import pandas as pd

from indicators import metrics_contracts, metrics_governance, metrics_resources, metrics_value, metrics_volume
from indicators.common import empty
from indicators.inputs import Inputs
from indicators.metrics_contracts import SERVICE_KINDS
from indicators.registry import METRICS, MetricSpec, metric, params_of
from schemas.models import COUNTERPARTY_KINDS, EVENT_KINDS, LINKS, RESOURCE_KINDS

MODULES = (metrics_governance, metrics_resources, metrics_contracts, metrics_volume, metrics_value)
"""The modules whose decorated functions make the registry (one per axis or two): a new metric goes in one."""


@metric("score", "assessments")
def assessment(inp: Inputs, params: dict[str, Any]) -> pd.DataFrame:
    """Nothing computed: the indicator is scored from the assessments table only."""
    return empty()


VOCABULARIES: dict[str, tuple[str, ...]] = {
    "kinds": EVENT_KINDS,
    "visit_kinds": EVENT_KINDS,
    "links": LINKS,
    "counterparty_kinds": COUNTERPARTY_KINDS,
    "needed_kinds": SERVICE_KINDS,
    "resource_kind": RESOURCE_KINDS,
}
"""Parameter name -> the values it may take (from the table contracts)."""

__all__ = ["METRICS", "MODULES", "SERVICE_KINDS", "VOCABULARIES", "MetricSpec", "params_of"]
