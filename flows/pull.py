"""The pull-sources flow: each source of sources.yaml asked for what changed since its high-water mark, the new
records written as the platform's own export file and taken in by intake as one submission, then the mark moved.

Wiring only: the platforms' clients are in connectors/, the marks in warehouse/pull_marks.py. A source that fails
(down, slow, 401/403/429/5xx, a malformed page) keeps its mark and takes nothing; the officers hear of it once
(rule `pull_failed`): at once when waiting will not help (credentials, rights, a wrong form, a malformed page),
after UNAVAILABLE_ALERT_AFTER of a server that stays unreachable (the hourly pulls retry it meanwhile)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import httpx
import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from sqlalchemy import Engine

from connectors import kobo, odk_central
from connectors.fetched import Fetched, Mark
from connectors.http import DEFAULT_RETRY, PullError, Retry
from connectors.sources import PLATFORMS as PLATFORM_NAMES
from connectors.sources import Source, SourceError, load_sources, secret_of, sources_file
from connectors.taken import Versions, read_taken, sweep, taken_path, versions_of, write_taken
from flows.adapters import engine_for
from flows.cli_errors import mask_secrets
from flows.events import announce_alerts, request_delivery
from flows.settings import FLOW_TIMEOUT_S, Settings, load_settings
from warehouse import store
from warehouse.pull_marks import move_mark, read_mark, record_failure

RULE = "pull_failed"
UNAVAILABLE_ALERT_AFTER = timedelta(hours=6)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Per request: 10 s to connect, 30 s to read a page (a page of 500 submissions is a few hundred KB)."""
PLATFORMS = {"odk_central": odk_central, "kobo": kobo}
TakeIn = Callable[[Path, str], dict]
"""Intake of one file as one submission (path, table) -> its summary."""


@dataclass(frozen=True)
class Pulled:
    """What became of one source: `taken`, `nothing_new`, `refused` (intake refused the file: its report says why)
    or `failed` (`code`, `error`); the records fetched, the pages read, the file written, intake's summary, and the
    stable ids of the submissions deleted on the platform since the last pull (their rows stay in the store)."""

    source: str
    status: str
    records: int = 0
    pages: int = 0
    file: str | None = None
    submission_id: str | None = None
    rows_accepted: int = 0
    rows_quarantined: int = 0
    code: str | None = None
    error: str | None = None
    alerted: bool = False
    deleted: tuple[str, ...] = ()


def pull_source(source: Source, settings: Settings, engine: Engine, take_in: TakeIn, full: bool = False,
                client: httpx.Client | None = None, retry: Retry = DEFAULT_RETRY) -> Pulled:  # fmt: skip
    """Pull one source; the mark moves only once intake has recorded the submission (a crash before that loses
    nothing: the records come again, and intake knows them by their stable ids)."""
    if source.repeat:
        repeat_mapping(source, settings)
    mark = Mark() if full else read_mark(engine, source)
    platform = PLATFORMS[source.platform]
    try:
        secret = secret_of(source, settings.environment)
        with contextlib.nullcontext(client) if client else httpx.Client(timeout=TIMEOUT) as http:
            fetched = platform.fetch(source, secret, mark, http, retry)
    except SourceError as error:
        return _failed(source, engine, PullError("no_secret", str(error)))
    except PullError as error:
        return _failed(source, engine, error)
    taken_file, form = taken_path(settings.home / "pulls", source.name), f"{source.platform} {source.url} {source.form}"
    records, deleted, versions = sift(fetched, read_taken(taken_file, form), full, platform)
    parents = {platform.stable_id(record) for record in records}
    rows = [row for row in fetched.repeat_rows if row[0] in parents]
    if not records or (source.repeat and not rows):
        move_mark(engine, source, fetched.mark, None, 0)
        write_taken(taken_file, form, versions)
        return Pulled(source.name, "nothing_new", pages=fetched.pages, deleted=tuple(deleted))
    if source.repeat:
        path = platform.write_repeat_export(rows, source.repeat_name, export_path(settings, source))
    else:
        path = platform.write_export(records, export_path(settings, source))
    summary = take_in(path, source.table)
    counts = {"records": len(rows) if source.repeat else len(records), "pages": fetched.pages, "file": str(path),
              "submission_id": summary.get("submission_id"), "rows_accepted": summary.get("rows_accepted", 0),
              "rows_quarantined": summary.get("rows_quarantined", 0), "deleted": tuple(deleted)}  # fmt: skip
    if summary.get("status") != "validated":
        return Pulled(source.name, "refused", **counts)
    move_mark(engine, source, fetched.mark, summary.get("submission_id"), len(records))
    write_taken(taken_file, form, versions)
    return Pulled(source.name, "taken", **counts)


def sift(fetched: Fetched, taken: Versions, full: bool, platform) -> tuple[list[dict], list[str], Versions]:
    """The records to take in, the ids deleted on the platform, and the versions taken once they are in: a full read
    keeps only what changed since taken and finds what is no longer there (connectors/taken.py)."""
    records, deleted = fetched.records, fetched.deleted
    if full:
        records, deleted = sweep(fetched.records, taken, platform.stable_id, platform.version_id)
        taken = {}
    versions = {**taken, **versions_of(fetched.records if full else records, platform.stable_id, platform.version_id)}
    return records, deleted, {key: value for key, value in versions.items() if key not in deleted}


