"""The `vigie` command: generate samples, run the demo and the season review, manage the warehouse."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from flows.cli_errors import quiet_prefect, run_guarded
from flows.progress import on_terminal
from flows.settings import load_settings

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry from officers' machines


class VigieGroup(click.Group):
    """The `vigie` group: known errors are said in one or two lines, with a traceback only under `--debug`."""

    def invoke(self, ctx: click.Context):
        return run_guarded(lambda: super(VigieGroup, self).invoke(ctx), bool(ctx.params.get("debug")))


@click.group(cls=VigieGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vigie", message="vigie %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's log lines (on standard error).")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def main(verbose: bool, debug: bool) -> None:
    """Vigie: monitoring of agricultural clusters, from campaign data to committee dashboards."""
    quiet_prefect(verbose or debug)


@main.command()
@click.option("--clusters", default=6, show_default=True, type=click.IntRange(1, 5000))
@click.option("--campaigns", default=3, show_default=True, type=click.IntRange(1, 10))
@click.option("--seed", default=42, show_default=True, type=int)
@click.option(
    "--deliveries",
    default=2000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Average deliveries per cluster and campaign (6700 gives the national benchmark size).",
)
@click.option("--last-campaign-year", default=2025, show_default=True, type=int)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def generate(clusters: int, campaigns: int, seed: int, deliveries: int, last_campaign_year: int, out_dir: Path) -> None:
    """Write a deterministic synthetic sample (every input table as CSV) to OUT."""
    from synthetic import generate as run_generate

    summary = run_generate(
        out_dir,
        clusters=clusters,
        campaigns=campaigns,
        seed=seed,
        last_campaign_year=last_campaign_year,
        deliveries_per_cluster_campaign=deliveries,
        progress=True,
    )
    click.echo(f"{summary['clusters']} clusters, campaigns {', '.join(summary['campaigns'])} -> {out_dir}")
    for table, count in summary["rows"].items():
        click.echo(f"  {table:<18} {count:>12,} rows")


@main.command()
@click.option("--seed", default=42, show_default=True, type=int)
def demo(seed: int) -> None:
    """Generate a sample (6 clusters, 3 campaigns), submit each file through intake, review the latest campaign
    from the store and write the emails."""
    from synthetic import generate as run_generate

    settings = _settings()
    data_dir = settings.data_dir / "demo"
    click.echo(f"Generating the demo sample in {data_dir} ...")
    run_generate(data_dir, clusters=6, campaigns=3, seed=seed)
    click.echo("Submitting each file through intake (the first Prefect flow of a process takes a few seconds) ...")
    from flows.cli_intake import summary_line
    from flows.intake import intake
    from flows.season import season_review

    for summary in intake(path=str(data_dir)):
        click.echo(summary_line(summary))
    click.echo("Running the end-of-season review on what intake stored ...")
    result = season_review()
    _print_summary(result, settings)
    _print_message_counts(settings)
    _print_pdfs(settings)


def _print_pdfs(settings) -> None:
    """Where the committees' printable reviews (PDF, for their general assemblies) are: on the published site
    (VIGIE_SITE_STORE_URL, the home's site folder by default)."""
    from warehouse.site_store import SiteFiles

    site = SiteFiles(settings.site_store)
    pdfs = [name for name in site.names("pdf") if name.endswith(".pdf")]
    if not pdfs:
        click.echo("Printable reviews (PDF): none made (VIGIE_PDF is off)")
        return
    click.echo(
        f"Printable reviews (PDF, A4) for the general assemblies, printed last and linked from each committee's "
        f"message (never attached): {len(pdfs)} in {site.where('pdf')}"
    )
    for name in pdfs:
        click.echo(f"  {name}")


@main.command()
@click.option(
    "--data-dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the campaign tables as <table>.csv (default: what intake has stored).",
)
@click.option(
    "--season",
    default=None,
    help="Season to review, named by the year its campaigns end, e.g. 2025: each cluster is reviewed on its own "
    "campaign ending that year (2024-2025 for rice). Default: the latest.",
)
@click.option("--campaign", "old_season", default=None, hidden=True, help="Deprecated: the old name of --season.")
@click.option("--cluster", "clusters", multiple=True, help="Review only this cluster (repeatable).")
@click.option("--no-deliver", is_flag=True, help="Queue the messages without sending them.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--as-of", default=None, help="Review the store as it was: a version (`vigie store history`) or a time (ISO)."
)
def season(
    data_dir: Path | None,
    season: str | None,
    old_season: str | None,
    clusters: tuple[str, ...],
    no_deliver: bool,
    as_json: bool,
    as_of: str | None,
) -> None:
    """Run the end-of-season review of a season (the year its campaigns end)."""
    from flows.season import season_review
    from indicators.season import NoSeasonData

    season = _season_option(season, old_season)
    settings = _settings()
    if as_of:
        from flows.cli_store import check_as_of

        check_as_of(as_of, settings, data_dir)
    try:
        with on_terminal():
            result = season_review(
                data_dir=str(data_dir) if data_dir else None,
                season=season,
                clusters=list(clusters) or None,
                deliver=not no_deliver,
                as_of=as_of,
            )
    except NoSeasonData as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(review_as_json(result), ensure_ascii=False, indent=2))
    else:
        _print_summary(result, settings)
    for line in delivery_problems(result.get("delivered") or {}, settings):
        click.echo(line, err=True)


