"""Intake commands: `vigie submit`, `vigie watch`, `vigie quarantine list|export`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from flows.progress import on_terminal
from flows.settings import Settings, load_settings

IN_PROGRESS = "in_progress"
"""A file whose same bytes another submission was taking in (flows/intake_run.py, not imported: startup time)."""


def _settings():
    return load_settings()  # a SettingsError is said by flows/cli_errors.py (exit code 2)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--table", default=None, help="The table the file holds (English or French name), when its name does not say."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as one JSON object (a JSON list for a folder or several files).",
)
@click.option("--no-expectations", is_flag=True, help="Skip the Great Expectations suites and Data Docs (faster).")
@click.option("--here", is_flag=True, help="Run intake in this process even when `vigie serve` runs its service.")
def submit(paths: tuple[Path, ...], table: str | None, as_json: bool, no_expectations: bool, here: bool) -> None:
    """Hand files (CSV, XLSX, KoboToolbox/ODK export) or folders of files to intake and print what became of them;
    several files at once are one batch (the officers get one digest). With `vigie serve` running, its intake
    service takes them in (the same flow, already loaded: a small file in about a second).

    Exit code 2 when a file was refused, 3 when the same file was being taken in by another submission at that
    moment (status `in_progress`: nothing was done; send it again once that one ended)."""
    settings = _settings()
    # read where they are, never moved (the watcher files away what it takes from the inbox)
    result = None if here else _by_service(settings, paths, table, not no_expectations)
    if result is None:
        result = _here(paths, table, not no_expectations)
    summaries = result if isinstance(result, list) else [result]
    if as_json:
        fields = [{k: v for k, v in s.items() if k != "examples"} for s in summaries]
        click.echo(json.dumps(fields if isinstance(result, list) else fields[0], ensure_ascii=False, default=str))
    else:
        for summary in summaries:
            click.echo(summary_line(summary))
    if any(s["status"] == "rejected" for s in summaries):
        sys.exit(2)
    if any(s["status"] == IN_PROGRESS for s in summaries):
        sys.exit(3)


def _by_service(
    settings: Settings, paths: tuple[Path, ...], table: str | None, expectations: bool
) -> dict | list | None:
    """What the intake service of `vigie serve` made of the files; None when no service of this warehouse runs."""
    from flows.cli_errors import Explained, VigieError
    from flows.intake_service import ask

    named = [str(p.resolve()) for p in paths]
    answer = ask(settings, {"path": named[0] if len(named) == 1 else named, "table": table,
                               "expectations": expectations})  # fmt: skip
    if answer is not None and "error" in answer:
        raise VigieError(Explained(answer["error"]["text"], int(answer["error"]["code"])))
    return None if answer is None else answer["result"]


def _here(paths: tuple[Path, ...], table: str | None, expectations: bool) -> dict | list:
    """Run the intake flow in this process."""
    from flows.inbox import InboxRefusal
    from flows.intake import intake

    path = str(paths[0]) if len(paths) == 1 else [str(p) for p in paths]
    try:
        with on_terminal():
            return intake(path=path, table=table, archive=False, expectations=expectations)
    except InboxRefusal as refusal:  # a fifo or a device: refused before anything is read
        raise click.ClickException(str(refusal)) from None


def summary_line(summary: dict) -> str:
    """One submission in a few words, as an officer reads it."""
    name = summary["file"]
    if summary["status"] == "rejected":
        return f"{name}: refused: {summary['reason']}"
    if summary["status"] == IN_PROGRESS:
        return f"{name}: not taken in: {summary['reason']}"
    again = " (already received: nothing changed)" if summary["duplicate"] else ""
    lines = [
        f"{name}: {summary['rows_read']:,} rows read, {summary['rows_accepted']:,} accepted, "
        f"{summary['rows_quarantined']:,} quarantined, {summary['rows_warned']:,} with a warning{again}"
    ]
    for code, count in sorted((summary.get("problems") or {}).items(), key=lambda item: -item[1])[:5]:
        example = ((summary.get("examples") or {}).get(code) or [{}])[0]
        lines.append(
            f"    {count:>8,} x {code}" + (f" (e.g. row {example['row_number']})" if example.get("row_number") else "")
        )
    lines += column_lines(summary)
    if summary["rows_quarantined"]:
        lines.append(
            f"    fix them: vigie quarantine export --submission {summary['submission_id']} --out corrections.xlsx"
        )
    return "\n".join(lines)


COLUMN_WARNINGS = {
    "empty_required_column": "required column(s) empty in every row",
    "missing_optional_column": "optional column(s) absent",
}


def column_lines(summary: dict) -> list[str]:
    """The file's column warnings, then its columns that were not used (titles as in the file), per table."""
    lines = []
    for warning in summary.get("column_warnings") or []:
        named = warning.get("titles") or warning["columns"]
        lines.append(f"    warning: {COLUMN_WARNINGS[warning['code']]} ({warning['table']}): {', '.join(named)}")
    for table, titles in (summary.get("unused_columns") or {}).items():
        lines.append(f"    column(s) not used ({table}): {', '.join(titles)}")
    return lines


