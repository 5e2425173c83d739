"""Member actors of a cluster (all eight links) and their membership, campaign by campaign, with churn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthetic.clusters import Campaign, ClusterSpec
from synthetic.names import GROUP_WORDS, LINK_NAMES, fill, people
from synthetic.places import neighbours

PRODUCER_TYPES = np.array(["individual", "producer_org", "cooperative"], dtype=object)
PRODUCER_TYPE_SHARES = (0.88, 0.08, 0.04)
PRODUCER_TYPE_SIZE = np.array([1.0, 2.5, 4.0])
OTHER_COUNTS: dict[str, tuple[int, int]] = {
    "input_supplier": (2, 6),
    "processor": (0, 2),
    "trader": (2, 8),
    "distributor": (0, 3),
    "financial_service": (1, 3),
    "non_financial_service": (1, 4),
    "public_support": (1, 3),
}
OTHER_TYPES = {"financial_service": "enterprise", "public_support": "public"}


def type_size(actor_type: np.ndarray) -> np.ndarray:
    """Relative size of a producer's deliveries by type: a group or cooperative brings more than a farmer."""
    return np.where(
        actor_type == "producer_org",
        PRODUCER_TYPE_SIZE[1],
        np.where(actor_type == "cooperative", PRODUCER_TYPE_SIZE[2], PRODUCER_TYPE_SIZE[0]),
    )


@dataclass(frozen=True)
class Members:
    """The actors of one cluster as arrays, plus which of them are active in each campaign."""

    ids: np.ndarray
    link: np.ndarray
    actor_type: np.ndarray
    capacity: np.ndarray
    first_campaign: np.ndarray
    active: np.ndarray

    def of_link(self, link: str) -> np.ndarray:
        """Positions of the actors of `link`."""
        return np.flatnonzero(self.link == link)

    def active_producers(self, campaign_index: int) -> np.ndarray:
        """Positions of the producers active in a campaign."""
        return np.flatnonzero((self.link == "producer") & self.active[campaign_index])


def _others(spec: ClusterSpec, rng: np.random.Generator) -> tuple[list[str], list[str], list[str], list[bool]]:
    """Links, types and names of the non-producer actors, the aggregator first, plus who is a woman trader."""
    links, types, names, women = [spec.aggregator_link], ["enterprise"], [spec.aggregator_name], [False]
    if spec.chain.name == "karité":
        types[0] = "cooperative"
    for link, (low, high) in OTHER_COUNTS.items():
        for _ in range(int(rng.integers(low, high + 1))):
            woman = bool(rng.random() < 0.6)
            name = fill(rng, LINK_NAMES[link], spec.commune, spec.department)
            individual = link == "trader" and not name.startswith("Commerce")
            if individual:
                name = str(people(rng, np.array([woman]))[0])
            links.append(link)
            types.append("individual" if individual else OTHER_TYPES.get(link, "enterprise"))
            names.append(name)
            women.append(woman and individual)
    return links, types, names, women


def _producer_names(spec: ClusterSpec, rng: np.random.Generator, kinds: np.ndarray, women: np.ndarray) -> np.ndarray:
    """Names of producers: persons, groups ("groupements") and cooperatives."""
    names = people(rng, women)
    words = np.asarray(GROUP_WORDS, dtype=object)[rng.integers(0, len(GROUP_WORDS), len(kinds))]
    group = "Groupement de femmes " if spec.chain.women_share > 0.9 else "Groupement "
    names = np.where(kinds == "producer_org", group + words + f" de {spec.commune}", names)
    return np.where(kinds == "cooperative", "Coopérative " + words + f" de {spec.commune}", names)


