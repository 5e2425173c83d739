"""`vigie export dhis2`: the latest review of a season as a DHIS2 `dataValueSets` payload (JSON and CSV), through
the officer's mapping of DHIS2 ids; with `--post`, sent to the programme's DHIS2 and its import summary said."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from flows.cli_errors import CONFIGURATION, STATE, Explained, VigieError
from flows.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    import pandas as pd

TOKEN_VARIABLE, TOKEN_BLOCK_VARIABLE = "VIGIE_DHIS2_TOKEN", "VIGIE_DHIS2_TOKEN_BLOCK"


@click.group()
def export() -> None:
    """Export the season's review to the programme's reporting systems."""


@export.command("dhis2")
@click.option("--season", default=None, help="Season to export, e.g. 2025 (default: the latest season reviewed).")
@click.option(
    "--mapping", "mapping_path", default=None, type=click.Path(path_type=Path), help="Default: $VIGIE_HOME/dhis2.yaml."
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Default: $VIGIE_HOME/exports.",
)
@click.option(
    "--post", "post_url", default=None, help="Send the payload to this DHIS2, e.g. https://dhis2.example.org."
)
@click.option(
    "--dry-run", is_flag=True, help="With --post: DHIS2 checks every value and says what it would do, saves nothing."
)
@click.option(
    "--timeout", "timeout_s", default=60.0, show_default=True, type=click.FloatRange(min=1), help="Per request, s."
)
def export_dhis2(
    season: str | None,
    mapping_path: Path | None,
    out_dir: Path | None,
    post_url: str | None,
    dry_run: bool,
    timeout_s: float,
) -> None:
    """Write the review's values as DHIS2 dataValueSets JSON and CSV (only what the mapping names); with --post, send
    them and report DHIS2's import summary. Exit code 1 when DHIS2 reports conflicts or an error."""
    from connectors.dhis2 import MappingError, load_mapping
    from connectors.dhis2_payload import as_csv, build_export
    from flows.adapters import engine_for
    from indicators import load_grid

    settings = load_settings()
    review = read_season_review(engine_for(settings), season)
    try:
        mapping = load_mapping(mapping_path or settings.home / "dhis2.yaml", [e.id for e in load_grid().entries])
    except MappingError as error:
        raise VigieError(Explained(str(error), CONFIGURATION)) from None
    made = build_export(mapping, review.indicators, review.axes, review.overall, review.clusters)
    made.left_out[:0] = review.left_out
    folder = out_dir or settings.home / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = folder / f"dhis2-{review.season}.json", folder / f"dhis2-{review.season}.csv"
    json_path.write_text(json.dumps(made.payload(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    csv_path.write_text(as_csv(made), encoding="utf-8")
    clusters = len({value["orgUnit"] for value in made.data_values})
    click.echo(f"Season {review.season}: {len(made.data_values)} data values for {clusters} cluster(s), period type")
    click.echo(f"  {mapping.period_type} -> {json_path} and {csv_path}")
    for line in made.left_out:
        click.echo(f"Left out: {line}")
    for line in made.notes:
        click.echo(f"Note: {line}")
    if not made.data_values:
        raise VigieError(Explained("Nothing to send: the mapping names none of the review's figures.", STATE))
    if post_url:
        _post(post_url, made, dry_run, timeout_s, dhis2_token(settings))


def _post(url: str, made, dry_run: bool, timeout_s: float, token: str) -> None:
    """Send the payload, say DHIS2's import summary; a VigieError when DHIS2 did not take everything."""
    from connectors.dhis2_client import Dhis2Unreachable, import_url, post_data_values, redirect_advice
    from connectors.dhis2_summary import parse_summary, summary_lines

    click.echo(f"Sending to {import_url(url)}{' (dry run)' if dry_run else ''} ...")
    try:
        answer = post_data_values(url, token, made.payload(), dry_run=dry_run, timeout_s=timeout_s)
    except Dhis2Unreachable as error:
        raise VigieError(
            Explained(f"DHIS2 did not answer: {error}. Nothing was imported; run again later.", STATE)
        ) from None
    if 300 <= answer.status < 400:
        raise VigieError(Explained(redirect_advice(url, answer.location), CONFIGURATION))
    summary = parse_summary(answer.status, answer.body, answer.text)
    for line in summary_lines(summary, made.labels, dry_run):
        click.echo(line)
    if answer.status in (401, 403):
        raise VigieError(
            Explained(
                f"DHIS2 refused the token (HTTP {answer.status}): set {TOKEN_VARIABLE} (or the Secret block named by "
                f"{TOKEN_BLOCK_VARIABLE}) to a personal access token of a user who may import data values.",
                CONFIGURATION,
            )
        )
    if not summary.clean:
        problems = f"{len(summary.conflicts)} conflict(s)" if summary.conflicts else f"status {summary.status}"
        raise VigieError(
            Explained(
                f"DHIS2 did not take every value ({problems}, HTTP {answer.status}, after {answer.attempts} "
                "attempt(s)): fix the mapping or DHIS2's metadata as said above, then run again.",
                STATE,
            )
        )


def dhis2_token(settings: Settings) -> str:
    """The DHIS2 personal access token: VIGIE_DHIS2_TOKEN, else the Prefect Secret block named by
    VIGIE_DHIS2_TOKEN_BLOCK (loaded only now, when posting); a SettingsError (never showing a value) otherwise."""
    from flows.settings import secret_from_block

    token = settings.dhis2_token or secret_from_block(TOKEN_BLOCK_VARIABLE, settings.dhis2_token_block)
    if not token:
        raise SettingsError(
            f"--post needs a DHIS2 personal access token: set {TOKEN_VARIABLE}, or {TOKEN_BLOCK_VARIABLE} to the "
            "name of a Prefect Secret block holding it"
        )
    return token


@dataclass
class SeasonReview:
    """The stored results of a season's latest review: per indicator, axis and cluster, and the registry."""

    season: str
    indicators: pd.DataFrame
    axes: pd.DataFrame
    overall: pd.DataFrame
    clusters: pd.DataFrame
    left_out: list[str] = field(default_factory=list)


def read_season_review(engine, season: str | None) -> SeasonReview:
    """The warehouse's results for the season (`2025` or `2024-2025`: campaigns ending in 2025), each cluster's
    latest, kept only when that review completed (a cluster whose latest review failed is left out and said)."""
    from schemas.campaign import season_year
    from warehouse import store
    from warehouse.models import AxisScore, Cluster, IndicatorValue, OverallScore, Run

    runs = store.read_table(engine, Run, kind="season")
    runs = runs[runs["status"] == "completed"]
    years = runs["season"].map(_year)
    if season is None and years.notna().any():
        season = str(int(years.max()))
    if season is None or _year(season) is None or not (years == _year(season)).any():
        raise VigieError(
            Explained(
                f"No completed review of season {season or '(none yet)'} in the warehouse: run `vigie season"
                f"{' --season ' + season if season else ''}` first.",
                STATE,
            )
        )
    season = str(season_year(season))
    completed = set(runs.loc[years == int(season), "run_id"])
    frames = {}
    left_out = []
    for name, model in (("indicators", IndicatorValue), ("axes", AxisScore), ("overall", OverallScore)):
        rows = store.read_table(engine, model)
        rows = rows[rows["campaign"].map(_year) == int(season)]
        if name == "overall":
            left_out += [
                f"{row.cluster_id}: its latest review (run {row.run_id}) did not complete, nothing sent"
                for row in rows[~rows["run_id"].isin(completed)].itertuples()
            ]
        frames[name] = rows[rows["run_id"].isin(completed)].reset_index(drop=True)
    return SeasonReview(season, **frames, clusters=store.read_table(engine, Cluster), left_out=left_out)


def _year(campaign: object) -> int | None:
    from schemas.campaign import season_year

    try:
        return season_year(str(campaign))
    except ValueError:
        return None


COMMANDS = (export,)
