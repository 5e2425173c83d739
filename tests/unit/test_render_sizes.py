"""Size limits: the HTML part under 100 KB (Gmail clips beyond) and the whole message under 150 KB, for the
largest committee email and for the officers' view of a national programme (500 clusters)."""

from __future__ import annotations

import email
from email import policy

import numpy as np
import pandas as pd

from indicators import LEVELS
from reports.budget import HTML_LIMIT, MESSAGE_LIMIT, fit, measure
from reports.context import committee_context
from reports.message import build_mime
from reports.officer_context import cluster_table, officer_context
from reports.pdf import print_html, with_pdf_link
from reports.render import committee_charts, render_officer, safe_csv
from reports.spreadsheet import clusters_csv, indicators_csv
from tests.unit.test_reports_dashboard import plan_sample, review_sample

LONG_NAME = "Coopérative régionale des transformatrices et producteurs de karité " * 3


def every_alert(indicators: pd.DataFrame, axes: pd.DataFrame) -> pd.DataFrame:
    """The worst case: every indicator critical and in sharp decline, every axis in sharp decline."""
    rows = [
        {"rule": rule, "cluster_id": r["cluster_id"], "campaign": r["campaign"], "subject": r["indicator_id"],
         "value": 1.0, "previous": 4.0, "severity": "high"}
        for r in indicators.to_dict("records") for rule in ("critical_indicator", "sharp_decline_indicator")
    ] + [
        {"rule": "sharp_decline_axis", "cluster_id": r["cluster_id"], "campaign": r["campaign"],
         "subject": f"axis-{r['axis']}", "value": 1.0, "previous": 4.0, "severity": "medium"}
        for r in axes.to_dict("records")
    ]  # fmt: skip
    return pd.DataFrame(rows)


def every_action(indicators: pd.DataFrame, campaign: str) -> dict[str, pd.DataFrame]:
    """The worst case of a plan: one overdue action of the longest text the contract takes on each indicator,
    each with its target; the sample's priorities and bands."""
    from indicators.action_plan import follow_up, indicator_targets, reached

    review = review_sample()[0]
    actions = indicators[["cluster_id", "indicator_id"]].assign(
        campaign=campaign, action_id=[f"A{i}" for i in range(len(indicators))], action="x" * 500, owner="o" * 200,
        due_on=pd.Timestamp("2000-01-01"), target_score=pd.array([3] * len(indicators), "Int64"),
        target_value=pd.array([None] * len(indicators), "Float64"), action_status="in_progress",
        done_on=pd.NaT, note="n" * 200,
    )  # fmt: skip
    as_of = dict.fromkeys(indicators["cluster_id"], pd.Timestamp("2001-01-01"))
    targets = reached(indicator_targets(actions, review.bands), review.indicators, review.bands)
    follow = follow_up(actions, review.indicators, review.bands, as_of)
    return {**plan_sample(), "targets": targets, "follow_up": follow}


def test_the_largest_committee_email_stays_within_the_limits():
    review, clusters, rows = review_sample()
    cluster_id = sorted(review.overall["cluster_id"])[0]
    cluster = clusters.set_index("cluster_id").loc[cluster_id].to_dict() | {"cluster_id": cluster_id}
    cluster |= {"name": LONG_NAME, "aggregator_name": LONG_NAME, "commune": "Commune " * 10}
    alerts = every_alert(review.indicators, review.axes)
    campaign = review.overall.set_index("cluster_id").loc[cluster_id, "campaign"]
    plan = every_action(review.indicators[review.indicators["cluster_id"] == cluster_id], campaign)
    context = committee_context(
        cluster, campaign, review.indicators, review.axes, review.overall, alerts, "r" * 36, review.grid_hash,
        LEVELS, trend=review.trend, history=review.history, qqrp=review.qqrp, rows=rows[cluster_id], plan=plan,
        qqrp_trend=review.qqrp_trend,
    )  # fmt: skip
    assert len(context["alerts"]) == 24 + 6, "an indicator both critical and in sharp decline is one line"
    assert len(context["plan"]["overdue"]) == 24 and context["priorities"], "the worst plan: 24 overdue actions"
    mine = review.indicators[review.indicators["cluster_id"] == cluster_id]
    charts = committee_charts(context)
    rendered = with_pdf_link(
        context, indicators_csv(mine, "fr"), charts, True, "https://suivi.example.bj/site/pdf/x.pdf"
    )
    size = measure(rendered)
    print(f"largest committee email: HTML {size.html_bytes} B, message {size.message_bytes} B")
    assert size.html_bytes < HTML_LIMIT and size.message_bytes < MESSAGE_LIMIT
    assert rendered.html.count(LONG_NAME.strip()) >= 1
    assert len(rendered.inline_images) == 3, "the three charts are in the message"
    assert "x" * 500 in print_html(context, charts) and "x" * 500 not in rendered.html + rendered.text, (
        "the message shortens long action texts; the printable review keeps them whole"
    )


