"""The columns of the input tables of the domain contract (shared/docs/domain.md), one pandera model each.

Each table's grain (what one row is), natural key and names are declared with it in schemas/tables.py, which
gives each model its uniqueness rule and a docstring stating grain and key. Column names carry units
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


class Contract(pa.DataFrameModel):
    """The base of every input table's contract: cells coerced to the column types, extra columns tolerated."""

    class Config:
        coerce = True
        strict = False  # extra columns (Kobo metadata, notes) are tolerated and ignored downstream


class Clusters(Contract):
    """The clusters' columns.

    `committee_emails` and `officer_emails` are `;`-separated lists; the campaign calendar is given as
    month-day strings (`10-01`), a campaign whose end comes before its start spans two calendar years.
    """

    cluster_id: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 64})
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


class Actors(Contract):
    """The actors' columns."""

    actor_id: Series[str]
    cluster_id: Series[str]
    link: Series[str] = pa.Field(isin=LINKS)
    actor_type: Series[str] = pa.Field(isin=ACTOR_TYPES)
    name: Series[str]
    sex: Series[str] = pa.Field(nullable=True, isin=("F", "M"))
    is_youth: Series[Bool] = pa.Field(nullable=True)
    commune: Series[str] = pa.Field(nullable=True)
    distance_km_to_aggregator: Series[Float] = pa.Field(nullable=True, ge=0, le=2000)
    joined_on: Series[pa.DateTime] = pa.Field(nullable=True)


class Memberships(Contract):
    """The memberships' columns: whether the actor was active in the campaign."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    actor_id: Series[str]
    active: Series[Bool]


class Deliveries(Contract):
    """The deliveries' columns.

    `accepted_kg` is what the aggregator kept after grading; `lot_id` empty means the lot is not traceable;
    `contract_id` empty means the delivery was made outside any contract.
    """

    delivery_id: Series[str]
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


class Sales(Contract):
    """The sales' columns."""

    sale_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    cluster_id: Series[str]
    sale_date: Series[pa.DateTime]
    market_kind: Series[str] = pa.Field(isin=MARKET_KINDS)
    buyer: Series[str] = pa.Field(nullable=True)
    product: Series[str]
    quantity_kg: Series[Float] = pa.Field(gt=0, le=10_000_000)
    unit_price_xof: Series[Float] = pa.Field(ge=0, le=10_000_000)
    meets_client_standard: Series[Bool] = pa.Field(nullable=True)


class Contracts(Contract):
    """The contracts' columns.

    Supply contracts (`raw_material_supplier`) carry a contracted quantity; service contracts carry
    `fulfilment_pct`, recorded at season end.
    """

    contract_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    cluster_id: Series[str]
    counterparty_actor_id: Series[str] = pa.Field(nullable=True)
    counterparty_kind: Series[str] = pa.Field(isin=COUNTERPARTY_KINDS)
    signed_on: Series[pa.DateTime] = pa.Field(nullable=True)
    contracted_quantity_kg: Series[Float] = pa.Field(nullable=True, ge=0)
    contracted_value_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    contracted_unit_price_xof: Series[Float] = pa.Field(nullable=True, ge=0)
    fulfilment_pct: Series[Float] = pa.Field(nullable=True, ge=0, le=200)


class Resources(Contract):
    """The resource needs' columns."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    resource_kind: Series[str] = pa.Field(isin=RESOURCE_KINDS)
    item: Series[str]
    needed_qty: Series[Float] = pa.Field(ge=0)
    obtained_qty: Series[Float] = pa.Field(ge=0, nullable=True)
    unit: Series[str] = pa.Field(nullable=True)


class MemberServices(Contract):
    """The member services' columns."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    service_kind: Series[str]
    actor_id: Series[str]


class GovernanceEvents(Contract):
    """The governance events' columns.

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


class OperatingAccounts(Contract):
    """The operating accounts' columns.

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


class Employment(Contract):
    """The employment columns: the jobs a link gives."""

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    link: Series[str] = pa.Field(isin=LINKS)
    permanent_jobs: Series[Float] = pa.Field(ge=0)
    seasonal_jobs_fte: Series[Float] = pa.Field(ge=0)
    women_jobs: Series[Float] = pa.Field(ge=0, nullable=True)
    youth_jobs: Series[Float] = pa.Field(ge=0, nullable=True)


class Assessments(Contract):
    """The assessments' columns.

    Who assessed and when are required: an answer nobody signed cannot stand beside a computed score.
    """

    cluster_id: Series[str]
    campaign: Series[str] = pa.Field(str_matches=CAMPAIGN_PATTERN)
    indicator_id: Series[str] = pa.Field(str_matches=INDICATOR_ID)
    score: Series[Int] = pa.Field(ge=1, le=4)
    assessed_by: Series[str] = pa.Field(str_length={"min_value": 1})
    assessed_on: Series[pa.DateTime]
    evidence: Series[str] = pa.Field(nullable=True)


class ActionPlan(Contract):
    """The action plan's columns.

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
