"""Where a submission's rows go: accepted rows to the Parquet store (clusters and actors also to the warehouse
registry), refused rows to the quarantine, Great Expectations on what was accepted; and what the season review
reads back."""

from __future__ import annotations

import hashlib
import json
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine

from flows.settings import Settings
from indicators import REVIEW_COLUMNS
from schemas.readers.submissions import ID_COLUMNS, stable_ids
from schemas.readers.unused import unused_columns
from schemas.tables import TABLE_KEYS
from validations.columns import file_columns
from validations.keys import key_text
from validations.pipeline import PartOutcome
from validations.references import ACTOR_COLUMNS, CLUSTER_COLUMNS, References
from warehouse import ledger, parquet_store, store, store_retry, store_write
from warehouse.site_store import publish_folder
from warehouse.snapshots import read_snapshot
from warehouse.store_log import Manifest
from warehouse.store_url import Location

REFERENCE_COLUMNS = {"clusters": CLUSTER_COLUMNS, "actors": ACTOR_COLUMNS}


def references(root: Path) -> References:
    """The clusters and actors already stored (the rows a submission is checked against), from their snapshots
    (warehouse/snapshots.py: one Arrow file each while their partition files are unchanged)."""
    refs = References.empty()
    clusters = read_snapshot(root, "clusters", REFERENCE_COLUMNS["clusters"])
    actors = read_snapshot(root, "actors", REFERENCE_COLUMNS["actors"])
    if clusters is not None:
        refs = refs.with_rows("clusters", clusters.to_pandas())
    if actors is not None:
        refs = refs.with_rows("actors", actors.to_pandas())
    return refs


def store_outcomes(outcomes: list[PartOutcome], settings: Settings, engine: Engine, submitted, clock) -> None:
    """Accepted rows of every table to the Parquet store in one transaction (a reader sees all of them or none);
    clusters and actors also to the warehouse registry. The refused rows go to the quarantine with the ledger's
    last record (`record_quarantine`), in one database transaction."""
    clusters, campaigns, written = store_retry.retried(lambda: _stored(outcomes, settings, submitted.submission_id))
    for table in set(written) & set(REFERENCE_COLUMNS):  # the snapshot is renewed now, not by the next submission
        read_snapshot(settings.store_dir, table, REFERENCE_COLUMNS[table])
    clock.lap("store")
    _registry(outcomes, settings, engine)
    submitted.clusters, submitted.campaigns = sorted(clusters), sorted(campaigns)
    submitted.unused_columns, submitted.column_warnings = file_columns(outcomes)
    for outcome in outcomes:
        _count(outcome, submitted)
    clock.lap("ledger")


def _stored(outcomes: list[PartOutcome], settings: Settings, submission_id: str) -> tuple[set, set, list[str]]:
    """One store transaction of a submission's accepted rows; the clusters, campaigns and tables it wrote. Run again
    whole (from the store as it then is) when another writer recorded first (warehouse/store_retry.py)."""
    clusters, campaigns, written = set(), set(), []
    with store_write.transaction(settings.store_dir, submission_id) as writing:
        for outcome in outcomes:
            writing.delete_rows(outcome.table, rejected_ids(outcome))  # rejected after a first pull: out
            if not (outcome.accepted and outcome.accepted[0].num_rows):
                continue
            rows = outcome.accepted[0]
            one = pa.array([submission_id], pa.string())  # one value for every row: a dictionary
            rows = rows.append_column(
                "_submission_id", pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows.num_rows, np.int32)), one)
            )
            writing.write_rows(outcome.table, rows)
            written.append(outcome.table)
            clusters |= set(rows.column("cluster_id").unique().to_pylist())
            if "campaign" in rows.column_names:
                campaigns |= set(rows.column("campaign").unique().to_pylist())
    return clusters, campaigns, written


