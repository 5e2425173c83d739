"""The input tables of the domain contract (shared/docs/domain.md), one pandera model each.

Each model's docstring states its grain (what one row is) and its natural key. Column names carry units
(`*_kg`, `*_xof`, `*_pct`) and booleans read `is_*` or a plain adjective. Models coerce, so a frame read from a
CSV of strings comes out typed; cross-table rules (a delivery's supplier is a known actor) live in
`validations/`, next to the quarantine that reports them.
"""

from __future__ import annotations

import sys
import types

import pandas as pd
import pandera.pandas as pa
from pandera.typing.pandas import Series


def _contracts_annotate_pandas_only() -> None:
    """pandera finds out which dataframe libraries are installed by importing them: with Dask installed (for the
    distributed review), building the first contract imported `dask.dataframe`, 0.5 to 1.0 s, two thirds of a
    small file's intake. Vigie's contracts annotate pandas frames only, so pandera is told Dask is absent."""
    if "pandera.typing.dask" not in sys.modules:
        stub = types.ModuleType("pandera.typing.dask", "Dask types: not used by Vigie's contracts.")
        stub.DASK_INSTALLED = False  # type: ignore[attr-defined]
        sys.modules["pandera.typing.dask"] = stub


_contracts_annotate_pandas_only()


LINKS = (
    "input_supplier",
    "producer",
    "processor",
    "trader",
    "distributor",
    "financial_service",
    "non_financial_service",
    "public_support",
)
ACTOR_TYPES = ("individual", "producer_org", "cooperative", "enterprise", "public")
MARKET_KINDS = ("local", "national", "regional", "export")
COUNTERPARTY_KINDS = ("raw_material_supplier", "input_supplier", "packaging", "transport", "credit", "advisory")
RESOURCE_KINDS = ("material", "human", "financial", "advisory")
EVENT_KINDS = (
    "committee_meeting",
    "general_assembly",
    "campaign_plan_adopted",
    "technical_review",
    "financial_review",
    "decisions_restitution",
    "fair",
    "internal_meeting",
    "advisory_visit",
)
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
ACTION_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "planned": ("prevue", "prevu", "planifiee", "planifie", "pas commencee", "pas commence", "pas encore commencee",
                "pas encore commence", "non commencee", "non commence", "a faire", "a venir", "not started", "to do"),
    "in_progress": ("en cours", "commencee", "commence", "en cours de realisation", "started", "ongoing"),
    "done": ("fait", "faite", "realisee", "realise", "terminee", "termine", "achevee", "acheve", "completed"),
    "dropped": ("abandonnee", "abandonne", "annulee", "annule", "abandoned", "cancelled", "canceled"),
}  # fmt: skip
"""The words an officer types for each status, besides the code itself, as they are compared: lower case, without
accents, `_` and `-` read as spaces ("Pas commencé", "FAIT", "en-cours", "in_progress" are all understood)."""
LANGUAGES = ("fr", "en")
CAMPAIGN_PATTERN = r"^\d{4}(-\d{4})?$"
INDICATOR_ID = r"^[1-6]\.[1-9][0-9]?$"  # axis 1..6, then the indicator's number on its axis (1.1, 5.4, 5.5 ...)
MONTH_DAY_PATTERN = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
EMAIL_LIST_PATTERN = r"^[^@\s;,]+@[^@\s;,]+(\s*;\s*[^@\s;,]+@[^@\s;,]+)*$"


Bool = pd.BooleanDtype
Int = pd.Int64Dtype
Float = pd.Float64Dtype


class _Contract(pa.DataFrameModel):
    class Config:
        coerce = True
        strict = False  # extra columns (Kobo metadata, notes) are tolerated and ignored downstream


class Clusters(_Contract):
    """One row per cluster (reference data). Key: cluster_id.

    `committee_emails` and `officer_emails` are `;`-separated lists; the campaign calendar is given as
    month-day strings (`10-01`), a campaign whose end comes before its start spans two calendar years.
    """

    cluster_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 1, "max_value": 64})
    name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 200})
    value_chain: Series[str]
    product: Series[str]
    department: Series[str]
    commune: Series[str]
    aggregator_name: Series[str]
    committee_emails: Series[str] = pa.Field(str_matches=EMAIL_LIST_PATTERN)
    officer_emails: Series[str] = pa.Field(nullable=True, str_matches=EMAIL_LIST_PATTERN)
    language: Series[str] = pa.Field(isin=LANGUAGES)
    campaign_start_md: Series[str] = pa.Field(str_matches=MONTH_DAY_PATTERN)
    campaign_end_md: Series[str] = pa.Field(str_matches=MONTH_DAY_PATTERN)
    timezone: Series[str]