def build_actors(
    spec: ClusterSpec, rng: np.random.Generator, campaigns: list[Campaign], deliveries: int
) -> tuple[Members, dict[str, Any]]:
    """The cluster's actors and the columns of its `actors` rows."""
    links, types, names, women = _others(spec, rng)
    n_other = len(links)
    n_prod = max(15, round(deliveries / rng.uniform(5.0, 9.0)))
    kind_idx = rng.choice(3, n_prod, p=PRODUCER_TYPE_SHARES)
    kinds = PRODUCER_TYPES[kind_idx]
    prod_women = (rng.random(n_prod) < 0.05 + 0.9 * spec.chain.women_share) & (kinds == "individual")
    n = n_other + n_prod
    link = np.concatenate([np.asarray(links, dtype=object), np.full(n_prod, "producer", dtype=object)])
    actor_type = np.concatenate([np.asarray(types, dtype=object), kinds])
    name = np.concatenate([np.asarray(names, dtype=object), _producer_names(spec, rng, kinds, prod_women)])
    person = actor_type == "individual"
    woman = np.concatenate([np.asarray(women, dtype=bool), prod_women])
    sex = np.where(person, np.where(woman, "F", "M"), None)
    youth = np.where(person, rng.random(n) < 0.32, None)
    youth[person & (rng.random(n) < 0.03)] = None
    places = np.asarray(neighbours(spec.commune), dtype=object)
    place_p = np.full(len(places), 0.3 / max(1, len(places) - 1))
    place_p[0] = 1.0 if len(places) == 1 else 0.7
    place_idx = rng.choice(len(places), n, p=place_p)
    commune = places[place_idx].astype(object)
    place_idx[0], commune[0] = 0, spec.commune
    commune[rng.random(n) < 0.02] = None
    distance = np.where(link == "producer", rng.gamma(2.0, 7.0, n) + 12.0 * (place_idx > 0), rng.uniform(0, 120, n))
    distance = np.round(distance, 1)
    distance[0] = 0.0
    distance[rng.random(n) < 0.03] = np.nan
    capacity = np.zeros(n)
    capacity[n_other:] = rng.lognormal(0.0, 0.7, n_prod) * PRODUCER_TYPE_SIZE[kind_idx]
    first, joined = _arrivals(spec, rng, campaigns, n, n_other)
    members = Members(
        ids=np.array([f"{spec.cluster_id}-A{i:04d}" for i in range(1, n + 1)], dtype=object),
        link=link,
        actor_type=actor_type,
        capacity=capacity,
        first_campaign=first,
        active=_activity(rng, campaigns, link, first),
    )
    columns = {
        "actor_id": members.ids,
        "cluster_id": np.full(n, spec.cluster_id, dtype=object),
        "link": link,
        "actor_type": actor_type,
        "name": name,
        "sex": sex,
        "is_youth": youth,
        "commune": commune,
        "distance_km_to_aggregator": distance,
        "joined_on": joined,
    }
    return members, columns


def _arrivals(
    spec: ClusterSpec, rng: np.random.Generator, campaigns: list[Campaign], n: int, n_other: int
) -> tuple[np.ndarray, np.ndarray]:
    """First campaign of each actor (0 for founders) and the date it joined (NaT when unknown)."""
    k = len(campaigns)
    newcomers = float(np.clip(0.08 + spec.profile.growth, 0.02, 0.25)) if k > 1 else 0.0
    shares = np.array([1.0 - newcomers * (k - 1)] + [newcomers] * (k - 1))
    first = rng.choice(k, n, p=shares / shares.sum())
    first[:n_other] = 0
    founded = campaigns[0].start - np.timedelta64(int(rng.integers(400, 2200)), "D")
    span = int((campaigns[0].start - founded).astype(int))
    joined = founded + rng.integers(0, span, n).astype("timedelta64[D]")
    joined[0] = founded
    starts = np.array([c.start for c in campaigns], dtype="datetime64[D]")
    late = first > 0
    joined[late] = starts[first[late]] - rng.integers(1, 120, int(late.sum())).astype("timedelta64[D]")
    joined[rng.random(n) < 0.04] = np.datetime64("NaT")
    return first, joined


def _activity(rng: np.random.Generator, campaigns: list[Campaign], link: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Active flags per campaign and actor: producers churn with the loyalty level, others mostly stay."""
    n = len(link)
    producer = link == "producer"
    active = np.zeros((len(campaigns), n), dtype=bool)
    for c, campaign in enumerate(campaigns):
        draw = rng.random(n)
        stay = campaign.levels.chance("loyalty", 0.5, 0.96)
        if c == 0:
            prod = draw < 0.93
        else:
            prod = np.where(first == c, draw < 0.95, np.where(active[c - 1], draw < stay, draw < 0.25))
        active[c] = np.where(producer, prod, draw < 0.95) & (first <= c)
    active[:, 0] = True
    return active


def memberships(spec: ClusterSpec, members: Members, campaigns: list[Campaign]) -> dict[str, Any]:
    """The `memberships` rows: one per actor already member and campaign."""
    parts = [np.flatnonzero(members.first_campaign <= c) for c in range(len(campaigns))]
    count = sum(len(p) for p in parts)
    return {
        "cluster_id": np.full(count, spec.cluster_id, dtype=object),
        "campaign": np.concatenate(
            [np.full(len(p), c.name, dtype=object) for p, c in zip(parts, campaigns, strict=True)]
        ),
        "actor_id": np.concatenate([members.ids[p] for p in parts]),
        "active": np.concatenate([members.active[c, p] for c, p in enumerate(parts)]),
    }
