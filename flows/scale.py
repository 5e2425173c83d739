"""The review on Dask: clusters split into groups, each group reviewed as a task, the groups joined into one Review.

Chosen by VIGIE_TASK_RUNNER=dask (VIGIE_DASK_ADDRESS: an existing scheduler; otherwise an in-process cluster of
threads, which needs no Prefect server of its own). A cluster's review depends only on its own rows, so the
joined review equals the one-pass local review row for row (tests/flows/test_dask_review.py checks it).

Reviewing the store, each task reads its own clusters' partitions from the store URL at the table versions the
flow pinned (flows/scale_store.py) and returns only its review: no table passes through the flow process or the
Dask client (tests/integration/test_dask_cluster.py measures what the client sends). Reviewing a folder of CSV
files (`data_dir`), the flow has read them already and sends each group its rows.
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner

from flows.scale_store import group_tables
from flows.settings import Settings
from indicators import Grid, Review
from indicators.alerts import COLUMNS as ALERT_COLUMNS
from indicators.season import campaigns_by_cluster, review_season

ORDER = ["cluster_id", "campaign", "axis", "indicator_id"]  # the local review's row order, where present


def uses_dask(settings: Settings) -> bool:
    """Whether the review should run on Dask (VIGIE_TASK_RUNNER=dask)."""
    return settings.task_runner == "dask"


def dask_runner(settings: Settings) -> TaskRunner:
    """A DaskTaskRunner on VIGIE_DASK_ADDRESS, or on a temporary in-process cluster of threads."""
    from prefect_dask import DaskTaskRunner  # imported only when used: it pulls dask.distributed

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={"processes": False, "dashboard_address": None})


def split_clusters(cluster_ids: list[str], groups: int) -> list[list[str]]:
    """Sorted cluster ids in at most `groups` contiguous, nearly equal, non-empty groups."""
    ordered = sorted(dict.fromkeys(cluster_ids))
    count = max(1, min(groups, len(ordered)))
    size, extra = divmod(len(ordered), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    return [ordered[bounds[i] : bounds[i + 1]] for i in range(count) if bounds[i] < bounds[i + 1]]


def tables_of(tables: dict[str, pd.DataFrame], cluster_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The rows of these clusters only (tables without cluster_id are kept whole), so a worker gets its share."""
    return {
        name: frame[frame["cluster_id"].isin(cluster_ids)].reset_index(drop=True) if "cluster_id" in frame else frame
        for name, frame in tables.items()
    }


@task(cache_policy=NO_CACHE)
def review_group(tables: dict[str, pd.DataFrame], season: str, cluster_ids: list[str], grid: Grid) -> Review:
    """The review of one group of clusters (pure pandas)."""
    return review_season(tables, season, cluster_ids, grid=grid)


@task(cache_policy=NO_CACHE)
def review_stored_group(
    store_url: str, versions: dict[str, int], season: str, cluster_ids: list[str], grid: Grid
) -> Review:
    """The review of one group of clusters, its rows read by the task itself at the pinned table `versions`."""
    return review_season(group_tables(store_url, versions, cluster_ids), season, cluster_ids, grid=grid)


def join_reviews(reviews: list[Review]) -> Review:
    """One Review from the reviews of disjoint groups of clusters, rows in the local review's order."""
    first = reviews[0]
    joined = {}
    for item in fields(Review):
        values = [getattr(review, item.name) for review in reviews]
        if not isinstance(values[0], pd.DataFrame):
            joined[item.name] = values[0]
            continue
        frame = pd.concat(values, ignore_index=True) if len(values) > 1 else values[0]
        keys = ALERT_COLUMNS[:4] if item.name == "alerts" else [c for c in ORDER if c in frame]
        joined[item.name] = frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame
    return Review(**{**joined, "campaign": first.campaign, "grid_hash": first.grid_hash})


def review_on_dask(
    tables: dict[str, pd.DataFrame],
    season: str,
    clusters: list[str] | None,
    grid: Grid,
    settings: Settings,
    read: dict | None = None,
) -> Review:
    """The season's review, one Dask task per group of clusters, joined into one Review. With `read` (the store
    versions the flow pinned, flows/scale_store.py), each task reads its own rows of the store; without it, each
    is sent its rows of `tables`."""
    chosen = [c for ids in campaigns_by_cluster(tables["clusters"], season, clusters).values() for c in ids]
    groups = split_clusters(chosen, settings.dask_groups)
    with dask_runner(settings) as runner:
        futures = [runner.submit(*group_task(tables, season, group, grid, settings, read)) for group in groups]
        reviews = [future.result() for future in futures]
    return join_reviews(reviews)


def group_task(
    tables: dict[str, pd.DataFrame], season: str, group: list[str], grid: Grid, settings: Settings, read: dict | None
) -> tuple:
    """The task and parameters of one group: the store's URL and versions to read from, or the group's rows."""
    if read is None or not read.get("tables"):  # a folder of CSV files, or a store from before Delta Lake
        return review_group, {"tables": tables_of(tables, group), "season": season, "cluster_ids": group, "grid": grid}
    versions = {table: read["tables"][table] for table in tables if table in read["tables"]}
    store = {"store_url": str(settings.store_dir), "versions": versions}
    return review_stored_group, {**store, "season": season, "cluster_ids": group, "grid": grid}
