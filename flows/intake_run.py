"""One submission, start to end, without Prefect: read, validate, store or quarantine, record in the ledger.

The intake flow (flows/intake.py) wraps `ingest_file` in a task; the benchmark calls it directly. Nothing is
stored before every table of the file has been read and checked, so a file refused halfway changes nothing.
"""

from __future__ import annotations

import json
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

from flows import progress
from flows.intake_gate import AlreadyInProgress, AlreadyProcessed, Gate, warm_up_expectations
from flows.intake_store import expect, record_quarantine, references, store_outcomes
from flows.settings import Settings
from schemas.readers.forms import available_forms
from schemas.readers.refusal import ReadRefused
from schemas.readers.source import open_source
from schemas.tables import TABLE_KEYS
from validations.keys import key_text
from validations.pipeline import PartOutcome, PartValidator
from warehouse import ledger, parquet_store


@dataclass
class Submitted:
    """The summary of one submission, as the CLI prints it, events carry it and the report tells it."""

    submission_id: str
    file: str
    status: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_warned: int = 0
    duplicate: bool = False
    reason: str | None = None
    reason_code: str | None = None
    kind: str | None = None
    tables: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)
    unused_columns: dict[str, list[str]] = field(default_factory=dict)  # per table, titles as in the file
    column_warnings: list[dict] = field(default_factory=list)  # validations/columns.py
    examples: dict[str, list[dict]] = field(default_factory=dict)
    expectations: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_docs: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return asdict(self)


def ingest_file(
    path: str | Path,
    table: str | None,
    settings: Settings,
    engine: Engine,
    today: date | None = None,
    expectations: bool = True,
    flow_run_id: str | None = None,
) -> Submitted:
    """Take in one file: a file already processed changes nothing; a refused file is recorded with its reason.

    The file's hash is computed beside the reading (both take seconds on a national file): the ledger learns of
    the submission as soon as the hash is known, and always before anything is stored."""
    path = Path(path)
    clock = _Clock()
    if expectations:
        warm_up_expectations()
    submitted = Submitted(str(uuid.uuid4()), path.name, "received")
    gate = Gate(path, table or "", engine, submitted.submission_id, flow_run_id, settings.stale_after_s)
    try:
        gate.check(wait=path.stat().st_size < (64 << 20))
        try:
            outcomes = _validate(path, table, settings, today or date.today(), submitted, clock, gate)
            gate.check(wait=True)
            clock.lap("read_validate")
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-expect") as pool:
                checked = pool.submit(expect, outcomes, settings, submitted) if expectations else None
                store_outcomes(outcomes, settings, engine, submitted, clock)
                if checked is not None:  # Great Expectations ran beside the store (it only reads)
                    clock.laps["expectations"] = checked.result()
            submitted.status = "validated"
        except ReadRefused as refusal:
            gate.check(wait=True)
            submitted.status, submitted.reason, submitted.reason_code = "rejected", str(refusal), refusal.code
            submitted.problems = {refusal.code: 1}
            submitted.examples = {refusal.code: [{"detail": refusal.details}]}
    except AlreadyProcessed as done:  # or being processed now by another worker (AlreadyInProgress)
        if isinstance(done, AlreadyInProgress):
            return _in_progress(done.previous, path.name, settings.stale_after_s)
        return _from_ledger(done.previous)
    except Exception as error:
        submitted.status, submitted.reason = "failed", f"{type(error).__name__}: {error}"
        if gate.recorded:
            ledger.finish_submission(
                engine, submitted.submission_id, status="failed", reason=traceback.format_exc()[-4000:]
            )
        raise
    submitted.timings = {"hash": gate.seconds, **clock.laps}
    _record(engine, submitted, clock.elapsed(), gate, outcomes if submitted.status == "validated" else [])
    return submitted


def _validate(path: Path, table, settings, today, submitted, clock, gate: Gate) -> list[PartOutcome]:
    # a bad mapping is a FormError, a refusal; a file beyond the limits is refused before its rows are read
    source = open_source(path, table, available_forms(settings.forms_dir), settings.limits)
    submitted.kind, submitted.notes = source.kind, list(source.notes)
    submitted.tables = [part.table for part in source.parts]
    refs = references(settings.store_dir)
    outcomes = []
    for part in source.parts:
        validator = PartValidator(part, refs, today)
        check_in_order(validator, part.read(), partial(_between, gate, validator, path.name))
        clock.lap("read_validate")
        outcome = validator.finish(_history(settings.store_dir, part.table, validator))
        clock.lap("outliers")
        if outcome.accepted and part.table in ("clusters", "actors"):
            refs = refs.with_rows(part.table, outcome.accepted[0].to_pandas())
        outcomes.append(outcome)
    if not sum(outcome.rows_read for outcome in outcomes):
        raise ReadRefused("no_rows")
    return outcomes


def _between(gate: Gate, validator: PartValidator, name: str) -> None:
    """After each chunk: the gate's check, and the rows read so far on a terminal."""
    gate.check()
    progress.report(f"{name}: {validator.outcome.rows_read:,} rows read")