@main.group()
def db() -> None:
    """Manage the warehouse database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the warehouse schema to the latest revision (creates the SQLite file if needed)."""
    from warehouse.db import head_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo(f"{_safe_url(settings.database_url)} is at revision {head_revision()}")


@main.command()
def deliver() -> None:
    """Send every message waiting in the outbox, within VIGIE_DELIVERY_BUDGET_S. Exit code 1 when messages were
    given up or the mail account refused them."""
    from flows.delivery import deliver_outbox

    counts = deliver_outbox()
    click.echo(json.dumps(counts))
    lines = delivery_problems(counts, _settings())
    for line in lines:
        click.echo(line, err=True)
    if counts.get("account_refused") or counts.get("given_up"):
        sys.exit(1)


SEASON_RENAMED = (
    "Note : --campaign est l'ancien nom de --season (l'année où finissent les campagnes), utilisez --season. "
    "/ --campaign is the old name of --season: use --season."
)


def _season_option(season: str | None, old_season: str | None) -> str | None:
    """The season asked for: `--season`, or the deprecated `--campaign` (said once on standard error)."""
    if old_season is None:
        return season
    click.echo(SEASON_RENAMED, err=True)
    if season is not None and season != old_season:
        raise click.UsageError(f"--season {season} and --campaign {old_season} disagree: give --season alone.")
    return season or old_season


def delivery_problems(counts: dict, settings) -> list[str]:
    """What an officer must know of a delivery: the account refused, messages given up, messages left over."""
    lines = []
    if counts.get("account_refused"):
        lines += [
            f"Error: {counts['account_refused']}: nothing more was sent, the messages stay queued.",
            "Fix SENDGRID_API_KEY (or the Prefect Secret block 'sendgrid-api-key'), then run `vigie deliver`; "
            f"the officers were told in {settings.outbox_dir}.",
        ]
    if counts.get("given_up"):
        lines.append(f"{counts['given_up']} message(s) given up: `vigie outbox list --status given_up` says why.")
    if counts.get("deferred"):
        lines.append(f"{counts['deferred']} message(s) left queued: the delivery's time budget was spent.")
    return lines


def _settings():
    return load_settings()  # a SettingsError is said by flows/cli_errors.py (exit code 2)


