"""What a run shows in the Prefect UI: a name that says what ran (`season-2025`, `intake-livraisons_zou.csv`,
`deliver-season-2025`), tags to filter by (`season:2025`, `value-chain:ananas`, `table:deliveries`), and the
artifacts of flows/artifacts.py. Names are made by callables Prefect calls as a run starts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import get_client, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run

from flows.artifacts import artifact_key, intake_markdown, review_markdown, review_rows
from flows.settings import TASK_TIMEOUT_S, Settings
from indicators import Review
from reports.i18n import catalogue

TIMEZONE = "Africa/Porto-Novo"
"""The officers' clock, for names made of a date and time (the calendars' timezone)."""


def season_name(season: str | None, clusters: list[str] | None = None) -> str:
    """`season-2025`; `season-latest` before the season is known; one cluster or `N-clusters` when only some."""
    name = f"season-{season or 'latest'}"
    if clusters:
        name += f"-{clusters[0]}" if len(clusters) == 1 else f"-{len(clusters)}-clusters"
    return name


def intake_name(path: str | list[str] | None) -> str:
    """`intake-livraisons_zou.csv` (a folder: its name; several paths: the first and how many more)."""
    paths = [path] if isinstance(path, str) else list(path or [])
    if not paths:
        return "intake"
    first = Path(str(paths[0])).name or str(paths[0])
    return f"intake-{first}" + (f"+{len(paths) - 1}" if len(paths) > 1 else "")


def dated_name(prefix: str, when: datetime, form: str = "%Y-%m-%d-%H%M") -> str:
    """`deliver-2026-12-04-0930`: a run named by when it was due, in the officers' time."""
    return f"{prefix}-{when.astimezone(ZoneInfo(TIMEZONE)):{form}}"


def season_run_name() -> str:
    """The name of a season-review run, from its parameters (renamed once the latest season is known)."""
    parameters = flow_run.parameters or {}
    return season_name(parameters.get("season"), parameters.get("clusters"))


def intake_run_name() -> str:
    """The name of an intake run, from the submitted path."""
    return intake_name((flow_run.parameters or {}).get("path"))


def delivery_run_name() -> str:
    """The name of a delivery run started on its own (a trigger, by hand): `deliver-<date-time>`."""
    return dated_name("deliver", flow_run.scheduled_start_time)


def monitor_run_name() -> str:
    """The name of an in-season monitor run: `monitor-<day>` (the `as_of` day, or when it was due)."""
    as_of = (flow_run.parameters or {}).get("as_of")
    return f"monitor-{as_of}" if as_of else dated_name("monitor", flow_run.scheduled_start_time, "%Y-%m-%d")


def season_tags(season: str, overall: pd.DataFrame, clusters: pd.DataFrame) -> list[str]:
    """`season:<s>`, each reviewed campaign (`campaign:2024-2025`) and each value chain (`value-chain:<v>`)."""
    chains = clusters.loc[clusters["cluster_id"].isin(overall["cluster_id"]), "value_chain"].dropna()
    campaigns = overall["campaign"].astype(str)
    return [f"season:{season}", *(f"campaign:{c}" for c in campaigns), *(f"value-chain:{v}" for v in chains)]


def intake_tags(summaries: list[dict], value_chains: dict[str, str]) -> list[str]:
    """`table:<t>`, `campaign:<c>`, `value-chain:<v>` (of the clusters touched, from `value_chains`) and
    `status:<validated|rejected>` of the files taken in."""
    found = []
    for s in summaries:
        found += [f"table:{t}" for t in s.get("tables") or []] + [f"campaign:{c}" for c in s.get("campaigns") or []]
        found += [f"value-chain:{value_chains[c]}" for c in s.get("clusters") or [] if value_chains.get(c)]
        found.append(f"status:{s['status']}")
    return found


def label_run(name: str | None = None, tags: Iterable[str] = ()) -> None:
    """Rename the current flow run and add `tags` to its own (each once); nothing outside a flow run."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    run = context.flow_run
    merged = list(dict.fromkeys([*run.tags, *tags]))
    try:
        with get_client(sync_client=True) as client:
            if name and name != run.name:
                client.set_flow_run_name(run.id, name)
                run.name = name
            if merged != run.tags:
                client.update_flow_run(run.id, tags=merged)
                run.tags = merged
    except Exception as error:  # a name or tags are for the reader: they never fail the run
        get_run_logger().warning("run not renamed or tagged in the Prefect UI: %s", error)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def show_review(
    review: Review, clusters: pd.DataFrame, new_alerts: int, counts: dict | None, site_url: str | None = None
) -> None:
    """Post a review's summary (markdown) and its scores (table) on the flow run, keyed by season; `site_url`: the
    settings' VIGIE_SITE_URL, for the dashboards' links."""
    t = catalogue("fr")
    create_markdown_artifact(
        markdown=review_markdown(review, clusters, t, new_alerts, counts, site_url),
        key=artifact_key("season", review.campaign),
        description=t["artifact_review_description"].format(season=review.campaign),
    )
    create_table_artifact(
        table=review_rows(review, clusters, t, site_url),
        key=artifact_key("season", review.campaign, "scores"),
        description=t["artifact_scores_description"].format(season=review.campaign),
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def show_intake(settings: Settings, summary: dict) -> None:
    """Post one submitted file's validation summary (markdown) on the flow run, keyed by file name."""
    t = catalogue("fr")
    create_markdown_artifact(
        markdown=intake_markdown(summary, t, settings.site_link(summary.get("data_docs"))),
        key=artifact_key("intake", summary["file"]),
        description=t["artifact_intake_description"].format(file=summary["file"]),
    )


def cluster_value_chains(store_dir: Path) -> dict[str, str]:
    """Cluster id -> value chain, from the clusters intake has stored (empty before any, or when unreadable: it
    only tags runs, and runs where a failure may already be on its way)."""
    from warehouse.parquet_store import read_rows

    try:
        registry = read_rows(store_dir, "clusters", ["cluster_id", "value_chain"])
    except (OSError, ValueError, KeyError) as error:
        get_run_logger().warning("value chains not read for the run's tags: %s", error)
        return {}
    if registry is None:
        return {}
    return dict(zip(*(registry.column(c).to_pylist() for c in ("cluster_id", "value_chain")), strict=True))
