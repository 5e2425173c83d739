"""`vigie outbox list` and `vigie outbox retry`: what waits, what went, what failed, and sending it again."""

from __future__ import annotations

import json

import click

from flows.settings import load_settings

STATUSES = ("queued", "sending", "sent", "failed", "given_up", "interrupted")
COLUMNS = (("id", 6), ("status", 9), ("attempts", 8), ("kind", 20), ("scope", 15), ("campaign", 10), ("recipient", 38))


@click.group()
def outbox() -> None:
    """Inspect the outbox and send failed messages again."""


@outbox.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Only this status (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the messages as JSON.")
def list_messages(statuses: tuple[str, ...], as_json: bool) -> None:
    """List the messages of the outbox, oldest first (never their content)."""
    from warehouse.outbox import list_messages as listed

    engine = _engine()
    rows = listed(engine, statuses or None)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    click.echo("  ".join(name.ljust(width) for name, width in COLUMNS) + "  last error")
    for row in rows:
        cells = [str(row[name] if row[name] is not None else "")[:width].ljust(width) for name, width in COLUMNS]
        click.echo("  ".join(cells) + "  " + (row["last_error"] or "")[:100].replace("\n", " "))
    counts = {status: sum(row["status"] == status for row in rows) for status in STATUSES}
    click.echo(f"{len(rows)} messages: " + ", ".join(f"{n} {status}" for status, n in counts.items() if n))
    for line in interrupted_lines(engine):
        click.echo(line)


def interrupted_lines(engine) -> list[str]:
    """The submissions and runs a crash interrupted in the last 30 days (the messages are in the table above)."""
    from warehouse.leftovers import recent

    found = [item for item in recent(engine) if item["kind"] != "message"]
    return [
        f"interrupted {item['kind']} {item['id'][:8]} ({item['label']}, begun {item['when']:%Y-%m-%d %H:%M})"
        for item in found
    ]


@outbox.command("retry")
@click.option("--id", "ids", multiple=True, type=int, help="Requeue this message (repeatable).")
@click.option("--all-failed", is_flag=True, help="Requeue every failed or given-up message.")
@click.option("--no-deliver", is_flag=True, help="Requeue only; `vigie deliver` sends later.")
def retry(ids: tuple[int, ...], all_failed: bool, no_deliver: bool) -> None:
    """Put failed or given-up messages back in the queue, then deliver. A sent message is never sent again."""
    from warehouse.outbox import list_messages as listed
    from warehouse.outbox import requeue

    if bool(ids) == all_failed:
        raise click.UsageError("give --id N (repeatable) or --all-failed")
    engine = _engine()
    if ids:
        found = {row["id"]: row for row in listed(engine, ids=ids)}
        missing = sorted(set(ids) - set(found))
        if missing:
            raise click.ClickException(f"no message with id {', '.join(map(str, missing))} in the outbox")
        sent = sorted(i for i, row in found.items() if row["status"] == "sent")
        if sent:
            raise click.ClickException(f"message {', '.join(map(str, sent))} was already sent: it is never sent twice")
        # `sending` and `interrupted` are requeued only by id: a crash mid-send may have delivered it
        requeued = requeue(engine, ids, statuses=("failed", "given_up", "sending", "interrupted"))
    else:
        requeued = requeue(engine)
    click.echo(f"{len(requeued)} message(s) requeued" + (f": {', '.join(map(str, requeued))}" if requeued else ""))
    if requeued and not no_deliver:
        from flows.delivery import deliver_outbox

        click.echo(json.dumps(deliver_outbox()))


def _engine():
    settings = load_settings()  # a SettingsError is said by flows/cli_errors.py (exit code 2)
    from flows.adapters import engine_for

    return engine_for(settings)