def check_in_order(validator: PartValidator, chunks, between: Callable[[], None], threads: int = 2) -> None:
    """Prepare chunks in `threads` threads (pyarrow and numpy release the GIL: two cores work), absorb them in
    file order; at most `threads` chunks wait at once, so memory stays bounded. `between` runs after each."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="intake-check") as pool:
        waiting: deque = deque()
        for chunk in chunks:
            waiting.append(pool.submit(validator.prepare, chunk))
            if len(waiting) >= threads:
                validator.absorb(waiting.popleft().result())
                between()
        while waiting:
            validator.absorb(waiting.popleft().result())
            between()


def _history(root: Path, table: str, validator: PartValidator):
    """Rows already stored in the partitions the new rows fall in (the outlier rule judges them together), less
    the rows the new ones replace."""
    rule = validator.rules.outliers.get(table)
    accepted = validator.outcome.accepted
    if rule is None or not accepted or not parquet_store.partition_files(root, table):
        return None  # nothing stored yet for this table: no need to find which partitions the rows fall in
    rows = pa.concat_tables(accepted)
    pairs = set(parquet_store.partition_index(table, rows))
    keys = list(TABLE_KEYS[table])
    wanted = list(dict.fromkeys([*keys, *(c for c in rule.group_by if c != "supplier_link"), *rule.columns]))
    if "supplier_link" in rule.group_by:
        wanted.append("supplier_actor_id")
    stored = parquet_store.read_rows(root, table, wanted, partitions=pairs)
    if stored is None:
        return None
    frame = stored.to_pandas()
    replaced = key_text(frame, keys).isin(key_text(rows.select(keys).to_pandas(), keys))
    return frame[~replaced.to_numpy()]


def _record(engine: Engine, submitted: Submitted, seconds: float, gate: Gate, outcomes: list[PartOutcome]) -> None:
    """The ledger's last record of a submission, in one transaction with its quarantined rows: a process killed
    before it leaves no quarantined row behind, and the retry records them once."""
    with engine.begin() as connection:
        record_quarantine(connection, outcomes, submitted.submission_id)
        ledger.supersede(connection, submitted.submission_id, gate.digest, gate.table_hint, bool(outcomes))
        _finish(connection, submitted, seconds)


def _finish(connection, submitted: Submitted, seconds: float) -> None:
    ledger.finish_submission(
        connection,
        submitted.submission_id,
        status=submitted.status,
        reason=submitted.reason,
        tables=submitted.tables,
        source_kind=submitted.kind,
        clusters=submitted.clusters,
        campaigns=submitted.campaigns,
        rows_read=submitted.rows_read,
        rows_accepted=submitted.rows_accepted,
        rows_quarantined=submitted.rows_quarantined,
        rows_warned=submitted.rows_warned,
        problems=submitted.problems,
        unused_columns=submitted.unused_columns,
        timings=submitted.timings,
        duration_s=round(seconds, 3),
    )


def _from_ledger(row: dict) -> Submitted:
    """The summary of an earlier submission of the same file, marked as a duplicate."""
    split = lambda text: [part for part in (text or "").split(";") if part]  # noqa: E731
    return Submitted(
        submission_id=row["submission_id"],
        file=row["file_name"],
        status=row["status"],
        rows_read=row["rows_read"],
        rows_accepted=row["rows_accepted"],
        rows_quarantined=row["rows_quarantined"],
        rows_warned=row["rows_warned"],
        duplicate=True,
        reason=row["reason"],
        kind=row["source_kind"],
        tables=split(row["tables"]),
        clusters=split(row["clusters"]),
        campaigns=split(row["campaigns"]),
        problems=json.loads(row["problems"] or "{}"),
        unused_columns=json.loads(row.get("unused_columns") or "{}"),
    )


IN_PROGRESS = "in_progress"
"""The status (and reason code) of a file whose same bytes another submission is taking in at that moment."""


def _in_progress(row: dict, file_name: str, stale_after_s: float) -> Submitted:
    """The summary of a file refused because the same bytes are being taken in by another submission (`row`):
    nothing was done, and the officer is told by which submission, since when, and when to send it again."""
    since = row["received_at"] if row["received_at"].tzinfo else row["received_at"].replace(tzinfo=UTC)
    until = since + timedelta(seconds=stale_after_s)
    reason = (
        f"Ce fichier est déjà en cours de réception par la soumission {row['submission_id'][:8]}, commencée le "
        f"{since:%d/%m/%Y à %H:%M} UTC : il n'a pas été pris une seconde fois. Attendez la fin de cette "
        f"réception ; si elle a été interrompue, renvoyez le fichier : il sera repris (au plus tard à partir du "
        f"{until:%d/%m/%Y à %H:%M} UTC)."
    )
    return Submitted(row["submission_id"], file_name, IN_PROGRESS, duplicate=True, reason=reason,
                     reason_code=IN_PROGRESS)  # fmt: skip


class _Clock:
    """Seconds spent in each step."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = self._started = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the clock started (steps that overlap are counted once)."""
        return time.perf_counter() - self._started

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 3)
        self._last = now
