"""Scoring rules: each (direction, cuts or mapping) compiled to band arrays, resolved per cluster, applied at once.

A rule is a row of K ascending band floors: a value falls in the band of the last floor it reaches (`>=` for
higher-is-better cuts and mappings, `>` for lower-is-better cuts, so a value on a cut takes the upper band when
higher is better and the better band when lower is better). Unused floors are NaN and never reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.grid import Grid, GridEntry

DECIMALS = 9  # values are rounded before banding, so 23 / 20 - 1 lands on the 0.15 cut as it does by hand
Spec = tuple  # (direction, cuts, mapping): hashable description of how a value becomes a score


@dataclass(frozen=True)
class RuleTable:
    """Compiled rules: floors (compared), shown (band bounds to display), scores, inclusive, by rule number."""

    floors: np.ndarray
    shown: np.ndarray
    scores: np.ndarray
    inclusive: np.ndarray


def spec_of(entry: GridEntry) -> Spec:
    """The scoring spec of an entry (None for an assessed-only entry)."""
    if entry.cuts is None and entry.mapping is None:
        return None
    return (entry.direction, entry.cuts, entry.mapping)


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


def resolve(grid: Grid, registry: pd.DataFrame) -> tuple[pd.DataFrame, RuleTable]:
    """Per (cluster_id, indicator_id): rule number, min_rows and prevails after value-chain then cluster overrides."""
    specs: list[Spec] = []

    def number(spec: Spec) -> int:
        if spec not in specs:
            specs.append(spec)
        return specs.index(spec)

    base = pd.DataFrame(
        [(e.id, number(spec_of(e)), e.min_rows, e.prevails) for e in grid.entries],
        columns=["indicator_id", "rule", "min_rows", "prevails"],
    )
    layers = {"value_chain": [], "cluster_id": []}
    for change in grid.overrides:
        spec = (change.direction, change.cuts, change.mapping) if change.direction else None
        rule = number(spec) if spec else np.nan
        layers[change.scope].append((change.target, change.entry_id, rule, change.min_rows, change.prevails))
    table = registry[["cluster_id", "value_chain"]].merge(base, how="cross")
    for scope, rows in layers.items():
        layer = pd.DataFrame(rows, columns=[scope, "indicator_id", "rule_o", "min_rows_o", "prevails_o"]).astype(
            {scope: "str", "indicator_id": "str", "rule_o": "float64", "min_rows_o": "float64", "prevails_o": "object"}
        )
        table = table.merge(layer, how="left", on=[scope, "indicator_id"])
        table["rule"] = table["rule_o"].fillna(table["rule"]).astype("int64")
        table["min_rows"] = table["min_rows_o"].fillna(table["min_rows"]).astype("int64")
        table["prevails"] = table["prevails_o"].where(table["prevails_o"].notna(), table["prevails"])
        table = table.drop(columns=["rule_o", "min_rows_o", "prevails_o"])
    return table[["cluster_id", "indicator_id", "rule", "min_rows", "prevails"]], compile_rules(specs)


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