def national_programme(n: int = 500, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Overall, axes, alerts and registry frames of `n` clusters with long names."""
    rng = np.random.default_rng(seed)
    ids = [f"CL-{i:04d}" for i in range(n)]
    scores = np.round(rng.uniform(1, 4, size=(n, 6)), 1)
    axes = pd.DataFrame(
        [{"cluster_id": c, "campaign": "2025", "axis": a + 1, "score": scores[i, a]} for i, c in enumerate(ids)
         for a in range(6)]
    )  # fmt: skip
    overall = pd.DataFrame({"cluster_id": ids, "campaign": "2025", "score": scores.mean(axis=1).round(2),
                            "level": rng.choice(list(LEVELS), n), "coverage": rng.uniform(0.5, 1, n)})  # fmt: skip
    alerts = pd.DataFrame({"cluster_id": rng.choice(ids, 900), "rule": "critical_indicator"})
    clusters = pd.DataFrame({"cluster_id": ids, "name": [f"Cluster anacarde de la commune numéro {i}" for i in
                             range(n)], "value_chain": "anacarde"})  # fmt: skip
    return overall, axes, alerts, clusters


def test_the_officers_view_of_500_clusters_fits_by_showing_the_weakest_and_attaching_all():
    overall, axes, alerts, clusters = national_programme()
    table = cluster_table(overall, axes, alerts, clusters)
    counts = {"deliveries": {"read": 10_000_000, "accepted": 9_990_000, "rejected": 10_000}}
    csv = clusters_csv(table)

    def render(rows, attach):
        context = officer_context(table, "2025", "r" * 36, "f" * 64, LEVELS, counts=counts, max_rows=rows)
        return render_officer(context, csv if attach else None)

    everything = measure(render(None, True))
    assert not everything.fits(), "500 clusters in full must not fit, or this test proves nothing"
    rendered = fit(render, len(table))
    size = measure(rendered)
    print(f"officers' view, 500 clusters: HTML {size.html_bytes} B, message {size.message_bytes} B")
    assert size.fits()
    assert "les moins bien notés" in rendered.html
    weakest = table.iloc[-1]["name"]
    assert weakest in rendered.html, "the clusters that need attention first are the ones shown"
    message = email.message_from_bytes(build_mime(rendered, "v@x.bj", "o@x.bj"), policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    lines = attachment.get_payload(decode=True).decode("utf-8-sig").splitlines()
    assert len(lines) == 501 and lines[0].startswith("Rang;Code du cluster;Cluster;")


def test_a_small_programme_is_shown_whole():
    overall, axes, alerts, clusters = national_programme(6)
    table = cluster_table(overall, axes, alerts, clusters)
    rendered = fit(lambda rows, attach: render_officer(
        officer_context(table, "2025", "run", "f" * 64, LEVELS, max_rows=rows), safe_csv(table) if attach else None
    ), len(table))  # fmt: skip
    assert all(name in rendered.html for name in clusters["name"])
    assert "les moins bien notés" not in rendered.html and rendered.attachments