def rejected_ids(outcome: PartOutcome) -> list[str]:
    """The stable submission ids of the rows a supervisor rejected (from their cells as sent)."""
    rejected = [row["cells"] for row in outcome.quarantined if any(
        problem["code"] == "supervisor_rejected" for problem in row["problems"])]  # fmt: skip
    if not rejected:
        return []
    meta = {name.lower(): name for name in rejected[0] if name.lower() in ID_COLUMNS}
    ids = stable_ids(
        {low: pa.array([cells.get(name) for cells in rejected], pa.string()) for low, name in meta.items()}
    )
    return [] if ids is None else [i for i in ids.to_pylist() if i]


def record_quarantine(connection: Connection, outcomes: list[PartOutcome], submission_id: str) -> None:
    """The refused rows of a stored submission, and the earlier quarantined rows its accepted rows resolve."""
    for outcome in outcomes:
        if outcome.accepted and outcome.accepted[0].num_rows:
            keys = partial(_keys, outcome.accepted[0], outcome.table)  # built only when rows of the table wait
            ledger.resolve_quarantine(connection, outcome.table, keys, submission_id)
        ledger.save_quarantine(connection, submission_id, outcome.table, outcome.name, outcome.quarantined)


def _count(outcome: PartOutcome, submitted) -> None:
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
            "unused_columns": unused_columns(outcome.mapping) if outcome.mapping else [],
        }
    )


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


def expect(outcomes: list[PartOutcome], settings: Settings, submitted) -> float:
    """Great Expectations suites on the accepted rows, Data Docs built on disk; return the seconds it took. Reads
    the accepted rows only, so it may run beside `store_outcomes`."""
    from validations.expectations import run_suites

    started, built_after = time.perf_counter(), time.time_ns() - 2_000_000_000  # file times are coarse
    frames = {o.table: o.accepted[0] for o in outcomes if o.accepted and o.accepted[0].num_rows}
    results, docs = run_suites(frames, settings.data_docs_dir, submitted.submission_id)
    publish_folder(settings.data_docs_dir, settings.site_store, "validation", built_after)  # to the shared site
    submitted.expectations, submitted.data_docs = results, docs
    return round(time.perf_counter() - started, 3)


def review_tables(root: Location, manifest: Manifest | None = None) -> dict[str, pd.DataFrame]:
    """The stored tables as the season review reads them (as of `manifest`, the last store version by default):
    of the deliveries, only the columns it uses."""
    return parquet_store.read_tables(root, columns=REVIEW_COLUMNS, manifest=manifest)


def stored_inputs(
    settings: Settings, engine: Engine, manifest: Manifest | None = None
) -> tuple[dict, dict[str, dict[str, int]], str]:
    """What the season review reads from the store (as of `manifest`, the last store version by default): typed
    tables, per-table counts (stored rows as accepted, rows still in quarantine as rejected) and a fingerprint of
    the submissions they came from (for a past store version: of the table versions it is made of)."""
    tables = review_tables(settings.store_dir, manifest)
    if "clusters" not in tables:
        raise FileNotFoundError(f"{settings.store_dir}: no clusters stored yet; submit the files with `vigie submit`")
    counts = table_counts(engine, {table: len(frame) for table, frame in tables.items()})
    return tables, counts, inputs_fingerprint(engine, manifest)


def table_counts(engine: Engine, stored: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per table: its stored rows (`stored`) as accepted, its rows still in quarantine as rejected, both as read."""
    waiting = {t: int(n) for t, n in ledger.quarantined(engine)["table_name"].value_counts().items()}
    return {
        table: {"read": rows + waiting.get(table, 0), "accepted": rows, "rejected": waiting.get(table, 0)}
        for table, rows in stored.items()
    }


def inputs_fingerprint(engine: Engine, manifest: Manifest | None = None) -> str:
    """A hash of the validated submissions behind the store (for a past store version `manifest`: of the table
    versions it is made of)."""
    if manifest is not None:
        return hashlib.sha256(json.dumps(manifest.versions, sort_keys=True).encode()).hexdigest()
    done = ledger.submissions(engine)
    digest = hashlib.sha256()
    if len(done):
        validated = done[done["status"] == "validated"]
        for submission_id, content in sorted(zip(validated["submission_id"], validated["file_hash"], strict=True)):
            digest.update(f"{submission_id}:{content}\n".encode())
    return digest.hexdigest()
