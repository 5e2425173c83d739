"""The dashboards' charts and the printable reviews (PDF) for the committees' general assemblies: each made once
per cluster, the PDF attached to the committee's message when it fits the size budget, on the site either way."""

from __future__ import annotations

import logging

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import progress
from flows.settings import TASK_TIMEOUT_S, Settings
from reports.charts import Chart
from reports.pdf import committee_pdf, with_pdf
from reports.render import Rendered, committee_charts
from reports.site import pdf_site_path
from reports.spreadsheet import accounts_csv, indicators_csv

logger = logging.getLogger(__name__)


@task(cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_S)
def dashboard_charts(contexts: dict[str, dict]) -> dict[str, tuple[Chart, ...]]:
    """Cluster id -> its dashboard's charts, drawn once for the message, the site and the printable review."""
    drawn = {}
    for done, (cluster_id, context) in enumerate(contexts.items(), start=1):
        progress.report(f"charts: {done}/{len(contexts)} clusters")
        drawn[cluster_id] = committee_charts(context)
    return drawn


@task(cache_policy=NO_CACHE, timeout_seconds=TASK_TIMEOUT_S)
def printable_reviews(
    settings: Settings, contexts: dict[str, dict], charts: dict[str, tuple[Chart, ...]]
) -> dict[str, bytes]:
    """Cluster id -> its printable review (PDF bytes); none when VIGIE_PDF is off. A cluster whose PDF cannot be
    made is logged and left without one: its dashboard still goes out."""
    if not settings.pdf_reports:
        return {}
    made = {}
    for done, (cluster_id, context) in enumerate(contexts.items(), start=1):
        progress.report(f"printable reviews: {done}/{len(contexts)} clusters")
        try:
            made[cluster_id] = committee_pdf(context, charts.get(cluster_id, ()))
        except Exception as failure:  # one cluster's PDF must not stop the others
            logger.warning("printable review of %s not made: %s: %s", cluster_id, type(failure).__name__, failure)
    return made


def pdf_link(settings: Settings, context: dict) -> str | None:
    """The address of a cluster's printable review on the published site (VIGIE_SITE_URL), None without one."""
    return settings.site_link(settings.site_dir / pdf_site_path(context))


def committee_message(
    context: dict,
    indicators: pd.DataFrame,
    charts: tuple[Chart, ...],
    pdf: bytes | None,
    link: str | None,
    links: pd.DataFrame | None = None,
) -> Rendered:
    """One committee's dashboard as a message, its indicators and its links' accounts (Table 7) attached as CSV,
    its printable review attached when the message stays within budget (else the message says where it is)."""
    table_7 = accounts_csv(links, context["lang"]) if links is not None and len(links) else None
    return with_pdf(context, indicators_csv(indicators, context["lang"]), charts, pdf, link, table_7)
