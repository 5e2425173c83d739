"""The grid as it applies to each reviewed cluster, resolved once: a cluster's own file beats its value chain's,
which beats the default grid. This is the only place that precedence is written."""

from __future__ import annotations

import dataclasses

import pandas as pd

from indicators.grid import SCOPES, Grid, GridEntry

COMMITTEE = ["levers_fr", "levers_en", "target_score", "target_value"]  # each set on its own by a layer
BANDS = ["cluster_id", "indicator_id", "direction", "cuts", "mapping", "min_rows", "prevails", "set_by", *COMMITTEE]
BANDED = ["direction", "cuts", "mapping", "set_by"]  # an override that gives cuts or a mapping replaces all four


def resolve_bands(grid: Grid, clusters: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster of `clusters` (cluster_id, value_chain) and grid entry, in grid order: direction, cuts
    or mapping (None for an assessed-only entry), min_rows and prevails as they apply to that cluster, set_by,
    the file that set its cuts or mapping (the grid's own file, or an override's), the levers the committee reads
    and its standing target (`target_score` or `target_value`, None unless an override sets one)."""
    base = pd.DataFrame(
        [
            (
                e.id,
                e.direction,
                e.cuts,
                e.mapping,
                e.min_rows,
                e.prevails,
                grid.source,
                e.levers_fr,
                e.levers_en,
                None,
                None,
            )
            for e in grid.entries
        ],  # fmt: skip
        columns=BANDS[1:],
    ).astype({"indicator_id": "str", "min_rows": "int64", "set_by": "str"})
    table = clusters[["cluster_id", "value_chain"]].astype("str").merge(base, how="cross")
    for scope in SCOPES:  # in order of precedence, lowest first: each layer overwrites what it sets
        rows = [
            (
                c.target,
                c.entry_id,
                c.direction,
                c.cuts,
                c.mapping,
                c.min_rows,
                c.prevails,
                c.source,
                c.levers_fr,
                c.levers_en,
                c.target_score,
                c.target_value,
            )
            for c in grid.overrides
            if c.scope == scope
        ]
        if not rows:
            continue
        layer = pd.DataFrame(rows, columns=[scope, *[f"{name}_o" if i else name for i, name in enumerate(BANDS[1:])]])
        found = table.merge(layer.astype({scope: "str", "indicator_id": "str"}), how="left", on=[scope, "indicator_id"])
        banded = found["direction_o"].notna()
        for name in BANDED:
            table[name] = found[f"{name}_o"].where(banded, found[name])
        table["min_rows"] = found["min_rows_o"].fillna(found["min_rows"]).astype("int64")
        for name in ("prevails", *COMMITTEE):
            table[name] = found[f"{name}_o"].where(found[f"{name}_o"].notna(), found[name])
    return table[BANDS].astype({"direction": "str", "prevails": "str", "set_by": "str"})


def grid_for(grid: Grid, cluster_id: str, value_chain: str | None) -> tuple[GridEntry, ...]:
    """The entries as they apply to one cluster: base, then its value chain's overrides, then its own."""
    one = pd.DataFrame({"cluster_id": [cluster_id], "value_chain": [value_chain]})
    bands = resolve_bands(grid, one).to_dict("records")
    keys = ("direction", "cuts", "mapping", "min_rows", "prevails", "levers_fr", "levers_en")
    return tuple(
        dataclasses.replace(entry, **{k: row[k] for k in keys}) for entry, row in zip(grid.entries, bands, strict=True)
    )
