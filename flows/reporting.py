"""Reporting: render what each audience receives from a review, queue it in the outbox (never twice), write the site.

Outbox keys (kind, scope, campaign, recipient): `committee_dashboard` per cluster, the review's alerts at its top;
`officer_dashboard` with scope `*`, the officers' digest of the review (every cluster and its alerts). A review's
alerts are stored one by one (warehouse alerts table) but sent in these two messages only, never on their own.
"""

from __future__ import annotations

from functools import cache, partial

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows import progress
from flows.adapters import engine_for
from flows.officer_reporting import officer_facts, officer_site_files, queue_officer_dashboard
from flows.printing import committee_message, dashboard_charts, pdf_link, printable_reviews
from flows.queueing import built_copies, by_cluster, queue_rendered
from flows.settings import TASK_TIMEOUT_S, Settings
from indicators import LEVELS, Review
from indicators.plan_review import PlanReview, review_plan
from reports.charts import Chart
from reports.context import committee_context
from reports.context_panels import rows_by_cluster
from reports.programme_context import programme_medians
from reports.recipients import addresses
from reports.render import committee_charts
from reports.site import committee_files, write_site
from warehouse import outbox
from warehouse.site_store import SiteFiles

__all__ = ["queue_rendered", "queue_reports"]  # queue_rendered: the other flows queue their messages with it


def queue_reports(
    settings: Settings,
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    tables: dict[str, pd.DataFrame] | None = None,
    counts: dict[str, dict[str, int]] | None = None,
) -> int:
    """Queue every message a review produces (one dashboard per committee address, the officers' digest), write
    the site, then print the reviews (PDF) onto it, before anyone asks for delivery; count the new messages. The
    tasks' big parameters are quoted: Prefect would walk each of their two million objects looking for futures
    (26 s of a national season)."""
    reviewed = clusters[clusters["cluster_id"].isin(review.overall["cluster_id"])]
    plan = review_plan(review, (tables or {}).get("action_plan"), reviewed)
    medians = programme_medians(review.indicators) if settings.show_programme_median else None
    contexts = committee_contexts(run_id, review, reviewed, rows_by_cluster(tables, review.overall), plan, medians)
    charts = dashboard_charts(quote(contexts))  # drawn once, for the message, the site and the PDF
    queued = queue_committee_dashboards(settings, run_id, quote(review), quote(reviewed), quote(contexts),
                                        quote(charts))  # fmt: skip
    facts = officer_facts(run_id, review, reviewed, counts, plan)  # once, for the digest and the site
    queued += queue_officer_dashboard(settings, quote(review), quote(reviewed), quote(facts))
    publish_site(settings, quote(contexts), quote(facts), quote(charts))
    printable_reviews(settings, quote(contexts), quote(charts))  # last (0.3 to 1.4 s a cluster): onto the site, linked
    return queued


def committee_contexts(
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    rows: dict[str, dict[str, int]] | None,
    plan: PlanReview | None = None,
    medians: dict[str, float] | None = None,
) -> dict[str, dict]:
    """Cluster id -> the context of its dashboard (the same for the email and the site); `plan`: priorities,
    targets and the follow-up of the action plan; `medians`: the programme's median per indicator, shown to
    committees without names (VIGIE_SHOW_PROGRAMME_MEDIAN)."""
    campaign_of = dict(zip(review.overall["cluster_id"], review.overall["campaign"], strict=True))
    directions, _ = band_facts(review)
    frames = {name: by_cluster(getattr(review, name)) for name in REVIEW_FRAMES}
    actions = {name: by_cluster(frame) for name, frame in plan.frames().items()} if plan else {}
    actions["bands"] = by_cluster(review.bands)
    contexts = {}
    for cluster in clusters.to_dict("records"):
        own = {name: frames[name](cluster["cluster_id"]) for name in REVIEW_FRAMES}
        mine = {name: split(cluster["cluster_id"]) for name, split in actions.items()}
        contexts[cluster["cluster_id"]] = committee_context(
            cluster, campaign_of[cluster["cluster_id"]], own["indicators"], own["axes"], own["overall"],
            own["alerts"], run_id, review.grid_hash, LEVELS, trend=own["trend"], history=own["history"],
            qqrp=own["qqrp"], prices=own["prices"], rows=None if rows is None else rows.get(cluster["cluster_id"], {}),
            directions=directions.get(cluster["cluster_id"]), plan=mine, people=own["people"],
            accounts=own["accounts"], programme_medians=medians, qqrp_trend=own["qqrp_trend"],
        )  # fmt: skip
    return contexts


REVIEW_FRAMES = (
    "indicators", "axes", "overall", "alerts", "trend", "history", "qqrp", "prices", "qqrp_trend", "people", "accounts"
)  # fmt: skip


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def queue_committee_dashboards(
    settings: Settings,
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    contexts: dict[str, dict],
    charts: dict[str, tuple[Chart, ...]] | None = None,
) -> int:
    """Queue each cluster's dashboard once per address of its registry entry (with its charts, drawn once per
    cluster for the message and the site, and the link to its printable review on the site); return how many
    are new."""
    engine = engine_for(settings)
    messages, indicators, accounts = [], by_cluster(review.indicators), by_cluster(review.accounts)
    for done, cluster in enumerate(clusters.to_dict("records"), start=1):
        progress.report(f"dashboards: {done}/{len(clusters)} clusters")
        context = contexts[cluster["cluster_id"]]
        mine = indicators(cluster["cluster_id"])
        drawn = committee_charts(context) if charts is None else charts.get(cluster["cluster_id"], ())
        link = pdf_link(settings, context)
        links = accounts(cluster["cluster_id"])
        message = partial(committee_message, context, mine, drawn, settings.pdf_reports, link, links)
        rendered = cache(message)  # once, when asked for
        keys = [("committee_dashboard", cluster["cluster_id"], context["campaign"], recipient)
                for recipient in addresses(cluster["committee_emails"])]  # fmt: skip
        messages += built_copies(settings, rendered, keys, run_id)  # built once, one copy per address
    with engine.begin() as connection:  # one transaction once all are built: the database is not held meanwhile
        return sum(outbox.queue_message(connection, **message) for message in messages)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def publish_site(
    settings: Settings,
    contexts: dict[str, dict],
    facts: dict,
    charts: dict[str, tuple[Chart, ...]] | None = None,
) -> str:
    """Publish the static site (VIGIE_SITE_STORE_URL, default VIGIE_HOME/site): each cluster's page and charts
    (linking its printable review, printed onto the site next), the officers' page (from `facts`,
    flows/officer_reporting.py `officer_facts`), the index."""
    files, entries = {}, []
    for cluster_id, context in contexts.items():
        drawn = None if charts is None else charts.get(cluster_id)
        pages, entry = committee_files(context, drawn, pdf_later=settings.pdf_reports)
        files.update(pages)
        entries.append(entry)
    files.update(officer_site_files(settings, facts))
    return str(write_site(SiteFiles(settings.site_store), files, entries))


def band_facts(review: Review) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Per cluster, how each indicator's bands read (`higher`/`lower`, as the review scored it); per indicator,
    its table. Both come from the review: the grid is never read again to word it."""
    bands = review.bands
    directions = {
        cluster_id: dict(zip(rows["indicator_id"], rows["direction"], strict=True))
        for cluster_id, rows in bands.groupby("cluster_id", sort=False)
    }
    return directions, dict(zip(bands["indicator_id"], bands["source_table"], strict=False))
