"""The end-of-season review flow: read, validate, compute, store, report. Wiring only; the work is elsewhere."""

from __future__ import annotations

import hashlib
import json
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.utilities.annotations import quote

from flows import progress
from flows.adapters import engine_for
from flows.delivery import deliver_outbox
from flows.events import announce_alerts, announce_scores
from flows.grids import grid_in_force
from flows.handoff import hand_over
from flows.intake import read_store
from flows.reporting import queue_reports
from flows.scale import review_on_dask, uses_dask
from flows.scale_store import read_store_lean
from flows.settings import FLOW_TIMEOUT_S, TASK_TIMEOUT_S, Settings, load_settings
from flows.ui import label_run, season_name, season_run_name, season_tags, show_review
from indicators import Review
from indicators.season import NoSeasonData, latest_season, review_season, season_clusters
from schemas.reading import read_csv_dir
from validations.contracts import check_table
from warehouse import store
from warehouse.leftovers import mark_interrupted


@task(cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_S)
def read_tables(data_dir: str) -> dict[str, pd.DataFrame]:
    """Every input table found in `data_dir`, as sent (text)."""
    tables = read_csv_dir(data_dir)
    if "clusters" not in tables:
        raise FileNotFoundError(f"{data_dir}: no clusters.csv, the registry every review starts from")
    return tables


@task(cache_policy=NO_CACHE)
def validate_tables(raw: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]]]:
    """Check each table against its contract; keep the accepted rows, count the refused ones."""
    accepted, counts = {}, {}
    for table, frame in raw.items():
        checked = check_table(table, frame)
        accepted[table] = checked.accepted
        counts[table] = {
            "read": checked.rows_read,
            "accepted": len(checked.accepted),
            "rejected": len(checked.rejected),
        }
    return accepted, counts


