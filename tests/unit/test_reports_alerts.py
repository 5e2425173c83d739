"""Alert emails: what happened, by how much, where to look; one cluster only, escaped, short."""

from __future__ import annotations

from reports.alert_context import COMMITTEE_RULES, alert_context, delivery_failure_context
from reports.budget import measure
from reports.i18n import catalogue
from reports.render import render_alert
from reports.words import indicator_sentence
from tests.unit.test_reports_dashboard import review_sample


def sample_alert(rule: str) -> tuple[dict, dict]:
    """An alert of `rule` from the sample review and its cluster's registry row."""
    review, clusters, _ = review_sample()
    alert = review.alerts[review.alerts["rule"] == rule].iloc[0].to_dict()
    cluster = clusters.set_index("cluster_id").loc[alert["cluster_id"]].to_dict() | {"cluster_id": alert["cluster_id"]}
    return alert, cluster


def render(rule: str, language: str = "fr", **changes):
    review = review_sample()[0]
    alert, cluster = sample_alert(rule)
    context = alert_context(alert, cluster | changes, review.indicators, review.axes, "run-7", language,
                            {}, {alert["subject"]: "deliveries"})  # fmt: skip
    return alert, render_alert(context)


def test_a_critical_indicator_says_what_its_value_means_and_where_to_look():
    review = review_sample()[0]
    alert, rendered = render("critical_indicator")
    row = review.indicators[(review.indicators["cluster_id"] == alert["cluster_id"])
                            & (review.indicators["indicator_id"] == alert["subject"])].iloc[0]  # fmt: skip
    assert f"Indicateur {alert['subject']} « {row['label_fr']} » au niveau critique" in rendered.text
    assert (
        indicator_sentence(row.to_dict(), "fr", catalogue("fr")) in rendered.text and "Score 1 sur 4" in rendered.text
    )
    assert "tranche" not in rendered.text and "Valeur –" not in rendered.text
    assert f"L'indicateur {alert['subject']} dans le tableau de bord du bilan {alert['campaign']}" in rendered.text
    assert "« livraisons »" in rendered.text
    assert alert["subject"] in rendered.subject and rendered.subject.startswith("Vigie · alerte · ")


def test_a_sharp_decline_says_by_how_many_levels():
    alert, rendered = render("sharp_decline_indicator", "en")
    drop = int(alert["previous"] - alert["value"])
    assert f"Score {int(alert['previous'])} → {int(alert['value'])} (−{drop} levels)" in rendered.text
    assert "What it means" in rendered.html


def test_an_alert_email_names_no_other_cluster_and_escapes_a_hostile_name():
    review, clusters, _ = review_sample()
    alert, rendered = render("critical_indicator", name="<script>alert(1)</script>")
    assert "<script>" not in rendered.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    for other in clusters.to_dict("records"):
        if other["cluster_id"] != alert["cluster_id"]:
            assert other["cluster_id"] not in rendered.html + rendered.text + rendered.subject
            assert other["name"] not in rendered.html + rendered.text + rendered.subject


def test_an_alert_email_is_short():
    _, rendered = render("critical_indicator")
    size = measure(rendered)
    assert size.html_bytes < 5_000 and size.message_bytes < 15_000


def test_the_committee_hears_of_review_alerts_not_of_delivery_failures():
    assert {"critical_indicator", "sharp_decline_indicator", "sharp_decline_axis"} <= COMMITTEE_RULES
    assert "delivery_failure" not in COMMITTEE_RULES and "data_quality" not in COMMITTEE_RULES


def test_a_delivery_failure_notice_names_the_message_and_how_to_retry_never_its_content():
    message = {
        "id": 12,
        "scope": "CL-A",
        "campaign": "2025",
        "recipient": "comite@x.bj",
        "attempts": 5,
        "subject": "Vigie · Cluster A · bilan",
        "last_error": "SendGrid refused: HTTP 400",
        "cluster_name": "A",
    }
    rendered = render_alert(delivery_failure_context(message, "run-1"))
    assert "comite@x.bj" in rendered.text and "HTTP 400" in rendered.text and "5 tentative(s)" in rendered.text
    assert "vigie outbox retry --id 12" in rendered.text


def test_a_long_accented_subject_reads_back_exactly():
    import email
    from email import policy

    from reports.message import build_mime
    from reports.render import Rendered

    subject = "Vigie · validation de « member_services.csv » : 4225 lignes acceptées, 0 en quarantaine"
    raw = build_mime(Rendered(subject, "<p>x</p>", "x"), "Vigie <v@x.bj>", "c@x.bj")
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == subject
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_a_missing_campaign_plan_is_said_in_words():
    review = review_sample()[0]
    row = review.indicators.iloc[0].to_dict() | {"indicator_id": "1.2", "value": None, "reason": "no_plan_adopted",
                                                 "score": 1, "unit": "days"}  # fmt: skip
    indicators = review.indicators.copy()
    mask = (indicators["cluster_id"] == row["cluster_id"]) & (indicators["indicator_id"] == "1.2")
    indicators.loc[mask, ["value", "reason"]] = [float("nan"), "no_plan_adopted"]
    alert = {"rule": "critical_indicator", "cluster_id": row["cluster_id"], "campaign": row["campaign"],
             "subject": "1.2", "value": 1.0, "previous": 3.0, "severity": "high"}  # fmt: skip
    cluster = {"cluster_id": row["cluster_id"], "name": "Alpha", "value_chain": "riz", "commune": "Glazoué"}
    rendered = render_alert(alert_context(alert, cluster, indicators, review.axes, "run-7", "fr"))
    assert "Aucun plan de campagne adopté. Score 1 sur 4 (campagne précédente : 3)." in rendered.text