def export_path(settings: Settings, source: Source) -> Path:
    """`$VIGIE_HOME/pulls/<source>/<source>_<UTC time>.csv`: one file per pull, kept as it was taken in (a repeat's
    rows: `..._<time>-<repeat>.csv`, the name intake knows a repeat's file by)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tail = f"-{source.repeat_name}" if source.repeat else ""
    return settings.home / "pulls" / source.name / f"{source.name}_{stamp}{tail}.csv"


def repeat_mapping(source: Source, settings: Settings) -> None:
    """A SourceError unless a form mapping says `repeat: <name>` for the source's table: intake refuses a repeat's
    rows without one."""
    from schemas.readers.forms import available_forms, repeat_form

    form = repeat_form(str(source.repeat_name), available_forms(settings.forms_dir))
    if form is None or form.table != source.table:
        raise SourceError("sources.yaml", f"{source.name} → repeat", f"no form mapping says `repeat: "
                          f"{source.repeat_name}` for {source.table} (README, Intake: form mappings)")  # fmt: skip


def _failed(source: Source, engine: Engine, error: PullError) -> Pulled:
    """The failure noted (mark unchanged) and, once per run of failures, told to the officers."""
    since = record_failure(engine, source, error.code)
    told = not error.transient or datetime.now(UTC) - since >= UNAVAILABLE_ALERT_AFTER
    new = store.save_alerts(engine, None, failure_alert(source, error, since)) if told else pd.DataFrame()
    if not new.empty:
        announce_alerts(str(flow_run.id or "-"), new)
    return Pulled(source.name, "failed", code=error.code, error=mask_secrets(str(error)), alerted=not new.empty)


def failure_alert(source: Source, error: PullError, since: datetime) -> pd.DataFrame:
    """The one `pull_failed` alert of a run of failures, for the officers: subject `<source>: <code> <since>`."""
    subject = f"{source.name}: {error.code} {since:%Y-%m-%dT%H:%M}"
    return pd.DataFrame([{"rule": RULE, "cluster_id": "*", "campaign": "-", "subject": subject[:64],
                          "severity": "high", "value": None, "previous": None}])  # fmt: skip


def deleted_words(pulled: Pulled) -> str:
    """The officer's line about submissions deleted on the platform: how many, which, and that Vigie keeps them."""
    shown = ", ".join(pulled.deleted[:10]) + (
        f" and {len(pulled.deleted) - 10} more" if len(pulled.deleted) > 10 else ""
    )
    return (f"{pulled.source}: {len(pulled.deleted)} submission(s) deleted on the platform since the last pull, "
            f"their rows still in Vigie (check with the coach whether the deletion was meant): {shown}")  # fmt: skip


def _take_in(path: Path, table: str) -> dict:
    """The intake flow, as a subflow: counts, quarantine, ledger, the officers' validation report."""
    from flows.intake import intake

    return intake(str(path), table=table)


@flow(name="pull-sources", timeout_seconds=FLOW_TIMEOUT_S)
def pull_sources(
    source: str | None = None, full: bool = False, platform: Literal["odk_central", "kobo"] | None = None
) -> list[dict]:
    """Take in what arrived on ODK Central and KoboToolbox since the last pull, for every source of
    `$VIGIE_HOME/sources.yaml` (or only `source`).

    Args:
        source: Le nom d'une source de sources.yaml (vide : toutes les sources).
        full: Relire chaque formulaire depuis sa première soumission : seules les soumissions nouvelles ou
            modifiées depuis leur dernière prise passent par l'intake, et celles supprimées sur la plateforme sont
            signalées (KoboToolbox ne dit pas autrement qu'une soumission a été modifiée ou supprimée).
        platform: Seulement les sources de cette plateforme, odk_central ou kobo (vide : toutes).
    """
    logger = get_run_logger()
    settings = load_settings()
    engine = engine_for(settings)
    if platform and platform not in PLATFORM_NAMES:
        raise SourceError("sources.yaml", platform, f"not a platform ({', '.join(PLATFORM_NAMES)})")
    sources = [s for s in load_sources(sources_file(settings.home)) if source in (None, "", s.name)
               and platform in (None, "", s.platform)]  # fmt: skip
    if source and not sources:
        raise SourceError("sources.yaml", source, "no such source")
    outcomes = [pull_source(s, settings, engine, _take_in, full) for s in sources]
    for pulled in outcomes:
        logger.info("%s: %s, %d records, %d pages%s", pulled.source, pulled.status, pulled.records, pulled.pages,
                    f" ({pulled.code}: {pulled.error})" if pulled.error else "")  # fmt: skip
        if pulled.deleted:
            logger.warning(deleted_words(pulled))
    alerts = sum(p.alerted for p in outcomes)
    if alerts:  # intake asks for its own reports' delivery; the failures' alerts are asked for once here
        request_delivery("pull", str(flow_run.id or ""), 0, alerts)
    return [asdict(p) for p in outcomes]