class Actors(_Contract):
    """One row per member actor of a cluster. Key: actor_id."""

    actor_id: Series[str] = pa.Field(unique=True)
    cluster_id: Series[str]
    link: Series[str] = pa.Field(isin=LINKS)
    actor_type: Series[str] = pa.Field(isin=ACTOR_TYPES)
    name: Series[str]
    sex: Series[str] = pa.Field(nullable=True, isin=("F", "M"))
    is_youth: Series[Bool] = pa.Field(nullable=True)
    commune: Series[str] = pa.Field(nullable=True)
    distance_km_to_aggregator: Series[Float] = pa.Field(nullable=True, ge=0, le=2000)
    joined_on: Series[pa.DateTime] = pa.Field(nullable=True)


class Memberships(_Contract):
    """One row per actor and campaign: whether the actor was active. Key: cluster_id, campaign, actor_id."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    actor_id: Series[str]
    active: Series[Bool]

    class Config:
        unique = ["cluster_id", "campaign", "actor_id"]


class Deliveries(_Contract):
    """One row per delivery of raw material to the aggregator. Key: delivery_id.

    `accepted_kg` is what the aggregator kept after grading; `lot_id` empty means the lot is not traceable;
    `contract_id` empty means the delivery was made outside any contract.
    """

    delivery_id: Series[str] = pa.Field(unique=True)
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    cluster_id: Series[str]
    supplier_actor_id: Series[str]
    delivery_date: Series[pa.DateTime]
    product: Series[str]
    quantity_kg: Series[Float] = pa.Field(gt=0, le=1_000_000)
    accepted_kg: Series[Float] = pa.Field(ge=0, le=1_000_000)
    meets_standard: Series[Bool] = pa.Field(nullable=True)
    lot_id: Series[str] = pa.Field(nullable=True)
    unit_price_xof: Series[Float] = pa.Field(ge=0, le=10_000_000, nullable=True)
    contract_id: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="accepted_kg is above quantity_kg")
    def accepted_within_delivered(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["accepted_kg"] <= df["quantity_kg"]).fillna(True)


class Sales(_Contract):
    """One row per sale by the aggregator on a market. Key: sale_id."""

    sale_id: Series[str] = pa.Field(unique=True)
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    cluster_id: Series[str]
    sale_date: Series[pa.DateTime]
    market_kind: Series[str] = pa.Field(isin=MARKET_KINDS)
    buyer: Series[str] = pa.Field(nullable=True)
    product: Series[str]
    quantity_kg: Series[Float] = pa.Field(gt=0, le=10_000_000)
    unit_price_xof: Series[Float] = pa.Field(ge=0, le=10_000_000)
    meets_client_standard: Series[Bool] = pa.Field(nullable=True)


class Contracts(_Contract):
    """One row per contract signed by the aggregator. Key: contract_id.

    Supply contracts (`raw_material_supplier`) carry a contracted quantity; service contracts carry
    `fulfilment_pct`, recorded at season end.
    """

    contract_id: Series[str] = pa.Field(unique=True)
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    cluster_id: Series[str]
    counterparty_actor_id: Series[str] = pa.Field(nullable=True)
    counterparty_kind: Series[str] = pa.Field(isin=COUNTERPARTY_KINDS)
    signed_on: Series[pa.DateTime] = pa.Field(nullable=True)
    contracted_quantity_kg: Series[Float] = pa.Field(nullable=True, ge=0)
    contracted_value_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    contracted_unit_price_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    fulfilment_pct: Series[Float] = pa.Field(nullable=True, ge=0, le=200)


class Resources(_Contract):
    """One row per resource need of a campaign. Key: cluster_id, campaign, resource_kind, item."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    resource_kind: Series[str] = pa.Field(isin=RESOURCE_KINDS)
    item: Series[str]
    needed_qty: Series[Float] = pa.Field(ge=0)
    obtained_qty: Series[Float] = pa.Field(ge=0, nullable=True)
    unit: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = ["cluster_id", "campaign", "resource_kind", "item"]


class MemberServices(_Contract):
    """One row per collective service received by a member in a campaign.

    Key: cluster_id, campaign, service_kind, actor_id.
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    service_kind: Series[str]
    actor_id: Series[str]

    class Config:
        unique = ["cluster_id", "campaign", "service_kind", "actor_id"]


class GovernanceEvents(_Contract):
    """One row per meeting or milestone of a campaign, planned or not. Key: cluster_id, campaign, event_id.

    `planned` says the event was in the campaign plan; `held` says it took place (a planned meeting that
    did not happen has `held` false and may have no date).
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    event_id: Series[str]
    event_date: Series[pa.DateTime] = pa.Field(nullable=True)
    kind: Series[str] = pa.Field(isin=EVENT_KINDS)
    planned: Series[Bool]
    held: Series[Bool]
    participants_expected: Series[Int] = pa.Field(nullable=True, ge=0)
    participants_present: Series[Int] = pa.Field(nullable=True, ge=0)
    minutes_available: Series[Bool] = pa.Field(nullable=True)

    class Config:
        unique = ["cluster_id", "campaign", "event_id"]


