"""`vigie completeness`: which tables each cluster has sent for its campaign, before the review runs (nothing is
scored, stored or sent)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from flows.cli_ops import DATA_DIR_OPTION


@click.command()
@DATA_DIR_OPTION
@click.option("--season", default=None, help="Season, named by the year its campaigns end (default: the latest).")
@click.option("--cluster", "clusters", multiple=True, help="Only this cluster (repeatable).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one row per cluster and table as JSON.")
def completeness(data_dir: Path | None, season: str | None, clusters: tuple[str, ...], lang: str, as_json: bool):
    """Say, per cluster, which tables are missing or thin for its campaign, so they can be chased first."""
    from flows.cli import _json_rows, _settings
    from flows.grids import grid_in_force
    from indicators.completeness import season_completeness
    from indicators.season import latest_season
    from reports.i18n import catalogue
    from reports.programme_context import chase_line, chase_rows

    settings = _settings()
    tables = _tables(data_dir, settings)
    season = season or latest_season(tables)
    try:
        found = season_completeness(tables, season, grid_in_force(settings), list(clusters) or None)
    except ValueError as error:  # an unknown cluster, a season name that is not one
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps({"season": season, "tables": _json_rows(found)}, ensure_ascii=False, indent=2))
        return
    t = catalogue(lang)
    names = dict(zip(tables["clusters"]["cluster_id"], tables["clusters"]["name"], strict=True))
    click.echo(t["completeness_title"].format(season=season))
    gaps = {row["name"]: row for row in chase_rows(found, names)}
    for cluster_id, campaign in found[["cluster_id", "campaign"]].drop_duplicates().itertuples(index=False):
        name = names.get(cluster_id, cluster_id)
        line = chase_line(gaps[name], lang, t) if name in gaps else t["completeness_all_ok"].format(
            name=name, campaign=campaign
        )  # fmt: skip
        click.echo(f"- {line}")


def _tables(data_dir: Path | None, settings) -> dict:
    """The typed tables of a CSV folder (checked like a review's), or what intake has stored."""
    if data_dir is None:
        from flows.intake_store import review_tables

        tables = review_tables(settings.store_dir)
        if "clusters" not in tables:
            raise click.ClickException(
                f"nothing stored yet in {settings.store_dir}: submit the files with vigie submit"
            )
        return tables
    from schemas.reading import read_csv_dir
    from validations.contracts import check_table

    tables = {name: check_table(name, frame).accepted for name, frame in read_csv_dir(str(data_dir)).items()}
    if "clusters" not in tables:
        raise click.ClickException(f"{data_dir}: no clusters.csv, the registry every review starts from")
    return tables
