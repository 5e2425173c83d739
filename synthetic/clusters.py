"""Cluster reference data: identity, territory, aggregator, calendar, and the campaigns to generate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from schemas.campaign import campaign_name, campaign_window
from synthetic.names import SURNAMES, slug
from synthetic.places import CHAINS, COMMUNES, TIMEZONE, Chain
from synthetic.profiles import Levels, Profile, profile_of, trajectory, volume_scales

OFFICER_EMAIL = "suivi@atda.example.bj"


@dataclass(frozen=True)
class ClusterSpec:
    """Who a cluster is: identity, chain, place, aggregator and trajectory profile."""

    index: int
    cluster_id: str
    name: str
    chain: Chain
    commune: str
    department: str
    profile: Profile
    language: str
    aggregator_name: str
    aggregator_link: str
    email_slug: str
    price_factor: float


@dataclass(frozen=True)
class Campaign:
    """One campaign of one cluster: name, window, levels and volume multiplier."""

    name: str
    first_year: int
    start: np.datetime64
    end: np.datetime64
    levels: Levels
    scale: float

    @property
    def days(self) -> int:
        """Number of days in the window, both ends included."""
        return int((self.end - self.start).astype(int)) + 1


def cluster_rng(seed: int, index: int, stream: int) -> np.random.Generator:
    """Random generator of one cluster; it depends neither on the number of clusters nor on other clusters."""
    return np.random.default_rng([seed, index, stream])


def cluster_specs(clusters: int, seed: int) -> list[ClusterSpec]:
    """The first `clusters` clusters under `seed` (a prefix of a longer list with the same seed)."""
    order = np.random.default_rng([seed]).permutation(len(CHAINS))
    counts: Counter[tuple[str, str]] = Counter()
    specs = []
    for index in range(clusters):
        rng = cluster_rng(seed, index, 0)
        chain = CHAINS[int(order[index % len(CHAINS)])]
        commune = chain.communes[int(rng.integers(0, len(chain.communes)))]
        department, code = COMMUNES[commune]
        counts[(chain.code, code)] += 1
        number = counts[(chain.code, code)]
        template, link = chain.aggregators[int(rng.integers(0, len(chain.aggregators)))]
        surname = SURNAMES[int(rng.integers(0, len(SURNAMES)))]
        suffix = f" {number}" if number > 1 else ""
        specs.append(
            ClusterSpec(
                index=index,
                cluster_id=f"CL-{chain.code}-{code}-{number:02d}",
                name=f"Cluster {chain.name} {_of(commune)}{suffix}",
                chain=chain,
                commune=commune,
                department=department,
                profile=profile_of(index, seed),
                language="en" if index % 20 == seed % 6 else "fr",
                aggregator_name=template.format(commune=commune, surname=surname),
                aggregator_link=link,
                email_slug=f"{chain.code.lower()}-{slug(commune)}-{number:02d}",
                price_factor=float(rng.uniform(0.9, 1.1)),
            )
        )
    return specs


def campaigns_of(
    spec: ClusterSpec, rng: np.random.Generator, campaigns: int, last_campaign_year: int
) -> list[Campaign]:
    """The cluster's campaigns, oldest first; the last one ends in `last_campaign_year`."""
    chain = spec.chain
    spans = chain.end_md < chain.start_md
    last_start = last_campaign_year - 1 if spans else last_campaign_year
    levels = trajectory(rng, spec.profile, campaigns)
    scales = volume_scales(rng, spec.profile, campaigns)
    result = []
    for c in range(campaigns):
        start_year = last_start - (campaigns - 1 - c)
        name = campaign_name(start_year, chain.start_md, chain.end_md)
        start, end = campaign_window(name, chain.start_md, chain.end_md)
        result.append(
            Campaign(
                name,
                start_year,
                np.datetime64(start, "D"),
                np.datetime64(end, "D"),
                levels[c],
                float(scales[c]),
            )
        )
    return result


def cluster_row(spec: ClusterSpec, rng: np.random.Generator) -> dict[str, Any]:
    """The `clusters` row of a cluster, as one-element columns."""
    committee = f"comite.{spec.email_slug}@clusters.example.bj"
    if rng.random() < 0.5:
        committee += f"; coordination.{spec.email_slug}@clusters.example.bj"
    officers = OFFICER_EMAIL
    if rng.random() < 0.4:
        officers += f"; se.{slug(spec.department)}@atda.example.bj"
    row = {
        "cluster_id": spec.cluster_id,
        "name": spec.name,
        "value_chain": spec.chain.name,
        "product": spec.chain.product,
        "department": spec.department,
        "commune": spec.commune,
        "aggregator_name": spec.aggregator_name,
        "committee_emails": committee,
        "officer_emails": officers,
        "language": spec.language,
        "campaign_start_md": spec.chain.start_md,
        "campaign_end_md": spec.chain.end_md,
        "timezone": TIMEZONE,
    }
    return {key: [value] for key, value in row.items()}


def _of(place: str) -> str:
    """French "de" before a place name, elided before a vowel (d'Aplahoué, de Kétou)."""
    return f"d'{place}" if place[:1].lower() in "aeiouyàâéèêîôû" else f"de {place}"
