"""The officers' part of a review's reports: the digest's facts (built once, for the message and the site), the
digest queued to the officers only, and its page on the site, refreshed after each delivery."""

from __future__ import annotations

import json
from functools import cache

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.adapters import engine_for
from flows.queueing import by_cluster, queue_rendered
from flows.settings import TASK_TIMEOUT_S, Settings
from indicators import LEVELS, Review
from indicators.plan_review import PlanReview
from reports.alert_context import review_lines
from reports.budget import fit
from reports.officer_context import cluster_table, officer_context
from reports.officer_plans import plan_facts, plans_panel
from reports.programme_context import programme_facts, programme_panel
from reports.recipients import officer_addresses
from reports.render import render_officer
from reports.site import cluster_page, officer_files, write_site
from reports.spreadsheet import clusters_csv, with_people
from warehouse import outbox
from warehouse.leftovers import recent
from warehouse.site_store import SiteFiles

OFFICER_SCOPE = "*"
OFFICER_DATA = "officer.json"


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def queue_officer_dashboard(settings: Settings, review: Review, clusters: pd.DataFrame, facts: dict) -> int:
    """Queue the programme-wide view (every cluster, from `facts`: `officer_facts`) to the officers only; count
    new messages."""
    engine = engine_for(settings)
    csv = clusters_csv(with_people(cluster_table(review.overall, review.axes, review.alerts, clusters), review.people))
    rendered = cache(
        lambda: fit(
            lambda rows, attach: render_officer(officer_view(engine, facts, rows), csv if attach else None),
            len(facts["table"]),
        )
    )
    recipients = officer_addresses(settings.officer_emails, clusters["officer_emails"])
    if not recipients:
        get_run_logger().warning("no officer address (VIGIE_OFFICER_EMAILS or the registry): officers' view not sent")
    return sum(
        queue_rendered(
            settings, engine, rendered, ("officer_dashboard", OFFICER_SCOPE, review.campaign, r), facts["run_id"]
        )
        for r in recipients
    )


def officer_site_files(settings: Settings, facts: dict) -> dict[str, bytes]:
    """The officers' page of the site and the facts kept beside it (to refresh the page after a delivery)."""
    page = officer_files(officer_view(engine_for(settings), facts, None, site=True))
    return {OFFICER_DATA: json.dumps(facts, ensure_ascii=False).encode("utf-8"), **page}


def refresh_officer_page(settings: Settings, engine) -> bool:
    """Rewrite the site's officers' page with the outbox as it stands (after a delivery); False without a site."""
    site = SiteFiles(settings.site_store)  # the published site: what another worker's review wrote
    data = site.read(OFFICER_DATA)
    if data is None:
        return False
    facts = json.loads(data.decode("utf-8"))
    write_site(site, officer_files(officer_view(engine, facts, None, site=True)), [])
    return True


def officer_facts(
    run_id: str, review: Review, clusters: pd.DataFrame, counts: dict | None, plan: PlanReview | None = None
) -> dict:
    """What the officers' view is made of, as JSON-ready data (kept beside the site to refresh its page)."""
    table = cluster_table(review.overall, review.axes, review.alerts, clusters)
    names = dict(zip(clusters["cluster_id"], clusters["name"], strict=True))
    indicators, axes = by_cluster(review.indicators), by_cluster(review.axes)
    lines = lambda id_, rows: review_lines(rows.to_dict("records"), indicators(id_), axes(id_), "fr")  # noqa: E731
    return {
        "season": review.campaign,
        "run_id": run_id,
        "grid_hash": review.grid_hash,
        "campaigns": sorted({review.campaign, *review.overall["campaign"].astype(str)}),
        "counts": counts,
        "table": json.loads(table.to_json(orient="records", force_ascii=False)),
        "alerts": [
            {"cluster_id": cluster_id, "name": names.get(cluster_id) or cluster_id,
             "items": [line["text"] for line in lines(cluster_id, rows)]}
            for cluster_id, rows in review.alerts.groupby("cluster_id", sort=True)
        ] if len(review.alerts) else [],
        "plans": plan_facts(plan.counts, plan.follow_up, names) if plan is not None else None,
        "programme": programme_facts(review, names),
    }  # fmt: skip


def officer_view(engine, facts: dict, max_rows: int | None, site: bool = False) -> dict:
    """The officers' view with the season's outbox counts as they stand now (on the site: rows linked)."""
    table = pd.DataFrame(facts["table"])
    delivery = pd.DataFrame(outbox.status_counts(engine, tuple(facts["campaigns"])), columns=["scope", "status", "n"])
    links = {cluster_id: cluster_page(cluster_id) for cluster_id in table["cluster_id"]} if site else None
    context = officer_context(table, facts["season"], facts["run_id"], facts["grid_hash"], LEVELS,
                              counts=facts["counts"], delivery=delivery, max_rows=max_rows, links=links,
                              alerts=facts.get("alerts"), interrupted=recent(engine))  # fmt: skip
    return {
        **context,
        "plans": plans_panel(facts.get("plans"), context["t"]),
        "programme": programme_panel(facts.get("programme"), context["lang"], context["t"]),
    }