@task(cache_policy=NO_CACHE)
def compute_review(
    tables: dict[str, pd.DataFrame], season: str, clusters: list[str] | None, settings: Settings
) -> Review:
    """The review of the season for every cluster at once (pure pandas), under the grid in force (the settings'
    VIGIE_GRID_DIR)."""
    return review_season(tables, season, clusters, grid=grid_in_force(settings))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def store_review(
    settings: Settings, run_id: str, review: Review, clusters: pd.DataFrame, actors: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Store the registry (the clusters; the actors when given), scores and alerts; return the alerts raised for
    the first time. A review of the store passes no actors: intake already keeps them in the warehouse, and
    rewriting 100 000 actors took 14 to 32 s of a national season."""
    engine = engine_for(settings)
    store.save_registry(engine, clusters, actors)
    store.save_scores(engine, run_id, review.grid_hash, review.indicators, review.axes, review.overall)
    return store.save_alerts(engine, run_id, review.alerts)


@flow(name="season-review", flow_run_name=season_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def season_review(
    data_dir: str | None = None,
    season: str | None = None,
    clusters: list[str] | None = None,
    deliver: bool = True,
    as_of: str | None = None,
) -> dict:
    """Review a season for every cluster with data, store the scores and alerts, queue the reports.

    Args:
        data_dir: A folder of CSV tables to review instead of what intake has stored (leave empty: the stored data).
        season: The season to review, named by the year its campaigns end, e.g. 2025: each cluster is reviewed on
            its own campaign ending that year (leave empty: the latest season with deliveries).
        clusters: Only these clusters, by id, e.g. CL-ANA-ZEE-01 (leave empty: every cluster).
        deliver: Send the queued emails at the end of the review (untick to only queue them): through the
            deliver-outbox deployment when the Prefect server has it, else from this run (flows/handoff.py).
        as_of: Review the store as it was at this store version (a number, as `vigie store history` shows) or
            this time (ISO, e.g. 2026-12-03T14:00Z); leave empty for the store as it is.
    """
    logger = get_run_logger()
    settings = load_settings()
    engine = engine_for(settings)
    run_id = str(flow_run.id or uuid.uuid4())
    swept = mark_interrupted(engine, settings.stale_after_s)
    if swept:
        logger.warning("%s", swept)
    read = None
    if data_dir is None:
        lean = uses_dask(settings)  # on Dask the tasks read the rows: the flow reads the small tables alone
        tables, counts, inputs, read = (read_store_lean if lean else read_store)(settings, as_of)
    else:
        tables, counts = validate_tables(quote(read_tables(data_dir)))
        inputs = fingerprint(data_dir)
    progress.report(f"{sum(c['read'] for c in counts.values()):,} rows read")
    requested, season = clusters, season or latest_season(tables)
    label_run(season_name(season, requested), [f"season:{season}"])
    try:
        clusters, left_out = season_clusters(tables, season, clusters)
    except NoSeasonData as error:  # a plain refusal, not a crash: failed run, no traceback in the logs
        logger.error("%s", error)
        return Failed(message=str(error), data=error)
    for cluster_id, own in left_out.items():
        logger.warning("%s: no data for campaign %s, left out of the review (nothing sent)", cluster_id, own)
    store.start_run(
        engine,
        run_id,
        "season",
        season,
        input_fingerprint=inputs,
        store_versions=json.dumps(read, sort_keys=True) if read else None,
        code_version=code_version(),
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )
    try:
        review = (
            review_on_dask(tables, season, clusters, grid_in_force(settings), settings, read)
            if uses_dask(settings)
            else compute_review(quote(tables), season, clusters, settings)
        )
        label_run(tags=season_tags(season, review.overall, tables["clusters"]))
        progress.report(f"{len(review.overall)} clusters scored; storing and writing the reports")
        actors = tables.get("actors") if data_dir is not None else None  # intake stored the store's own
        new_alerts = store_review(settings, run_id, quote(review), quote(tables["clusters"]), quote(actors))
        queued = queue_reports(settings, run_id, review, tables["clusters"], tables=tables, counts=counts)
    except Exception as error:
        store.finish_run(engine, run_id, status="failed", error=f"{type(error).__name__}: {error}"[:2000])
        raise
    rows = {k: sum(c[k] for c in counts.values()) for k in ("read", "accepted", "rejected")}
    store.finish_run(
        engine,
        run_id,
        grid_hash=review.grid_hash,
        clusters_count=int(len(review.overall)),
        rows_read=rows["read"],
        rows_accepted=rows["accepted"],
        rows_rejected=rows["rejected"],
    )
    announce_scores(run_id, season, review.overall, review.grid_hash)
    announce_alerts(run_id, new_alerts)
    show_review(
        quote(review), quote(tables["clusters"]), int(len(new_alerts)), counts, settings.site_url, return_state=True
    )  # never fails a run
    name = season_name(season, requested)
    here = lambda: deliver_after(name)  # noqa: E731  (a delivery from this run is named after the review)
    delivery, delivered = hand_over("season-review", run_id, queued, here) if deliver else ("off", None)
    logger.info(
        "season %s: %d clusters, %d rows accepted, %d messages queued",
        season,
        len(review.overall),
        rows["accepted"],
        queued,
    )
    return {
        "run_id": run_id,
        "season": season,
        "cluster_names": dict(zip(tables["clusters"]["cluster_id"], tables["clusters"]["name"], strict=True)),
        "counts": counts,
        "rows": rows,
        "review": review,
        "left_out": left_out,
        "new_alerts": int(len(new_alerts)),
        "queued": queued,
        "delivery": delivery,  # "here" (counts in `delivered`), "deployment" (deliver-outbox does it) or "off"
        "delivered": delivered,
    }


def deliver_after(review_name: str) -> dict[str, int]:
    """Run the delivery as a subflow named after the review (`deliver-season-2025`), with the review's tags."""
    with tags(*(flow_run.tags or [])):
        return deliver_outbox.with_options(flow_run_name=f"deliver-{review_name}")()


def fingerprint(data_dir: str) -> str:
    """A hash of the input files (names and bytes), so a stored result says exactly what it was computed from."""
    digest = hashlib.sha256()
    for path in sorted(Path(data_dir).glob("*.csv")):
        digest.update(path.name.encode())
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    """The installed Vigie version."""
    try:
        return version("vigie")
    except PackageNotFoundError:
        return "unknown"
