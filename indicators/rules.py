"""Scoring rules: each (direction, cuts or mapping) compiled to band arrays, resolved per cluster, applied at once.

A rule is a row of K ascending band floors: a value falls in the band of the last floor it reaches (`>=` for
higher-is-better cuts and mappings, `>` for lower-is-better cuts, so a value on a cut takes the upper band when
higher is better and the better band when lower is better). Unused floors are NaN and never reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DECIMALS = 9  # values are rounded before banding, so 23 / 20 - 1 lands on the 0.15 cut as it does by hand
Spec = tuple  # (direction, cuts, mapping): hashable description of how a value becomes a score


@dataclass(frozen=True)
class RuleTable:
    """Compiled rules: floors (compared), shown (band bounds to display), scores, inclusive, by rule number."""

    floors: np.ndarray
    shown: np.ndarray
    scores: np.ndarray
    inclusive: np.ndarray


def compile_rules(specs: list[Spec]) -> RuleTable:
    """Band arrays for each spec, padded to the longest."""
    rows = [_bands(spec) for spec in specs]
    width = max((len(floors) for floors, _, _, _ in rows), default=1)
    floors = np.full((len(rows), width), np.nan)
    shown = np.full((len(rows), width + 1), np.nan)
    scores = np.zeros((len(rows), width), dtype=np.int64)
    inclusive = np.ones(len(rows), dtype=bool)
    for i, (row_floors, row_shown, row_scores, row_inclusive) in enumerate(rows):
        floors[i, : len(row_floors)] = row_floors
        shown[i, : len(row_shown)] = row_shown
        scores[i, : len(row_scores)] = row_scores
        inclusive[i] = row_inclusive
    return RuleTable(floors, shown, scores, inclusive)


def apply_rules(values: np.ndarray, rule: np.ndarray, table: RuleTable) -> tuple[np.ndarray, ...]:
    """Score (float, NaN when no band or no value), band_low and band_high of each value under its rule."""
    values = np.round(np.asarray(values, dtype=float), DECIMALS)
    floors = table.floors[rule]
    with np.errstate(invalid="ignore"):
        reached = np.where(table.inclusive[rule][:, None], values[:, None] >= floors, values[:, None] > floors)
    band = reached.sum(axis=1) - 1
    ok = (band >= 0) & ~np.isnan(values)
    band = np.clip(band, 0, None)
    score = np.where(ok, table.scores[rule, band], np.nan)
    low = np.where(ok, table.shown[rule, band], np.nan)
    high = np.where(ok, table.shown[rule, band + 1], np.nan)
    return score, low, high


def rules_of(bands: pd.DataFrame) -> tuple[pd.DataFrame, RuleTable]:
    """Per row of resolved bands (indicators.bands): cluster_id, indicator_id, rule number, min_rows, prevails;
    and the compiled rules those numbers point to (one per distinct direction and cuts or mapping)."""
    numbers: dict[Spec, int] = {}
    rule = [
        numbers.setdefault(_spec(direction, cuts, mapping), len(numbers))
        for direction, cuts, mapping in zip(bands["direction"], bands["cuts"], bands["mapping"], strict=True)
    ]
    table = bands[["cluster_id", "indicator_id", "min_rows", "prevails"]].assign(rule=np.asarray(rule, dtype=np.int64))
    return table[["cluster_id", "indicator_id", "rule", "min_rows", "prevails"]], compile_rules(list(numbers))


def _spec(direction: str, cuts, mapping) -> Spec:
    """The scoring spec of a band row (None for an assessed-only entry: neither cuts nor a mapping)."""
    cuts, mapping = (value if isinstance(value, tuple) else None for value in (cuts, mapping))
    return None if cuts is None and mapping is None else (direction, cuts, mapping)


def _bands(spec: Spec) -> tuple[list[float], list[float], list[int], bool]:
    """(floors, shown bounds incl. the top one, scores, inclusive) of one spec."""
    if spec is None:  # assessed only: no band is ever reached
        return [np.nan], [np.nan, np.nan], [0], True
    direction, cuts, mapping = spec
    if cuts is not None:
        floors = [-np.inf, *cuts]
        scores = [1, 2, 3, 4] if direction == "higher" else [4, 3, 2, 1]
        return floors, [np.nan, *cuts, np.nan], scores, direction == "higher"
    keys = [value for value, _ in mapping]
    scores = [score for _, score in mapping]
    return [-np.inf, *keys[1:]], [*keys, np.nan], scores, True
