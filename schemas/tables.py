"""Every input table declared once: its columns, grain, natural key, names, references, rules and storage hints.

The rest is derived from `TABLES`: the contracts by name (`CONTRACTS`), the natural keys (`TABLE_KEYS`), the names
a file or sheet may give (`TABLE_ALIASES`), the labels reports show, the per-table rules of validations/rules.py,
the columns kept dictionary-encoded, and which tables have an expectation suite. Adding a table is one
`register(Table(...))`: its model in schemas/models.py, its declaration below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandera.pandas as pa

from schemas.models import (
    ActionPlan,
    Actors,
    Assessments,
    Clusters,
    Contracts,
    Deliveries,
    Employment,
    GovernanceEvents,
    MemberServices,
    Memberships,
    OperatingAccounts,
    Resources,
    Sales,
)


@dataclass(frozen=True)
class CampaignDates:
    """A date column that must fall within the row's campaign (`row`: quarantined outside; `warning`: kept)."""

    column: str
    severity: str = "row"
    tolerance_days: int = 0


@dataclass(frozen=True)
class Outliers:
    """Robust outlier rule of one table: the groups values are judged in, the columns judged, those on a log scale."""

    group_by: tuple[str, ...]
    columns: tuple[str, ...]
    log: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One input table, declared once."""

    name: str
    columns: type[pa.DataFrameModel]
    """The pandera model of its columns and checks (schemas/models.py), without uniqueness: `key` gives it."""
    grain: str
    """What one row is ("One row per delivery of raw material to the aggregator.")."""
    key: tuple[str, ...]
    """The natural key: re-submitting a row with the same key replaces it; a repeat within a file is quarantined."""
    label: Mapping[str, str]
    """How reports name it, per language (`{"fr": "livraisons", "en": "deliveries"}`)."""
    aliases: tuple[str, ...]
    """The names a file, sheet or `--table` option may give it (normalised: lower case, no accents, `_`)."""
    title: Mapping[str, str] | None = None
    """The title of its field form and sheet, per language (None: its label with a capital)."""
    references: Mapping[str, str] = field(default_factory=dict)
    """Column -> what it must name: `actors` (a member of the row's cluster) or `indicators` (of the grid). Every
    table but clusters names a known cluster in `cluster_id`."""
    no_future_dates: tuple[str, ...] = ()
    campaign_dates: CampaignDates | None = None
    outliers: Outliers | None = None
    free_text: tuple[str, ...] = ()
    """Text columns that may hold tabs and line breaks (every other text column holds one line)."""
    low_cardinality: tuple[str, ...] = ()
    """Text columns whose values repeat: kept dictionary-encoded in memory and in the store's files."""
    has_suite: bool = False
    """Whether a Great Expectations suite checks it (validations/expectations/<name>.json)."""

    @property
    def contract(self) -> type[pa.DataFrameModel]:
        """The pandera contract: the columns, unique on the key, with a docstring stating grain and key."""
        return _contracts[self.name]

    def title_in(self, language: str) -> str:
        """The form and sheet title in `language`."""
        if self.title is not None:
            return self.title[language]
        text = self.label[language]
        return text[:1].upper() + text[1:]


def _keyed(table: Table) -> type[pa.DataFrameModel]:
    """The table's model with its key as pandera's uniqueness rule and its grain and key in its docstring."""
    model = table.columns

    class Config(model.Config):
        unique = list(table.key)

    notes = f"\n\n    {model.__doc__}" if model.__doc__ else ""
    doc = f"{table.grain} Key: {', '.join(table.key)}.{notes}"
    return type(model.__name__, (model,), {"Config": Config, "__doc__": doc, "__module__": model.__module__})


TABLES: dict[str, Table] = {}
"""Table name -> declaration, in the order a cluster's data is best loaded (references first)."""
CONTRACTS: dict[str, type[pa.DataFrameModel]] = {}
"""Table name -> contract, in the order of TABLES (derived)."""
TABLE_KEYS: dict[str, tuple[str, ...]] = {}
"""Natural key of each table (derived): re-submitting a row with the same key replaces it, never duplicates it."""
TABLE_ALIASES: dict[str, tuple[str, ...]] = {}
"""Every table's names in English and French (derived)."""
_contracts: dict[str, type[pa.DataFrameModel]] = {}
_listeners: list = []


def register(table: Table) -> Table:
    """Declare `table` (replacing a declaration of the same name); the derived views follow at once."""
    missing = [c for c in (*table.key, *table.references, *table.no_future_dates, *table.free_text)
               if c not in table.columns.to_schema().columns]  # fmt: skip
    if missing:
        raise ValueError(f"table {table.name!r}: unknown column(s) {', '.join(missing)}")
    TABLES[table.name] = table
    _contracts[table.name] = _keyed(table)
    _derive()
    return table


def unregister(name: str) -> None:
    """Remove the declaration of `name` (a table a test declared)."""
    TABLES.pop(name, None)
    _contracts.pop(name, None)
    _derive()


def on_change(listener) -> None:
    """Call `listener()` whenever a table is registered or removed (caches of derived rules clear themselves)."""
    _listeners.append(listener)


def _derive() -> None:
    """Refill the derived views in place (modules hold them by reference)."""
    for view, values in (
        (CONTRACTS, {name: _contracts[name] for name in TABLES}),
        (TABLE_KEYS, {name: table.key for name, table in TABLES.items()}),
        (TABLE_ALIASES, {name: table.aliases for name, table in TABLES.items()}),
    ):
        view.clear()
        view.update(values)
    for listener in _listeners:
        listener()


def columns_of(table: str) -> list[str]:
    """The contract's column names for `table`, in contract order."""
    return list(CONTRACTS[table].to_schema().columns)


def labels(language: str) -> dict[str, str]:
    """Each table's name in `language`, as the report catalogues key it (`table_deliveries`)."""
    return {f"table_{name}": table.label[language] for name, table in TABLES.items()}


def low_cardinality(table: str | None = None) -> tuple[str, ...]:
    """The repeating text columns of `table` (of every table when None)."""
    chosen = [TABLES[table]] if table is not None else TABLES.values()
    return tuple(dict.fromkeys(column for declared in chosen for column in declared.low_cardinality))


def _fr_en(fr: str, en: str) -> Mapping[str, str]:
    return MappingProxyType({"fr": fr, "en": en})


for _table in (
    Table(
        "clusters", Clusters, "One row per cluster (reference data).", ("cluster_id",),
        _fr_en("clusters", "clusters"), ("clusters", "cluster", "registre_clusters"),
        low_cardinality=("product",), has_suite=True,
    ),
    Table(
        "actors", Actors, "One row per member actor of a cluster.", ("actor_id",),
        _fr_en("acteurs", "actors"), ("actors", "actor", "acteurs", "acteur"),
        no_future_dates=("joined_on",), low_cardinality=("cluster_id", "link", "actor_type"), has_suite=True,
    ),
    Table(
        "memberships", Memberships, "One row per actor and campaign.", ("cluster_id", "campaign", "actor_id"),
        _fr_en("adhésions", "memberships"), ("memberships", "membership", "adhesions", "adhesion"),
        references={"actor_id": "actors"}, low_cardinality=("cluster_id", "campaign", "actor_id"), has_suite=True,
    ),
    Table(
        "deliveries", Deliveries, "One row per delivery of raw material to the aggregator.", ("delivery_id",),
        _fr_en("livraisons", "deliveries"), ("deliveries", "delivery", "livraisons", "livraison", "apports"),
        references={"supplier_actor_id": "actors"}, no_future_dates=("delivery_date",),
        campaign_dates=CampaignDates("delivery_date", "row"),
        outliers=Outliers(("cluster_id", "supplier_link", "campaign"), ("quantity_kg", "unit_price_xof"),
                          ("quantity_kg",)),
        low_cardinality=("campaign", "cluster_id", "supplier_actor_id", "product", "contract_id"), has_suite=True,
    ),
    Table(
        "sales", Sales, "One row per sale by the aggregator on a market.", ("sale_id",),
        _fr_en("ventes", "sales"), ("sales", "sale", "ventes", "vente"),
        no_future_dates=("sale_date",), campaign_dates=CampaignDates("sale_date", "warning"),
        outliers=Outliers(("cluster_id", "market_kind", "product", "campaign"), ("unit_price_xof",)),
        low_cardinality=("campaign", "cluster_id", "market_kind", "product"), has_suite=True,
    ),
    Table(
        "contracts", Contracts, "One row per contract signed by the aggregator.", ("contract_id",),
        _fr_en("contrats", "contracts"), ("contracts", "contract", "contrats", "contrat"),
        references={"counterparty_actor_id": "actors"},
        outliers=Outliers(("cluster_id", "counterparty_kind", "campaign"), ("contracted_unit_price_xof",)),
        low_cardinality=("campaign", "cluster_id", "counterparty_actor_id", "counterparty_kind"), has_suite=True,
    ),
    Table(
        "resources", Resources, "One row per resource need of a campaign.",
        ("cluster_id", "campaign", "resource_kind", "item"),
        _fr_en("ressources", "resources"), ("resources", "resource", "ressources", "ressource", "besoins"),
        low_cardinality=("cluster_id", "campaign", "resource_kind", "unit"), has_suite=True,
    ),
    Table(
        "member_services", MemberServices, "One row per collective service received by a member in a campaign.",
        ("cluster_id", "campaign", "service_kind", "actor_id"),
        _fr_en("services aux membres", "member services"),
        ("member_services", "services_membres", "services_aux_membres", "services_rendus"),
        references={"actor_id": "actors"},
        low_cardinality=("cluster_id", "campaign", "service_kind", "actor_id"), has_suite=True,
    ),
    Table(
        "governance_events", GovernanceEvents, "One row per meeting or milestone of a campaign, planned or not.",
        ("cluster_id", "campaign", "event_id"),
        _fr_en("événements de gouvernance", "governance events"),
        ("governance_events", "governance", "gouvernance", "evenements_gouvernance", "reunions"),
        title=_fr_en("Gouvernance", "Governance"), no_future_dates=("event_date",),
        low_cardinality=("cluster_id", "campaign", "kind"), has_suite=True,
    ),
    Table(
        "operating_accounts", OperatingAccounts,
        'One row per value-chain link and campaign ("compte d\'exploitation").', ("cluster_id", "campaign", "link"),
        _fr_en("comptes d'exploitation", "operating accounts"),
        ("operating_accounts", "comptes_exploitation", "compte_exploitation", "comptes_d_exploitation",
         "compte_d_exploitation"),
        low_cardinality=("cluster_id", "campaign", "link"), has_suite=True,
    ),
    Table(
        "employment", Employment, "One row per value-chain link and campaign: the jobs it gives.",
        ("cluster_id", "campaign", "link"),
        _fr_en("emplois", "employment"), ("employment", "emplois", "emploi", "jobs"),
        low_cardinality=("cluster_id", "campaign", "link"), has_suite=True,
    ),
    Table(
        "assessments", Assessments, "One row per qualitative answer of the committee or coach.",
        ("cluster_id", "campaign", "indicator_id"),
        _fr_en("appréciations", "assessments"),
        ("assessments", "assessment", "appreciations", "appreciation", "evaluations"),
        references={"indicator_id": "indicators"}, no_future_dates=("assessed_on",), free_text=("evidence",),
        low_cardinality=("cluster_id", "campaign"), has_suite=True,
    ),
    Table(
        "action_plan", ActionPlan, "One row per action of a cluster's plan for a campaign.",
        ("cluster_id", "campaign", "action_id"),
        _fr_en("plan d'action", "action plan"),
        ("action_plan", "action_plans", "plan_action", "plan_d_action", "plans_d_action", "plan_actions"),
        references={"indicator_id": "indicators"}, no_future_dates=("done_on",), free_text=("action", "note"),
        low_cardinality=("cluster_id", "campaign"), has_suite=True,
    ),
):  # fmt: skip
    register(_table)