@click.command()
@click.argument("inbox", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--table", default="", help="The table every dropped file holds (default: from each file's name).")
@click.option(
    "--interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds between polls."
)
@click.option("--once", is_flag=True, help="Take the files present now, then stop.")
@click.option(
    "--run-here", is_flag=True, help="Run intake in this process instead of through the deployment's trigger."
)
def watch(inbox: Path | None, table: str, interval: float, once: bool, run_here: bool) -> None:
    """Watch INBOX (default VIGIE_INBOX_DIR): each new file becomes a vigie.submission.received event."""
    from flows.watch import InboxWatcher, run_intake_here, run_on_queue

    settings = _settings()
    inbox = inbox or settings.inbox_dir
    inbox.mkdir(parents=True, exist_ok=True)
    queue = None if run_here else settings.intake_queue  # this worker's own queue: no other worker takes the run
    handle = run_intake_here(table, inbox) if run_here else run_on_queue(queue, table) if queue else None
    watcher = InboxWatcher(inbox, table=table, handle=handle, trigger=queue is None)
    click.echo(f"Watching {inbox} (Ctrl-C to stop); processed files go to archive/, refused ones to rejected/.")
    if not run_here and not settings.prefect_api_url:
        click.echo("No PREFECT_API_URL: the events reach no deployment. Run `vigie serve` first, or use --run-here.")
    if not run_here and inbox.resolve() != settings.inbox_dir:
        click.echo(
            f"Warning: the intake deployment takes files from VIGIE_INBOX_DIR ({settings.inbox_dir}) only; set "
            f"VIGIE_INBOX_DIR={inbox.resolve()} for the worker too, or its runs will refuse these files."
        )
    try:
        for path in watcher.run(interval=interval, once=once):
            click.echo(f"received {path.name}")
    except KeyboardInterrupt:
        click.echo("stopped")


@click.group()
def quarantine() -> None:
    """Rows refused at intake, kept exactly as sent: list them, export them to fix and submit again."""


@quarantine.command("list")
@click.option("--submission", default=None, help="Only this submission's rows.")
@click.option("--table", default=None, help="Only this table's rows.")
@click.option("--all", "include_resolved", is_flag=True, help="Include rows a later submission has resolved.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def quarantine_list(submission: str | None, table: str | None, include_resolved: bool, as_json: bool) -> None:
    """List quarantined rows: file, row, reasons."""
    rows = _rows(submission, table, include_resolved)
    if as_json:
        records = rows.drop(columns=["cells", "problems"]).to_json(
            orient="records", force_ascii=False, date_format="iso"
        )
        click.echo(records)
        return
    if rows.empty:
        click.echo("No quarantined row.")
        return
    for row in rows.itertuples(index=False):
        click.echo(f"{row.submission_id[:8]} {row.table_name:<18} {row.file_name} row {row.row_number}: {row.reasons}")
    click.echo(f"{len(rows):,} row(s).")


@quarantine.command("export")
@click.option("--submission", default=None, help="Only this submission's rows.")
@click.option("--table", default=None, help="Only this table's rows.")
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="An .xlsx file, or a folder for CSV files."
)
@click.option(
    "--lang", default="fr", show_default=True, type=click.Choice(["fr", "en"]), help="Language of the reasons."
)
def quarantine_export(submission: str | None, table: str | None, out: Path, lang: str) -> None:
    """Write quarantined rows as sent, with their reasons, to fix in a spreadsheet and `vigie submit` again."""
    from reports.i18n import catalogue
    from validations.quarantine import export_frames, write_export

    rows = _rows(submission, table, False)
    if rows.empty:
        click.echo("No quarantined row to export.")
        return
    written = write_export(export_frames(rows, catalogue(lang)), out)
    click.echo(f"{len(rows):,} row(s) written to {', '.join(str(p) for p in written)}")


def _rows(submission: str | None, table: str | None, include_resolved: bool):
    from flows.adapters import engine_for
    from schemas.readers.names import table_from_option
    from warehouse.ledger import quarantined

    if table and table_from_option(table) is None:
        raise click.BadParameter(f"{table!r} is not a table", param_hint="--table")
    table = table_from_option(table) if table else None
    return quarantined(engine_for(_settings()), submission, table, include_resolved)


COMMANDS = (submit, watch, quarantine)
"""Registered on the `vigie` group by flows/cli.py."""
