"""`vigie store history` and `vigie store compact`: the store's versions, and how much history it keeps."""

from __future__ import annotations

from pathlib import Path

import click

KEEP_DAYS = 30


@click.group()
def store() -> None:
    """The store of accepted rows: its versions and its history."""


@store.command()
@click.option("--last", default=20, show_default=True, help="How many versions to show, the latest last.")
def history(last: int) -> None:
    """The store's versions: number, time (UTC) and the submission that made each (for `vigie season --as-of`)."""
    from flows.settings import load_settings
    from warehouse import store_log

    for row in store_log.load(load_settings().store_dir).commits[-last:]:
        click.echo(f"{row['version']:>6}  {row['committed_at']:%Y-%m-%d %H:%M:%S}  {row['label']}")


@store.command()
@click.option(
    "--keep-days",
    default=KEEP_DAYS,
    show_default=True,
    type=click.IntRange(0, KEEP_DAYS),
    help="Keep the versions of the last N days readable (--as-of); older files are removed.",
)
def compact(keep_days: int) -> None:
    """Remove the files no version of the last N days reads (Delta vacuum) and forget the older versions."""
    from flows.settings import load_settings
    from warehouse.store_compact import compact as run_compact

    done = run_compact(load_settings().store_dir, keep_days)
    click.echo(
        f"{done.files_removed} file(s) removed, {done.versions_forgotten} version(s) forgotten; "
        f"the oldest version kept is {done.oldest_version}"
    )


def check_as_of(as_of: str, settings, data_dir: Path | None) -> None:
    """Refuse an --as-of that is no version or time (exit code 2), or that the store does not have (exit code 1)."""
    from warehouse import store_log

    if data_dir is not None:
        raise click.BadParameter(
            "a folder of tables has no versions: use --as-of without --data-dir", param_hint="--as-of"
        )
    try:
        store_log.load(settings.store_dir, store_log.as_of_value(as_of))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--as-of") from None
    except LookupError as error:
        raise click.ClickException(f"--as-of {as_of}: {error} (`vigie store history` lists them)") from None


COMMANDS = [store]
