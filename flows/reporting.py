"""Reporting: render what each audience receives from a review and queue it in the outbox (never twice)."""

from __future__ import annotations

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.adapters import engine_for
from flows.settings import load_settings
from indicators import LEVELS, Review
from reports.context import committee_context
from reports.message import build_mime
from reports.render import render_committee, safe_csv
from warehouse import outbox


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def queue_committee_dashboards(run_id: str, review: Review, clusters: pd.DataFrame) -> int:
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


def queue_reports(run_id: str, review: Review, clusters: pd.DataFrame) -> int:
    """Queue every message a review produces; return how many are new."""
    return queue_committee_dashboards(run_id, review, clusters)


def _addresses(field: str | None) -> list[str]:
    return [part.strip() for part in str(field or "").replace(",", ";").split(";") if part.strip()]
