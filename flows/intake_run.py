"""One submission, start to end, without Prefect: read, validate, store or quarantine, record in the ledger.

The intake flow (flows/intake.py) wraps `ingest_file` in a task; the benchmark calls it directly. Nothing is
stored before every table of the file has been read and checked, so a file refused halfway changes nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
import threading
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine

from flows.settings import Settings
from schemas.readers.refusal import ReadRefused
from schemas.readers.source import open_source
from schemas.tables import TABLE_KEYS
from validations.keys import key_text
from validations.pipeline import PartOutcome, PartValidator
from validations.references import ACTOR_COLUMNS, CLUSTER_COLUMNS, References
from warehouse import ledger, parquet_store, store


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
    examples: dict[str, list[dict]] = field(default_factory=dict)
    expectations: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_docs: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return asdict(self)


def file_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes: the same file sent twice is recognised by it."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def references(root: Path) -> References:
    """The clusters and actors already stored (the rows a submission is checked against)."""
    refs = References.empty()
    clusters = parquet_store.read_rows(root, "clusters", CLUSTER_COLUMNS)
    actors = parquet_store.read_rows(root, "actors", ACTOR_COLUMNS)
    if clusters is not None:
        refs = refs.with_rows("clusters", clusters.to_pandas())
    if actors is not None:
        refs = refs.with_rows("actors", actors.to_pandas())
    return refs


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
        _warm_up_expectations()
    submitted = Submitted(str(uuid.uuid4()), path.name, "received")
    gate = _Gate(path, table or "", engine, submitted.submission_id, flow_run_id)
    try:
        gate.check(wait=path.stat().st_size < (64 << 20))
        try:
            outcomes = _validate(path, table, settings, today or date.today(), submitted, clock, gate)
            gate.check(wait=True)
            clock.lap("read_validate")
            _store(outcomes, settings, engine, submitted, clock)
            if expectations:
                _expect(outcomes, settings, submitted, clock)
            submitted.status = "validated"
        except ReadRefused as refusal:
            gate.check(wait=True)
            submitted.status, submitted.reason, submitted.reason_code = "rejected", str(refusal), refusal.code
            submitted.problems = {refusal.code: 1}
            submitted.examples = {refusal.code: [{"detail": refusal.details}]}
    except _AlreadyProcessed as done:
        return _from_ledger(done.previous)
    except Exception as error:
        submitted.status, submitted.reason = "failed", f"{type(error).__name__}: {error}"
        if gate.recorded:
            ledger.finish_submission(
                engine, submitted.submission_id, status="failed", reason=traceback.format_exc()[-4000:]
            )
        raise
    submitted.timings = {"hash": gate.seconds, **clock.laps}
    _record(engine, submitted)
    return submitted


class _AlreadyProcessed(Exception):
    """The same bytes were already taken in (with the same --table)."""

    def __init__(self, previous: dict) -> None:
        super().__init__(previous["submission_id"])
        self.previous = previous


class _Gate:
    """Hashes the file in a background thread; once the hash is known, refuses a file already processed or
    records the submission in the ledger."""

    def __init__(self, path: Path, table_hint: str, engine: Engine, submission_id: str, flow_run_id: str | None):
        self.path, self.table_hint, self.engine = path, table_hint, engine
        self.submission_id, self.flow_run_id = submission_id, flow_run_id
        self.recorded = False
        self.seconds = 0.0
        self._result: dict = {}
        self._thread = threading.Thread(target=self._hash, name="intake-hash", daemon=True)
        self._thread.start()

    def _hash(self) -> None:
        started = time.perf_counter()
        try:
            self._result["digest"] = file_hash(self.path)
        except BaseException as error:  # raised in the caller's thread by check()
            self._result["error"] = error
        self.seconds = round(time.perf_counter() - started, 3)

    def check(self, wait: bool = False) -> None:
        """Once the hash is known (waiting for it with `wait`): stop a repeat, or record the submission."""
        if self.recorded or (not wait and self._thread.is_alive()):
            return
        self._thread.join()
        if "error" in self._result:
            raise self._result["error"]
        digest = self._result["digest"]
        previous = ledger.find_processed(self.engine, digest, self.table_hint)
        if previous is not None:
            raise _AlreadyProcessed(previous)
        ledger.start_submission(
            self.engine,
            submission_id=self.submission_id,
            file_name=self.path.name[:300],
            file_path=str(self.path),
            file_hash=digest,
            file_size=self.path.stat().st_size,
            table_hint=self.table_hint,
            flow_run_id=self.flow_run_id,
        )
        self.recorded = True


def _warm_up_expectations() -> None:
    """Import Great Expectations in the background (it takes seconds) while the file is read."""
    if "great_expectations" not in sys.modules:
        threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True).start()


def _validate(path: Path, table, settings, today, submitted, clock, gate: _Gate) -> list[PartOutcome]:
    source = open_source(path, table)
    submitted.kind, submitted.notes = source.kind, list(source.notes)
    submitted.tables = [part.table for part in source.parts]
    refs = references(settings.store_dir)
    outcomes = []
    for part in source.parts:
        validator = PartValidator(part, refs, today)
        for chunk in part.read():
            validator.feed(chunk)
            gate.check()
        clock.lap("read_validate")
        outcome = validator.finish(_history(settings.store_dir, part.table, validator))
        clock.lap("outliers")
        if outcome.accepted and part.table in ("clusters", "actors"):
            refs = refs.with_rows(part.table, outcome.accepted[0].to_pandas())
        outcomes.append(outcome)
    if not sum(outcome.rows_read for outcome in outcomes):
        raise ReadRefused("no_rows")
    return outcomes


def _history(root: Path, table: str, validator: PartValidator):
    """Rows already stored in the partitions the new rows fall in (the outlier rule judges them together), less
    the rows the new ones replace."""
    rule = validator.rules.outliers.get(table)
    accepted = validator.outcome.accepted
    if rule is None or not accepted:
        return None
    rows = pa.concat_tables(accepted)
    columns = parquet_store.partition_columns(table)
    unique = rows.group_by(columns).aggregate([])
    pairs = set(zip(*(unique.column(c).to_pylist() for c in columns), strict=True))
    keys = list(TABLE_KEYS[table])
    wanted = list(dict.fromkeys([*keys, *(c for c in rule.group_by if c != "supplier_link"), *rule.columns]))
    if "supplier_link" in rule.group_by:
        wanted.append("supplier_actor_id")
    stored = parquet_store.read_rows(root, table, wanted, partitions=pairs)
    if stored is None:
        return None
    frame = stored.to_pandas()
    replaced = (
        frame[keys]
        .astype("str")
        .agg("|".join, axis=1)
        .isin(rows.select(keys).to_pandas().astype("str").agg("|".join, axis=1))
    )
    return frame[~replaced.to_numpy()]


def _store(outcomes: list[PartOutcome], settings: Settings, engine: Engine, submitted: Submitted, clock) -> None:
    """Accepted rows to the Parquet store (clusters and actors also to the warehouse), refused rows to quarantine."""
    clusters, campaigns = set(), set()
    for outcome in outcomes:
        if outcome.accepted and outcome.accepted[0].num_rows:
            rows = outcome.accepted[0]
            rows = rows.append_column(
                "_submission_id", pa.array([submitted.submission_id] * rows.num_rows, pa.string())
            )
            parquet_store.write_rows(settings.store_dir, outcome.table, rows)
            clusters |= set(rows.column("cluster_id").unique().to_pylist())
            if "campaign" in rows.column_names:
                campaigns |= set(rows.column("campaign").unique().to_pylist())
            keys = _keys(rows, outcome.table)
            ledger.resolve_quarantine(engine, outcome.table, keys, submitted.submission_id)
        ledger.save_quarantine(engine, submitted.submission_id, outcome.table, outcome.name, outcome.quarantined)
    clock.lap("store")
    _registry(outcomes, settings, engine)
    submitted.clusters, submitted.campaigns = sorted(clusters), sorted(campaigns)
    for outcome in outcomes:
        submitted.rows_read += outcome.rows_read
        submitted.rows_accepted += outcome.rows_accepted
        submitted.rows_quarantined += outcome.rows_quarantined
        submitted.rows_warned += outcome.rows_warned
        for code, count in outcome.counts.items():
            submitted.problems[code] = submitted.problems.get(code, 0) + count
        for code, examples in outcome.examples.items():
            kept = submitted.examples.setdefault(code, [])
            kept.extend({"table": outcome.table, **e} for e in examples[: 3 - len(kept)])
        submitted.parts.append(
            {
                "table": outcome.table,
                "name": outcome.name,
                "rows_read": outcome.rows_read,
                "rows_accepted": outcome.rows_accepted,
                "rows_quarantined": outcome.rows_quarantined,
                "rows_warned": outcome.rows_warned,
            }
        )
    clock.lap("ledger")


def _keys(rows: pa.Table, table: str):
    return key_text(rows.select(list(TABLE_KEYS[table])).to_pandas(), TABLE_KEYS[table]).dropna()


def _registry(outcomes: list[PartOutcome], settings: Settings, engine: Engine) -> None:
    """Clusters and actors also go to the warehouse registry (the reports and the season review read it)."""
    tables = {o.table for o in outcomes if o.rows_accepted}
    if not tables & {"clusters", "actors"}:
        return
    stored = parquet_store.read_tables(settings.store_dir, ["clusters", "actors"])
    if "clusters" in stored:
        store.save_registry(engine, stored["clusters"], stored.get("actors") if "actors" in tables else None)


def _expect(outcomes: list[PartOutcome], settings: Settings, submitted: Submitted, clock) -> None:
    """Great Expectations suites on the accepted rows, Data Docs built on disk."""
    from validations.expectations import run_suites

    frames = {o.table: o.accepted[0] for o in outcomes if o.accepted and o.accepted[0].num_rows}
    results, docs = run_suites(frames, settings.data_docs_dir, submitted.submission_id)
    submitted.expectations, submitted.data_docs = results, docs
    clock.lap("expectations")


def _record(engine: Engine, submitted: Submitted) -> None:
    ledger.finish_submission(
        engine,
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
        timings=submitted.timings,
        duration_s=round(sum(submitted.timings.values()), 3),
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
    )


class _Clock:
    """Seconds spent in each step."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 3)
        self._last = now


def stored_inputs(settings: Settings, engine: Engine) -> tuple[dict, dict[str, dict[str, int]], str]:
    """What the season review reads from the store: typed tables, per-table counts (stored rows as accepted,
    rows still in quarantine as rejected) and a fingerprint of the submissions they came from."""
    tables = parquet_store.read_tables(settings.store_dir)
    if "clusters" not in tables:
        raise FileNotFoundError(f"{settings.store_dir}: no clusters stored yet; submit the files with `vigie submit`")
    waiting = {t: int(n) for t, n in ledger.quarantined(engine)["table_name"].value_counts().items()}
    counts = {
        table: {"read": len(frame) + waiting.get(table, 0), "accepted": len(frame), "rejected": waiting.get(table, 0)}
        for table, frame in tables.items()
    }
    done = ledger.submissions(engine)
    digest = hashlib.sha256()
    if len(done):
        validated = done[done["status"] == "validated"]
        for submission_id, content in sorted(zip(validated["submission_id"], validated["file_hash"], strict=True)):
            digest.update(f"{submission_id}:{content}\n".encode())
    return tables, counts, digest.hexdigest()
