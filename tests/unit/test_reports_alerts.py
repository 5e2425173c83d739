"""Alert emails: what happened, by how much, where to look; one cluster only, escaped, short."""

from __future__ import annotations

import pandas as pd

from reports.alert_context import COMMITTEE_RULES, alert_context, alert_line, delivery_failure_context
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


def growth_row(indicator: str, value: float, unit: str = "rate_per_year") -> pd.DataFrame:
    labels = {"6.4": ("Création d'emploi", "Job creation"), "5.2": ("Évolution de la qualité", "Trend of quality")}
    return pd.DataFrame(
        [{"cluster_id": "A", "indicator_id": indicator, "label_fr": labels[indicator][0],
          "label_en": labels[indicator][1], "unit": unit, "value": value}]
    )  # fmt: skip


def test_a_slower_growth_is_not_called_a_sharp_decline_and_says_the_quantity_rose():
    # Zè's case: jobs +15 % last campaign, +1 % this one: the score fell 4 -> 2, but jobs rose.
    alert = {"rule": "sharp_decline_indicator", "subject": "6.4", "value": 2.0, "previous": 4.0, "severity": "medium"}
    text = alert_line(alert, growth_row("6.4", 0.008), None, "fr")["text"]
    assert "forte baisse" not in text and "la croissance a ralenti, le niveau passe de 4 à 2" in text
    assert "Le nombre d'emplois a tout de même augmenté de 1\u00a0% par an." in text
    english = alert_line(alert, growth_row("6.4", 0.008), None, "en")["text"]
    assert "growth slowed" in english and "The number of jobs still rose by 1\u00a0% a year." in english


def test_a_falling_quantity_says_it_fell():
    alert = {"rule": "sharp_decline_indicator", "subject": "6.4", "value": 1.0, "previous": 3.0, "severity": "medium"}
    text = alert_line(alert, growth_row("6.4", -0.06), None, "fr")["text"]
    assert "en forte baisse : 3 → 1" in text and "Le nombre d'emplois a diminué de 6\u00a0% par an." in text
    critical = {"rule": "critical_indicator", "subject": "5.2", "value": 1.0, "previous": 2.0, "severity": "high"}
    text = alert_line(critical, growth_row("5.2", -0.07, "points_per_year"), None, "fr")["text"]
    assert text.endswith("La part des ventes conformes aux normes du client a diminué de 7\u00a0points par an.")


def test_an_indicator_critical_and_in_sharp_decline_is_one_line_a_decline_alone_its_own():
    from reports.alert_context import review_lines

    review = review_sample()[0]
    cluster_id = review.indicators["cluster_id"].iloc[0]
    mine = review.indicators[review.indicators["cluster_id"] == cluster_id]
    first, second = mine["indicator_id"].iloc[:2]
    base = {"cluster_id": cluster_id, "campaign": mine["campaign"].iloc[0], "severity": "high"}
    rows = [
        {**base, "rule": "critical_indicator", "subject": first, "value": 1.0, "previous": 3.0},
        {**base, "rule": "sharp_decline_indicator", "subject": first, "value": 1.0, "previous": 3.0},
        {**base, "rule": "sharp_decline_indicator", "subject": second, "value": 2.0, "previous": 4.0},
    ]
    lines = review_lines(rows, mine, review.axes, "fr")
    assert [line["subject"] for line in lines] == [first, second]
    assert "au niveau critique" in lines[0]["text"] and "3 → 1" in lines[0]["text"]
    assert lines[1]["rule"] == "sharp_decline_indicator" and "4 → 2" in lines[1]["text"]
    assert review_lines(rows[1:2], mine, review.axes, "fr")[0]["rule"] == "sharp_decline_indicator"


def test_several_alerts_of_a_day_are_one_message_that_lists_each():
    from reports.alert_context import digest_context

    alert, cluster = sample_alert("critical_indicator")
    slips = [
        {**alert, "rule": "contract_slippage", "subject": subject, "value": value, "previous": 60.0}
        for subject, value in (("raw_material_contracts", 30.0), ("service_contracts", 20.0))
    ]
    contexts = [alert_context(slip, cluster, None, None, "run-9", "fr") for slip in slips]
    rendered = render_alert(digest_context(contexts))
    assert rendered.text.count("Livraisons sous contrat en retard") == 2
    assert "30 % des quantités" in rendered.text and "20 % des quantités" in rendered.text
    assert rendered.subject.startswith("Vigie · 2 alertes · ")
    assert render_alert(digest_context(contexts[:1])).subject == contexts[0]["subject"]


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
