"""The end-of-season review flow: read, validate, compute, store, report. Wiring only; the work is elsewhere."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.adapters import engine_for
from flows.delivery import deliver_outbox
from flows.events import announce_alerts, announce_scores
from flows.settings import load_settings
from indicators import LEVELS, Review, run_review
from reports.context import committee_context
from reports.message import build_mime
from reports.render import render_committee, safe_csv
from schemas.campaign import campaign_ending_in, season_year
from schemas.reading import read_csv_dir
from validations.contracts import check_table
from warehouse import outbox, store


@task(cache_policy=NO_CACHE)
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
def compute_review(tables: dict[str, pd.DataFrame], season: str, clusters: list[str] | None) -> Review:
    """The review of the season for every cluster at once (pure pandas), one pass per campaign calendar."""
    groups = campaigns_by_cluster(tables["clusters"], season, clusters)
    reviews = [run_review(tables, name, clusters=ids) for name, ids in groups.items()]
    if len(reviews) == 1:
        return reviews[0]
    frames = {
        f.name: pd.concat([getattr(r, f.name) for r in reviews], ignore_index=True)
        for f in fields(Review)
        if f.name not in ("campaign", "grid_hash")
    }
    return Review(campaign=season, grid_hash=reviews[0].grid_hash, **frames)


def campaigns_by_cluster(clusters: pd.DataFrame, season: str, only: list[str] | None) -> dict[str, list[str]]:
    """Each cluster's own campaign ending in the season's year, grouped by campaign name."""
    year = season_year(season)
    chosen = clusters if not only else clusters[clusters["cluster_id"].isin(only)]
    unknown = sorted(set(only or []) - set(chosen["cluster_id"]))
    if unknown:
        raise ValueError(f"unknown cluster(s): {', '.join(unknown)}")
    names = [
        campaign_ending_in(year, start, end)
        for start, end in zip(chosen["campaign_start_md"], chosen["campaign_end_md"], strict=True)
    ]
    groups: dict[str, list[str]] = {}
    for name, cluster_id in zip(names, chosen["cluster_id"], strict=True):
        groups.setdefault(name, []).append(cluster_id)
    return groups


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def store_review(run_id: str, review: Review, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Store registry, scores and alerts; return the alerts raised for the first time."""
    engine = engine_for(load_settings())
    store.save_registry(engine, tables["clusters"], tables.get("actors"))
    store.save_scores(engine, run_id, review.grid_hash, review.indicators, review.axes, review.overall)
    return store.save_alerts(engine, run_id, review.alerts)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def queue_dashboards(run_id: str, review: Review, clusters: pd.DataFrame) -> int:
    """Render each cluster's dashboard and queue one message per committee address; return how many are new."""
    settings = load_settings()
    engine = engine_for(settings)
    queued = 0
    campaign_of = dict(zip(review.overall["cluster_id"], review.overall["campaign"], strict=True))
    reviewed = clusters[clusters["cluster_id"].isin(campaign_of)]
    for cluster in reviewed.to_dict("records"):
        campaign = campaign_of[cluster["cluster_id"]]
        mine = review.indicators[review.indicators["cluster_id"] == cluster["cluster_id"]]
        context = committee_context(
            cluster,
            campaign,
            review.indicators,
            review.axes,
            review.overall,
            review.alerts,
            run_id,
            review.grid_hash,
            LEVELS,
        )
        rendered = render_committee(context, safe_csv(mine.drop(columns=["label_en"], errors="ignore")))
        for recipient in _addresses(cluster["committee_emails"]):
            mime = build_mime(rendered, settings.sender, recipient, {"X-Vigie-Run": run_id})
            queued += outbox.queue_message(
                engine,
                kind="committee_dashboard",
                scope=cluster["cluster_id"],
                campaign=campaign,
                recipient=recipient,
                subject=rendered.subject,
                mime=mime,
                run_id=run_id,
            )
    return queued


@flow(name="season-review")
def season_review(
    data_dir: str, campaign: str | None = None, clusters: list[str] | None = None, deliver: bool = True
) -> dict:
    """Review `campaign` (default: the latest with deliveries) for the clusters in `data_dir`, store and report."""
    logger = get_run_logger()
    settings = load_settings()
    engine = engine_for(settings)
    run_id = str(flow_run.id or uuid.uuid4())
    raw = read_tables(data_dir)
    tables, counts = validate_tables(raw)
    campaign = campaign or latest_season(tables)
    store.start_run(
        engine,
        run_id,
        "season",
        campaign,
        input_fingerprint=fingerprint(data_dir),
        code_version=code_version(),
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )
    try:
        review = compute_review(tables, campaign, clusters)
        new_alerts = store_review(run_id, review, tables)
        queued = queue_dashboards(run_id, review, tables["clusters"])
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
    announce_scores(run_id, campaign, review.overall, review.grid_hash)
    announce_alerts(run_id, new_alerts)
    delivered = deliver_outbox() if deliver else None
    logger.info(
        "season %s: %d clusters, %d rows accepted, %d messages queued",
        campaign,
        len(review.overall),
        rows["accepted"],
        queued,
    )
    return {
        "run_id": run_id,
        "campaign": campaign,
        "cluster_names": dict(zip(tables["clusters"]["cluster_id"], tables["clusters"]["name"], strict=True)),
        "counts": counts,
        "rows": rows,
        "review": review,
        "new_alerts": int(len(new_alerts)),
        "queued": queued,
        "delivered": delivered,
    }


def latest_season(tables: dict[str, pd.DataFrame]) -> str:
    """The year in which the most recent campaign with deliveries ends."""
    deliveries = tables.get("deliveries")
    if deliveries is None or deliveries.empty:
        raise ValueError("no deliveries were accepted: name the campaign to review with --campaign")
    return str(max(season_year(name) for name in deliveries["campaign"].unique()))


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


def _addresses(field: str | None) -> list[str]:
    return [part.strip() for part in str(field or "").replace(",", ";").split(";") if part.strip()]
