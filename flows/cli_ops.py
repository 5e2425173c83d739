"""Operations commands: `vigie serve`, `vigie backfill`, `vigie schedules`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from schemas.campaign import parse_campaign

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATA_DIR_OPTION = click.option(
    "--data-dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the campaign tables as <table>.csv (default: what intake has stored).",
)
"""The `--data-dir` of the commands that read a season's tables (backfill, completeness)."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of a Prefect server to start.")
@click.option("--port", default=4200, show_default=True, type=int)
@click.option(
    "--project-dir",
    default=str(PROJECT_DIR),
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder holding prefect.yaml (flows run there).",
)
@click.option("--no-watch", is_flag=True, help="Do not watch the inbox for submitted files.")
def serve(host: str, port: int, project_dir: Path, no_watch: bool) -> None:
    """Start (or reuse) the Prefect server, apply the deployments, run a worker and watch the inbox until stopped."""
    from flows.serve import serve as run_serve
    from flows.settings import prefect_api_url

    # only PREFECT_API_URL: the whole settings may name a Secret block on the server not started yet
    run_serve(project_dir, host, port, echo=click.echo, watch=not no_watch, api_url=prefect_api_url())


@click.command()
@DATA_DIR_OPTION
@click.option(
    "--seasons", "--campaigns", "seasons_flag", is_flag=True,
    help="Followed by the seasons to review, named by the year their campaigns end (--campaigns: its old name).",
)  # fmt: skip
@click.argument("seasons", nargs=-1, required=True)
@click.option("--no-deliver", is_flag=True, help="Queue the messages without sending them.")
def backfill(data_dir: Path | None, seasons_flag: bool, seasons: tuple[str, ...], no_deliver: bool) -> None:
    """Review past seasons (`--seasons 2023 2024 2025`) one after the other, oldest first."""
    try:
        ordered = sorted(dict.fromkeys(seasons), key=parse_campaign)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--seasons") from error
    from flows.season import season_review

    done = []
    for season in ordered:
        try:
            result = season_review(data_dir=str(data_dir) if data_dir else None, season=season, deliver=not no_deliver)
        except Exception as error:
            raise click.ClickException(
                f"review of {season} failed ({type(error).__name__}: {error}); done: {', '.join(done) or 'none'}"
            ) from error
        done.append(season)
        click.echo(f"{season}: {len(result['review'].overall)} clusters reviewed (run {result['run_id']})")


@click.command()
@click.option("--check", is_flag=True, help="Compare with prefect.yaml; exit 1 when they differ.")
@click.option(
    "--prefect-yaml",
    default=str(PROJECT_DIR / "flows" / "prefect.yaml"),  # the checkout's prefect.yaml, or the installed copy
    show_default=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
def schedules(check: bool, prefect_yaml: Path) -> None:
    """Print the schedules that follow from flows/calendars/calendars.yaml, to paste into prefect.yaml."""
    from flows.calendars import CalendarError, expected_schedules, load_calendars

    try:
        expected = expected_schedules(load_calendars())
    except CalendarError as error:
        raise click.ClickException(str(error)) from error
    if not check:
        for name, items in expected.items():
            click.echo(f"# deployment {name}")
            click.echo(yaml.safe_dump({"schedules": items}, allow_unicode=True, sort_keys=False, width=200))
        return
    declared = {d["name"]: d.get("schedules") for d in yaml.safe_load(prefect_yaml.read_text("utf-8"))["deployments"]}
    stale = [name for name, items in expected.items() if declared.get(name) != items]
    for name in stale:
        click.echo(f"{name}: prefect.yaml differs from calendars.yaml", err=True)
    if stale:
        sys.exit(1)
    click.echo("prefect.yaml follows calendars.yaml")


COMMANDS = (serve, backfill, schedules)
