"""Entry point: generate every input table of a synthetic programme, cluster by cluster, streamed to CSV."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from schemas.tables import CONTRACTS
from synthetic.actors import build_actors, memberships
from synthetic.clusters import Campaign, ClusterSpec, campaigns_of, cluster_rng, cluster_row, cluster_specs
from synthetic.commerce import build_sales, build_service_contracts
from synthetic.deliveries import build_deliveries
from synthetic.economics import employment, operating_accounts, resources
from synthetic.governance import assessments, governance_events, member_services
from synthetic.plans import action_plan
from synthetic.writer import CsvTables


def _write_cluster(
    sink: CsvTables,
    spec: ClusterSpec,
    rng: np.random.Generator,
    campaigns: list[Campaign],
    deliveries: int,
    plans: np.random.Generator,
) -> None:
    """Generate and append every row of one cluster, campaign after campaign (`plans`: the action plans' own
    random stream)."""
    sink.write("clusters", cluster_row(spec, rng))
    members, actor_columns = build_actors(spec, rng, campaigns, deliveries)
    sink.write("actors", actor_columns)
    sink.write("memberships", memberships(spec, members, campaigns))
    for c, campaign in enumerate(campaigns):
        delivery_columns, supply, stats = build_deliveries(spec, rng, members, campaign, c, deliveries)
        sink.write("deliveries", delivery_columns)
        sink.write("contracts", supply)
        sink.write("contracts", build_service_contracts(spec, rng, members, campaign, c, stats))
        sales = build_sales(spec, rng, campaign, stats)
        sink.write("sales", sales)
        sales_value = float(np.sum(sales["quantity_kg"] * sales["unit_price_xof"]))
        sink.write("resources", resources(spec, rng, campaign, stats))
        sink.write("member_services", member_services(spec, rng, members, campaign, c))
        sink.write("governance_events", governance_events(spec, rng, members, campaign, c))
        sink.write("operating_accounts", operating_accounts(spec, rng, members, campaign, c, stats, sales_value))
        sink.write("employment", employment(spec, rng, members, campaign, c, stats))
        sink.write("assessments", assessments(spec, rng, campaign))
        sink.write("action_plan", action_plan(spec, plans, campaign))


def generate(
    out_dir: str | Path,
    clusters: int = 6,
    campaigns: int = 3,
    seed: int = 42,
    last_campaign_year: int = 2025,
    deliveries_per_cluster_campaign: int = 2000,
    progress: bool = False,
    only: list[int] | None = None,
) -> dict[str, Any]:
    """Write every input table as <out_dir>/<table>.csv; return a summary of what was written.

    Deterministic: the same arguments give byte-identical files, and a cluster's data depends only on the
    seed, its position and the number of campaigns, not on how many clusters are generated. `only`: the positions
    of the clusters to write (the others are skipped, their data unchanged), e.g. the national sample's largest.
    """
    if clusters < 1 or campaigns < 1 or deliveries_per_cluster_campaign < 1:
        raise ValueError("clusters, campaigns and deliveries_per_cluster_campaign must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    out = Path(out_dir)
    specs = cluster_specs(clusters, seed)
    if only is not None:
        specs = [specs[index] for index in sorted(set(only))]
    calendars: Counter[tuple[str, ...]] = Counter()
    profiles: dict[str, str] = {}
    with CsvTables(out, list(CONTRACTS)) as sink:
        for spec in tqdm(specs, desc="clusters", unit="cluster", disable=not progress):
            rng = cluster_rng(seed, spec.index, 1)
            cluster_campaigns = campaigns_of(spec, rng, campaigns, last_campaign_year)
            plans = cluster_rng(seed, spec.index, 7)  # its own stream: the other tables stay as they were
            _write_cluster(sink, spec, rng, cluster_campaigns, deliveries_per_cluster_campaign, plans)
            calendars[tuple(c.name for c in cluster_campaigns)] += 1
            profiles[spec.cluster_id] = spec.profile.name
        rows = dict(sink.rows)
    return {
        "out_dir": str(out),
        "clusters": len(specs),
        "campaigns": list(calendars.most_common(1)[0][0]),
        "rows": rows,
        "seed": seed,
        "last_campaign_year": last_campaign_year,
        "deliveries_per_cluster_campaign": deliveries_per_cluster_campaign,
        "profiles": profiles,
    }


def delivery_counts(
    clusters: int,
    campaigns: int = 3,
    seed: int = 42,
    last_campaign_year: int = 2025,
    deliveries_per_cluster_campaign: int = 2000,
) -> list[int]:
    """How many deliveries `generate` writes for each cluster (by position), over all its campaigns, without
    generating any: each cluster's campaigns are drawn first from its own stream, so they are replayed alone."""
    counts = []
    for spec in cluster_specs(clusters, seed):
        rng = cluster_rng(seed, spec.index, 1)
        drawn = campaigns_of(spec, rng, campaigns, last_campaign_year)
        counts.append(sum(max(1, round(deliveries_per_cluster_campaign * c.scale)) for c in drawn))
    return counts
