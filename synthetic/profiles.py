"""Cluster trajectories: a profile gives each campaign a level in [0, 1] per facet, and a volume trend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FACETS = ("governance", "resources", "contracts", "communication", "quality", "economics", "loyalty")


@dataclass(frozen=True)
class Profile:
    """How a cluster fares: level at the first and last campaign, and yearly growth of delivered volume."""

    name: str
    start: float
    end: float
    growth: float


PROFILES: dict[str, Profile] = {
    "performing": Profile("performing", 0.86, 0.92, 0.08),
    "struggling": Profile("struggling", 0.22, 0.16, -0.04),
    "improving": Profile("improving", 0.22, 0.86, 0.15),
    "declining": Profile("declining", 0.86, 0.28, -0.12),
    "steady": Profile("steady", 0.55, 0.60, 0.02),
}

CYCLE = ("performing", "struggling", "improving", "declining", "steady", "improving")
"""Any 6 consecutive clusters hold every profile, whatever the seed."""


def profile_of(index: int, seed: int) -> Profile:
    """The profile of cluster number `index` under `seed`."""
    return PROFILES[CYCLE[(index + seed) % len(CYCLE)]]


@dataclass(frozen=True)
class Levels:
    """The levels (0 = critical, 1 = excellent) of one campaign, one per facet."""

    values: dict[str, float]

    def __getitem__(self, facet: str) -> float:
        """Level of `facet`."""
        return self.values[facet]

    def chance(self, facet: str, low: float, high: float) -> float:
        """A probability going from `low` at level 0 to `high` at level 1."""
        return low + (high - low) * self.values[facet]


def trajectory(rng: np.random.Generator, profile: Profile, campaigns: int) -> list[Levels]:
    """Levels of each campaign, oldest first: the profile's line plus a fixed offset per facet and noise."""
    offsets = rng.normal(0.0, 0.06, len(FACETS))
    result = []
    for c in range(campaigns):
        t = c / (campaigns - 1) if campaigns > 1 else 1.0
        base = profile.start + (profile.end - profile.start) * t
        noise = rng.normal(0.0, 0.03, len(FACETS))
        values = np.clip(base + offsets + noise, 0.03, 0.98)
        result.append(Levels({facet: float(v) for facet, v in zip(FACETS, values, strict=True)}))
    return result


def volume_scales(rng: np.random.Generator, profile: Profile, campaigns: int) -> np.ndarray:
    """Multiplier of the delivery count per campaign, centred on 1 (the mean stays near the request)."""
    steps = np.arange(campaigns) - (campaigns - 1) / 2
    return (1.0 + profile.growth) ** steps * rng.uniform(0.97, 1.03, campaigns)
