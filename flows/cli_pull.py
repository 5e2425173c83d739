"""`vigie pull`: take in what arrived on ODK Central and KoboToolbox since the last pull (sources.yaml)."""

from __future__ import annotations

import json

import click

from flows.progress import on_terminal


@click.command()
@click.option("--source", default=None, help="Only this source of $VIGIE_HOME/sources.yaml (default: every one).")
@click.option(
    "--full",
    is_flag=True,
    help="Read each form whole: takes what changed since taken (KoboToolbox edits) and says what was deleted.",
)
@click.option(
    "--platform", type=click.Choice(["odk_central", "kobo"]), default=None, help="Only the sources of this platform."
)
@click.option("--json", "as_json", is_flag=True, help="Print each source's outcome as JSON.")
def pull(source: str | None, full: bool, platform: str | None, as_json: bool) -> None:
    """Pull new and changed submissions from the sources of sources.yaml, each taken in as one submission."""
    from flows.pull import Pulled, deleted_words, pull_sources

    with on_terminal():
        outcomes = pull_sources(source=source, full=full, platform=platform)
    if as_json:
        click.echo(json.dumps(outcomes, ensure_ascii=False, indent=2))
        return
    if not outcomes:
        click.echo("no source: describe them in $VIGIE_HOME/sources.yaml (README, Pulling from ODK Central and ...)")
    for p in outcomes:
        if p["status"] == "failed":
            told = " (the officers are told)" if p["alerted"] else ""
            click.echo(f"{p['source']}: failed ({p['code']}): {p['error']}{told}")
        else:
            click.echo(f"{p['source']}: {p['status']}, {p['records']} submissions, {p['rows_accepted']} rows "
                       f"accepted, {p['rows_quarantined']} quarantined")  # fmt: skip
        if p.get("deleted"):
            click.echo(deleted_words(Pulled(p["source"], p["status"], deleted=tuple(p["deleted"]))))
