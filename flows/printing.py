"""The dashboards' charts and the printable reviews (PDF) for the committees' general assemblies: each made once
per cluster. The reviews are printed last, once every dashboard is queued and the site published, straight onto
the site; the committee's message links to its review there and never attaches it."""

from __future__ import annotations

import logging

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import progress
from flows.settings import TASK_TIMEOUT_S, Settings
from reports.charts import Chart
from reports.pdf import committee_pdf, with_pdf_link
from reports.render import Rendered, committee_charts
from reports.site import pdf_site_path
from reports.spreadsheet import accounts_csv, indicators_csv
from warehouse.site_store import SiteFiles

logger = logging.getLogger(__name__)


@task(cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_S)
def dashboard_charts(contexts: dict[str, dict]) -> dict[str, tuple[Chart, ...]]:
    """Cluster id -> its dashboard's charts, drawn once for the message, the site and the printable review."""
    drawn = {}
    for done, (cluster_id, context) in enumerate(contexts.items(), start=1):
        progress.report(f"charts: {done}/{len(contexts)} clusters")
        drawn[cluster_id] = committee_charts(context)
    return drawn


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2, timeout_seconds=TASK_TIMEOUT_S)
def printable_reviews(settings: Settings, contexts: dict[str, dict], charts: dict[str, tuple[Chart, ...]]) -> list[str]:
    """Print each cluster's review (PDF) and publish it on the site (VIGIE_SITE_STORE_URL) as soon as it is made,
    so no more than one is held in memory; return the site paths written (none when VIGIE_PDF is off). A cluster
    whose PDF cannot be made is logged and left without one: its dashboard has already gone in the outbox."""
    if not settings.pdf_reports:
        return []
    site, written = SiteFiles(settings.site_store), []
    for done, (cluster_id, context) in enumerate(contexts.items(), start=1):
        progress.report(f"printable reviews: {done}/{len(contexts)} clusters")
        try:
            pdf = committee_pdf(context, charts.get(cluster_id, ()))
        except Exception as failure:  # one cluster's PDF must not stop the others
            logger.warning("printable review of %s not made: %s: %s", cluster_id, type(failure).__name__, failure)
            continue
        site.write(pdf_site_path(context), pdf)
        written.append(pdf_site_path(context))
    return written


def pdf_link(settings: Settings, context: dict) -> str | None:
    """The address of a cluster's printable review on the published site (VIGIE_SITE_URL), None without one."""
    return settings.site_link(settings.site_dir / pdf_site_path(context))


def committee_message(
    context: dict,
    indicators: pd.DataFrame,
    charts: tuple[Chart, ...],
    printed: bool,
    link: str | None,
    links: pd.DataFrame | None = None,
) -> Rendered:
    """One committee's dashboard as a message, its indicators and its links' accounts (Table 7) attached as CSV;
    when printable reviews are made (`printed`), a link to its review on the site (`link`), never the PDF itself."""
    table_7 = accounts_csv(links, context["lang"]) if links is not None and len(links) else None
    return with_pdf_link(context, indicators_csv(indicators, context["lang"]), charts, printed, link, table_7)
