"""`vigie grid show`: the grid in force, for the programme or as it applies to one cluster."""

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
    """Print the entries of the grid in force, with their cuts or mapping."""
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
    entries = grid_for(current, cluster_id or "", value_chain) if (cluster_id or value_chain) else current.entries
    if as_json:
        click.echo(
            json.dumps(
                {
                    "grid_hash": current.grid_hash,
                    "cluster_id": cluster_id,
                    "value_chain": value_chain,
                    "entries": [asdict(entry) for entry in entries],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    scope = f" for {cluster_id or ''}{' / ' if cluster_id and value_chain else ''}{value_chain or ''}"
    click.echo(f"Grid {current.grid_hash[:12]}{scope if (cluster_id or value_chain) else ''}")
    for entry in entries:
        if entry.cuts:
            bands = f"{entry.direction} is better, cuts {', '.join(f'{c:g}' for c in entry.cuts)}"
        else:
            bands = "mapping " + ", ".join(f"{v:g}->{s}" for v, s in entry.mapping or ())
        click.echo(f"  {entry.id}  {entry.label_fr[:58]:<58} {entry.unit:<13} {bands}")


def _registered_value_chain(settings, cluster_id: str) -> str | None:
    """The value chain of a cluster from the warehouse registry (None when the cluster is not registered)."""
    from warehouse import store
    from warehouse.db import get_engine
    from warehouse.models import Cluster

    rows = store.read_table(get_engine(settings.database_url), Cluster, cluster_id=cluster_id)
    if rows.empty:
        raise click.ClickException(f"cluster {cluster_id!r} is not in the registry: give --value-chain, or ingest it")
    return str(rows.iloc[0]["value_chain"])
