"""`vigie grid show`: the grid in force, for the programme or as it applies to one cluster, with the committees'
standing targets (`target_score` or `target_value` in their grid files)."""

from __future__ import annotations

import json
from dataclasses import asdict

import click


@click.group()
def grid() -> None:
    """Inspect the scoring grid (cut-offs live in YAML: see the README)."""


@grid.command("show")
@click.option("--cluster", "cluster_id", default=None, help="Apply this cluster's overrides (and its value chain's).")
@click.option("--value-chain", default=None, help="Apply this value chain's overrides.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
def grid_show(cluster_id: str | None, value_chain: str | None, as_json: bool) -> None:
    """Print the entries of the grid in force, with their cuts or mapping and the committee's target."""
    from flows.cli import _settings
    from flows.grids import grid_in_force
    from indicators import GridError, grid_for

    settings = _settings()
    try:
        current = grid_in_force(settings)
    except GridError as error:
        raise click.ClickException(str(error)) from error
    if cluster_id and not value_chain:
        value_chain = _registered_value_chain(settings, cluster_id)
    scoped = bool(cluster_id or value_chain)
    entries = grid_for(current, cluster_id or "", value_chain) if scoped else current.entries
    targets = _scoped_targets(current, cluster_id or "", value_chain) if scoped else {}
    if as_json:
        shown = [{**asdict(entry), **targets.get(entry.id, {"target_score": None, "target_value": None})}
                 for entry in entries]  # fmt: skip
        every = [_target_row(change) for change in current.overrides if _has_target(change)]
        document = {"grid_hash": current.grid_hash, "cluster_id": cluster_id, "value_chain": value_chain,
                    "entries": shown, "targets": every}  # fmt: skip
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    scope = f" for {cluster_id or ''}{' / ' if cluster_id and value_chain else ''}{value_chain or ''}"
    click.echo(f"Grid {current.grid_hash[:12]}{scope if scoped else ''}")
    for entry in entries:
        if entry.cuts:
            bands = f"{entry.direction} is better, cuts {', '.join(f'{c:g}' for c in entry.cuts)}"
        else:
            bands = "mapping " + ", ".join(f"{v:g}->{s}" for v, s in entry.mapping or ())
        aim = _target_text(targets.get(entry.id))
        click.echo(f"  {entry.id}  {entry.label_fr[:58]:<58} {entry.unit:<13} {bands}{f'   {aim}' if aim else ''}")
    if not scoped:
        _echo_standing_targets(current)


def _has_target(change) -> bool:
    return change.target_score is not None or change.target_value is not None


def _target_row(change) -> dict:
    """One override's standing target, as JSON."""
    return {"scope": change.scope, "for": change.target, "id": change.entry_id, "target_score": change.target_score,
            "target_value": change.target_value, "source": change.source}  # fmt: skip


def _target_text(target: dict | None) -> str:
    """`target: score 3` or `target: value 0.75` (empty without a target)."""
    if not target:
        return ""
    if target["target_score"] is not None:
        return f"target: score {target['target_score']:g}"
    return f"target: value {target['target_value']:g}"


def _scoped_targets(current, cluster_id: str, value_chain: str | None) -> dict[str, dict]:
    """Entry id -> the standing target that applies to this cluster or value chain (the cluster's file wins)."""
    import pandas as pd

    from indicators import resolve_bands

    one = pd.DataFrame({"cluster_id": [cluster_id], "value_chain": [value_chain]})
    bands = resolve_bands(current, one)
    found = {}
    for row in bands.itertuples(index=False):
        score, value = row.target_score, row.target_value
        if not (pd.isna(score) and pd.isna(value)):
            found[row.indicator_id] = {"target_score": None if pd.isna(score) else int(score),
                                       "target_value": None if pd.isna(value) else float(value)}  # fmt: skip
    return found


def _echo_standing_targets(current) -> None:
    """Every committee's standing target, with who set it (the plan's targets, which win, are in the review)."""
    rows = [change for change in current.overrides if _has_target(change)]
    if not rows:
        click.echo("No standing target in the committees' grid files (a plan's targets show in the review).")
        return
    click.echo("Standing targets (a target in the cluster's action plan wins over these):")
    for change in rows:
        click.echo(f"  {change.scope} {change.target}  {change.entry_id}  {_target_text(_target_row(change))}"
                   f"  ({change.source})")  # fmt: skip


def _registered_value_chain(settings, cluster_id: str) -> str | None:
    """The value chain of a cluster from the warehouse registry (None when the cluster is not registered)."""
    from warehouse import store
    from warehouse.db import get_engine
    from warehouse.models import Cluster

    rows = store.read_table(get_engine(settings.database_url), Cluster, cluster_id=cluster_id)
    if rows.empty:
        raise click.ClickException(f"cluster {cluster_id!r} is not in the registry: give --value-chain, or ingest it")
    return str(rows.iloc[0]["value_chain"])