def _print_summary(result: dict, settings) -> None:
    from indicators import LEVELS

    review = result["review"]
    rows = result["rows"]
    names = result.get("cluster_names", {})
    click.echo("")
    click.echo(f"Season {result['season']}: {len(review.overall)} clusters reviewed (run {result['run_id']})")
    click.echo(f"Rows ingested: {rows['accepted']:,} accepted of {rows['read']:,} read ({rows['rejected']:,} refused)")
    for row in review.overall.sort_values("cluster_id").to_dict("records"):
        score = "n/a" if row["score"] != row["score"] else f"{row['score']:.2f}"
        level = LEVELS.get(row["level"], {}).get("fr", "données insuffisantes")
        name = str(names.get(row["cluster_id"], ""))[:36]
        click.echo(f"  {row['cluster_id']:<15} {row['campaign']:<10} {name:<36} {score:>5} / 4  {level}")
    for cluster_id, own in (result.get("left_out") or {}).items():
        click.echo(f"  {cluster_id:<15} {own:<10} left out: no data for this campaign, nothing sent")
    click.echo(_emails_line(result, settings))
    click.echo(f"Database: {_safe_url(settings.database_url)}")


def _emails_line(result: dict, settings) -> str:
    """What became of the review's emails: handed to the deliver-outbox deployment, or where they went."""
    if result.get("delivery") == "deployment":
        return f"Emails: {result['queued']} new messages, sent by the deliver-outbox deployment of the Prefect server"
    if settings.email_backend != "file":
        return f"Emails: sent through {settings.email_backend}: {result['delivered']}"
    emails = len(list(settings.outbox_dir.glob("*.eml"))) if settings.outbox_dir.exists() else 0
    return f"Emails: {emails} .eml files in {settings.outbox_dir}"


def _print_message_counts(settings) -> None:
    """How many messages the outbox holds for each audience (the demo starts from an empty outbox)."""
    from collections import Counter

    from flows.adapters import engine_for
    from warehouse.outbox import list_messages

    kinds = Counter(row["kind"].split(":")[0] for row in list_messages(engine_for(settings)))
    click.echo(
        f"Messages: {kinds['committee_dashboard']} to committees (one per address: its dashboard, the review's "
        f"alerts at the top), {kinds['officer_dashboard']} officers' review digests, {kinds['validation_report']} "
        f"validation reports (one per officer for the batch), {kinds['alert']} in-season alert messages"
    )


def review_as_json(result: dict) -> dict:
    """The review per cluster: its campaign, overall score and level, 6 axes and 24 indicators."""
    review = result["review"]
    clusters = []
    for overall in _json_rows(review.overall):
        cluster_id = overall["cluster_id"]

        def mine(frame, cluster_id=cluster_id):
            return frame[frame["cluster_id"] == cluster_id]

        clusters.append(
            {
                "cluster_id": overall["cluster_id"],
                "name": result["cluster_names"].get(overall["cluster_id"]),
                "campaign": overall["campaign"],
                "overall": {k: overall[k] for k in ("score", "level", "coverage")},
                "axes": _json_rows(mine(review.axes).drop(columns=["cluster_id", "campaign"])),
                "indicators": _json_rows(mine(review.indicators).drop(columns=["cluster_id", "campaign"])),
            }
        )
    return {
        "run_id": result["run_id"],
        "season": result["season"],
        "grid_hash": review.grid_hash,
        "clusters": clusters,
    }


def _json_rows(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # loaded only for the commands that show a URL

    return make_url(url).render_as_string(hide_password=True)


def _register() -> None:
    """Attach the commands that live in their own modules."""
    from flows.cli_completeness import completeness
    from flows.cli_export import COMMANDS as EXPORT_COMMANDS
    from flows.cli_forms import COMMANDS as FORMS_COMMANDS
    from flows.cli_grid import grid
    from flows.cli_intake import COMMANDS as INTAKE_COMMANDS
    from flows.cli_ops import COMMANDS as OPS_COMMANDS
    from flows.cli_outbox import outbox
    from flows.cli_pull import pull
    from flows.cli_store import COMMANDS as STORE_COMMANDS

    for command in [
        grid,
        *OPS_COMMANDS,
        outbox,
        *INTAKE_COMMANDS,
        *FORMS_COMMANDS,
        pull,
        *EXPORT_COMMANDS,
        completeness,
        *STORE_COMMANDS,
    ]:
        main.add_command(command)


_register()

if __name__ == "__main__":
    sys.exit(main())