class OperatingAccounts(_Contract):
    """One row per value-chain link and campaign ("compte d'exploitation"). Key: cluster_id, campaign, link.

    Value added = production value - intermediate consumption; net operating income = value added - labour -
    financial costs - taxes. An account is complete when every money column is filled in.
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    link: Series[str] = pa.Field(isin=LINKS)
    actor_count: Series[Int] = pa.Field(nullable=True, ge=0)
    production_value_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    intermediate_consumption_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    labour_cost_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    financial_cost_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    taxes_xof: Series[Float] = pa.Field(nullable=True, ge=0)

    class Config:
        unique = ["cluster_id", "campaign", "link"]


class Employment(_Contract):
    """One row per value-chain link and campaign: the jobs it gives. Key: cluster_id, campaign, link."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    link: Series[str] = pa.Field(isin=LINKS)
    permanent_jobs: Series[Float] = pa.Field(ge=0)
    seasonal_jobs_fte: Series[Float] = pa.Field(ge=0)
    women_jobs: Series[Float] = pa.Field(ge=0, nullable=True)
    youth_jobs: Series[Float] = pa.Field(ge=0, nullable=True)

    class Config:
        unique = ["cluster_id", "campaign", "link"]


class Assessments(_Contract):
    """One row per qualitative answer of the committee or coach. Key: cluster_id, campaign, indicator_id.

    Who assessed and when are required: an answer nobody signed cannot stand beside a computed score.
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    indicator_id: Series[str] = pa.Field(str_matches=INDICATOR_ID)
    score: Series[Int] = pa.Field(ge=1, le=4)
    assessed_by: Series[str] = pa.Field(str_length={"min_value": 1})
    assessed_on: Series[pa.DateTime]
    evidence: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = ["cluster_id", "campaign", "indicator_id"]


class ActionPlan(_Contract):
    """One row per action of a cluster's plan for a campaign. Key: cluster_id, campaign, action_id.

    `campaign` is the campaign the action is carried out in; its review follows the action up. The target is
    what the indicator should reach at that review: a score 1..4 (`target_score`) or a value in the
    indicator's unit (`target_value`: a share between 0 and 1, days, a count). `done_on` is when it was done.
    `action_status` is stored as its code; intake reads the French or English words of ACTION_STATUS_WORDS too.
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    action_id: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 64})
    indicator_id: Series[str] = pa.Field(str_matches=INDICATOR_ID)
    action: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 500})
    owner: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 200})
    due_on: Series[pa.DateTime]
    target_score: Series[Int] = pa.Field(nullable=True, ge=1, le=4)
    target_value: Series[Float] = pa.Field(nullable=True)
    action_status: Series[str] = pa.Field(isin=ACTION_STATUSES, metadata={"words": ACTION_STATUS_WORDS})
    done_on: Series[pa.DateTime] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        unique = ["cluster_id", "campaign", "action_id"]


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "clusters": Clusters,
    "actors": Actors,
    "memberships": Memberships,
    "deliveries": Deliveries,
    "sales": Sales,
    "contracts": Contracts,
    "resources": Resources,
    "member_services": MemberServices,
    "governance_events": GovernanceEvents,
    "operating_accounts": OperatingAccounts,
    "employment": Employment,
    "assessments": Assessments,
    "action_plan": ActionPlan,
}
"""Table name -> contract, in the order a cluster's data is best loaded (references first)."""

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "clusters": ("cluster_id",),
    "actors": ("actor_id",),
    "memberships": ("cluster_id", "campaign", "actor_id"),
    "deliveries": ("delivery_id",),
    "sales": ("sale_id",),
    "contracts": ("contract_id",),
    "resources": ("cluster_id", "campaign", "resource_kind", "item"),
    "member_services": ("cluster_id", "campaign", "service_kind", "actor_id"),
    "governance_events": ("cluster_id", "campaign", "event_id"),
    "operating_accounts": ("cluster_id", "campaign", "link"),
    "employment": ("cluster_id", "campaign", "link"),
    "assessments": ("cluster_id", "campaign", "indicator_id"),
    "action_plan": ("cluster_id", "campaign", "action_id"),
}
"""Natural key of each table: re-submitting a row with the same key replaces it, never duplicates it."""


def columns_of(table: str) -> list[str]:
    """The contract's column names for `table`, in contract order."""
    return list(CONTRACTS[table].to_schema().columns)
