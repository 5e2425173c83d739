"""Reporting: render what each audience receives from a review, queue it in the outbox (never twice), write the site.

Outbox keys (kind, scope, campaign, recipient): `committee_dashboard` per cluster, the review's alerts at its top;
`officer_dashboard` with scope `*`, the officers' digest of the review (every cluster and its alerts). A review's
alerts are stored one by one (warehouse alerts table) but sent in these two messages only, never on their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache, partial

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import progress
from flows.adapters import engine_for
from flows.printing import committee_message, dashboard_charts, pdf_link, printable_reviews
from flows.settings import TASK_TIMEOUT_S, Settings, load_settings
from indicators import LEVELS, Review
from indicators.plan_review import PlanReview, review_plan
from reports.alert_context import review_lines
from reports.budget import fit
from reports.charts import Chart
from reports.context import committee_context
from reports.context_panels import rows_by_cluster
from reports.message import build_mime, header_text
from reports.officer_context import cluster_table, officer_context
from reports.officer_plans import plan_facts, plans_panel
from reports.programme_context import programme_facts, programme_medians, programme_panel
from reports.recipients import addresses, officer_addresses
from reports.render import Rendered, committee_charts, render_officer
from reports.site import cluster_page, committee_files, officer_files, write_site
from reports.spreadsheet import clusters_csv, with_people
from warehouse import outbox
from warehouse.leftovers import recent
from warehouse.site_store import SiteFiles

OFFICER_SCOPE = "*"
OFFICER_DATA = "officer.json"
logger = logging.getLogger(__name__)


def queue_reports(
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    tables: dict[str, pd.DataFrame] | None = None,
    counts: dict[str, dict[str, int]] | None = None,
) -> int:
    """Queue every message a review produces (one dashboard per committee address, the officers' digest), write
    the site; count new ones."""
    reviewed = clusters[clusters["cluster_id"].isin(review.overall["cluster_id"])]
    plan = review_plan(review, (tables or {}).get("action_plan"), reviewed)
    medians = programme_medians(review.indicators) if load_settings().show_programme_median else None
    contexts = committee_contexts(run_id, review, reviewed, rows_by_cluster(tables, review.overall), plan, medians)
    charts = dashboard_charts(contexts)  # drawn once, for the message, the site and the PDF
    pdfs = printable_reviews(contexts, charts)
    queued = queue_committee_dashboards(run_id, review, reviewed, contexts, charts, pdfs)
    queued += queue_officer_dashboard(run_id, review, reviewed, counts, plan)
    publish_site(run_id, review, reviewed, counts, contexts, charts, pdfs, plan)
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


def by_cluster(frame: pd.DataFrame | None) -> Callable[[str], pd.DataFrame | None]:
    """A cluster id -> its rows of `frame` (None stays None), split once: a filter of every review frame for each
    of 500 clusters cost more than the dashboards' rendering."""
    if frame is None:
        return lambda cluster_id: None
    parts = dict(tuple(frame.groupby("cluster_id", sort=False, observed=True))) if "cluster_id" in frame else {}
    return lambda cluster_id: parts.get(cluster_id, frame.iloc[:0])


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def queue_committee_dashboards(
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    contexts: dict[str, dict],
    charts: dict[str, tuple[Chart, ...]] | None = None,
    pdfs: dict[str, bytes] | None = None,
) -> int:
    """Queue each cluster's dashboard once per address of its registry entry (with its charts, drawn once per
    cluster for the message and the site, and its printable review when it fits); return how many are new."""
    settings = load_settings()
    engine = engine_for(settings)
    messages, indicators, accounts = [], by_cluster(review.indicators), by_cluster(review.accounts)
    for done, cluster in enumerate(clusters.to_dict("records"), start=1):
        progress.report(f"dashboards: {done}/{len(clusters)} clusters")
        context = contexts[cluster["cluster_id"]]
        mine = indicators(cluster["cluster_id"])
        drawn = committee_charts(context) if charts is None else charts.get(cluster["cluster_id"], ())
        pdf = (pdfs or {}).get(cluster["cluster_id"])
        link = pdf_link(settings, context)
        links = accounts(cluster["cluster_id"])
        rendered = cache(partial(committee_message, context, mine, drawn, pdf, link, links))  # once, when asked for
        for recipient in addresses(cluster["committee_emails"]):
            key = ("committee_dashboard", cluster["cluster_id"], context["campaign"], recipient)
            messages.append(built(settings, rendered, key, run_id))
    with engine.begin() as connection:  # one transaction once all are built: the database is not held meanwhile
        return sum(outbox.queue_message(connection, **message) for message in messages)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def queue_officer_dashboard(
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    counts: dict[str, dict[str, int]] | None,
    plan: PlanReview | None = None,
) -> int:
    """Queue the programme-wide view (every cluster) to the officers only; count new messages."""
    settings = load_settings()
    engine = engine_for(settings)
    facts = officer_facts(run_id, review, clusters, counts, plan)
    csv = clusters_csv(with_people(cluster_table(review.overall, review.axes, review.alerts, clusters), review.people))
    rendered = cache(
        lambda: fit(
            lambda rows, attach: render_officer(_officer_context(engine, facts, rows), csv if attach else None),
            len(facts["table"]),
        )
    )
    recipients = officer_addresses(settings.officer_emails, clusters["officer_emails"])
    if not recipients:
        get_run_logger().warning("no officer address (VIGIE_OFFICER_EMAILS or the registry): officers' view not sent")
    return sum(
        queue_rendered(settings, engine, rendered, ("officer_dashboard", OFFICER_SCOPE, review.campaign, r), run_id)
        for r in recipients
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def publish_site(
    run_id: str,
    review: Review,
    clusters: pd.DataFrame,
    counts: dict[str, dict[str, int]] | None,
    contexts: dict[str, dict],
    charts: dict[str, tuple[Chart, ...]] | None = None,
    pdfs: dict[str, bytes] | None = None,
    plan: PlanReview | None = None,
) -> str:
    """Publish the static site (VIGIE_SITE_STORE_URL, default VIGIE_HOME/site): each cluster's page, charts and
    printable review, the officers' page, the index."""
    settings = load_settings()
    files, entries = {}, []
    for cluster_id, context in contexts.items():
        drawn = None if charts is None else charts.get(cluster_id)
        pages, entry = committee_files(context, drawn, (pdfs or {}).get(cluster_id))
        files.update(pages)
        entries.append(entry)
    facts = officer_facts(run_id, review, clusters, counts, plan)
    files[OFFICER_DATA] = json.dumps(facts, ensure_ascii=False).encode("utf-8")
    files.update(officer_files(_officer_context(engine_for(settings), facts, None, site=True)))
    return str(write_site(SiteFiles(settings.site_store), files, entries))


def refresh_officer_page(settings: Settings, engine) -> bool:
    """Rewrite the site's officers' page with the outbox as it stands (after a delivery); False without a site."""
    site = SiteFiles(settings.site_store)  # the published site: what another worker's review wrote
    data = site.read(OFFICER_DATA)
    if data is None:
        return False
    facts = json.loads(data.decode("utf-8"))
    write_site(site, officer_files(_officer_context(engine, facts, None, site=True)), [])
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


def _officer_context(engine, facts: dict, max_rows: int | None, site: bool = False) -> dict:
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


def band_facts(review: Review) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Per cluster, how each indicator's bands read (`higher`/`lower`, as the review scored it); per indicator,
    its table. Both come from the review: the grid is never read again to word it."""
    bands = review.bands
    directions = {
        cluster_id: dict(zip(rows["indicator_id"], rows["direction"], strict=True))
        for cluster_id, rows in bands.groupby("cluster_id", sort=False)
    }
    return directions, dict(zip(bands["indicator_id"], bands["source_table"], strict=False))


def queue_rendered(
    settings: Settings,
    engine,
    rendered: Rendered | Callable[[], Rendered],
    key: tuple[str, str, str, str],
    run_id: str | None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Build the MIME message for the key's recipient (from `rendered`, or what calling it renders) and queue it
    under (kind, scope, campaign, recipient). A message that cannot be rendered or built is queued `failed` with
    the reason, never sent, and the caller goes on with the others."""
    return outbox.queue_message(engine, **built(settings, rendered, key, run_id, headers))


def built(
    settings: Settings,
    rendered: Rendered | Callable[[], Rendered],
    key: tuple[str, str, str, str],
    run_id: str | None,
    headers: dict[str, str] | None = None,
) -> dict:
    """What `outbox.queue_message` takes for the key's recipient: the MIME message built, or the reason it could
    not be (one message's data must not stop the others)."""
    kind, scope, campaign, recipient = key
    headers = {"X-Vigie-Kind": kind, **({"X-Vigie-Run": run_id} if run_id else {}), **(headers or {})}
    try:
        rendered = rendered() if callable(rendered) else rendered
        subject, error = header_text(rendered.subject)[:300], None
        mime = build_mime(rendered, settings.sender, recipient, headers)
    except Exception as failure:  # issue 14
        subject, mime, error = f"{kind} {scope}"[:300], b"", f"message not built: {type(failure).__name__}: {failure}"
        logger.warning("%s for %s not built: %s", kind, recipient, error)
    return dict(kind=kind, scope=scope, campaign=campaign, recipient=recipient, subject=subject, mime=mime,
                run_id=run_id, error=error)  # fmt: skip
