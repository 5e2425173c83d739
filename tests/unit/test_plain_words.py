"""What a committee and an officer read is in their words: no bands, no CV, no z-scores, no run ids, no file
paths, no None or nan; missing data is never called "insuffisant"; plurals agree; each message has a Date; the
attached table opens as columns in French Excel. Checked on a committee dashboard and an officer digest from a
real review of a generated sample, and a validation report from a real intake of a file with bad rows."""

from __future__ import annotations

import csv
import email
import html as html_module
import io
import re
import tempfile
import uuid
from email import policy
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from indicators import LEVELS
from reports.context import committee_context
from reports.i18n import catalogue
from reports.message import build_mime
from reports.officer_context import cluster_table, officer_context
from reports.programme_context import programme_facts, programme_panel
from reports.render import Rendered, environment, render_committee, render_officer
from reports.spreadsheet import clusters_csv, indicators_csv
from tests.unit.test_reports_dashboard import plan_sample, review_sample

RUN_ID = str(uuid.UUID(int=0x340643B9ADD34161BB54351A0E83FB05))
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
JARGON = {
    "a band": re.compile(r"\btranches?\b", re.IGNORECASE),
    "a coefficient of variation": re.compile(r"\bCV\b"),
    "a z-score": re.compile(r"\bz\s?[+−-]\s?\d"),
    "a run or submission id": UUID,
    "a file path": re.compile(r"(/tmp|/home|/var/|\bvar/|[\w./-]+\.(json|html|parquet|db)\b|data_docs)"),
    "a missing value": re.compile(r"\b(None|nan|NaN|NaT)\b|<NA>"),
}
PLURALS = {
    "a plural after 0 or 1": re.compile(r"(?<![\d,.\u202f])[01]\s(lignes|indicateurs|jours|réunions|foires)\b"),
    "a singular after 2 or more": re.compile(r"\b([2-9]|\d{2,})\s(ligne|indicateur|jour|réunion|foire)\b"),
}


@cache
def committee() -> tuple[dict, Rendered, pd.DataFrame]:
    """A French committee dashboard of the sample review (the cluster with the most alerts among those with an
    indicator lacking data), run id a UUID."""
    review, clusters, rows = review_sample()
    lacking = set(review.indicators.loc[review.indicators["score"].isna(), "cluster_id"])
    cluster_id = review.alerts.loc[review.alerts["cluster_id"].isin(lacking), "cluster_id"].value_counts().index[0]
    cluster = clusters.set_index("cluster_id").loc[cluster_id].to_dict() | {"cluster_id": cluster_id, "language": "fr"}
    campaign = review.overall.set_index("cluster_id").loc[cluster_id, "campaign"]
    context = committee_context(
        cluster, campaign, review.indicators, review.axes, review.overall, review.alerts, RUN_ID, review.grid_hash,
        LEVELS, trend=review.trend, history=review.history, qqrp=review.qqrp, rows=rows[cluster_id],
        plan=plan_sample(),
        people=review.people, accounts=review.accounts,
        qqrp_trend=review.qqrp_trend,
    )  # fmt: skip
    mine = review.indicators[review.indicators["cluster_id"] == cluster_id]
    return context, render_committee(context, indicators_csv(mine, "fr")), mine


@cache
def officer() -> tuple[dict, Rendered]:
    """The officers' digest of the sample review, with every cluster attached."""
    review, clusters, _ = review_sample()
    table = cluster_table(review.overall, review.axes, review.alerts, clusters)
    context = officer_context(table, review.campaign, RUN_ID, review.grid_hash, LEVELS)
    facts = programme_facts(review, dict(zip(clusters["cluster_id"], clusters["name"], strict=True)))
    context = {**context, "programme": programme_panel(facts, "fr", context["t"])}
    return context, render_officer(context, clusters_csv(table))


@cache
def validation() -> tuple[dict, Rendered]:
    """The validation report of a real intake: a deliveries file with refused rows and flagged values, whose Data
    Docs page sits on this machine's disk (the report must not show that path)."""
    from flows.adapters import engine_for
    from flows.intake_run import ingest_file
    from flows.settings import load_settings
    from synthetic import generate
    from validations.report import report_context, subject

    home = Path(tempfile.mkdtemp(prefix="vigie-words-"))
    sample = home / "sample"
    generate(sample, clusters=2, campaigns=2, seed=5, deliveries_per_cluster_campaign=80)
    settings = load_settings({"VIGIE_HOME": str(home)})
    engine = engine_for(settings)
    for name in ("clusters", "actors"):
        ingest_file(sample / f"{name}.csv", None, settings, engine)
    deliveries = pd.read_csv(sample / "deliveries.csv", dtype=str)
    deliveries.loc[deliveries.index[:3], "quantity_kg"] = "-4"
    deliveries.loc[deliveries.index[3], "supplier_actor_id"] = "A-INCONNU"
    deliveries.loc[deliveries.index[4], "quantity_kg"] = "250000"
    deliveries.to_csv(home / "livraisons.csv", index=False)
    summary = ingest_file(home / "livraisons.csv", None, settings, engine).as_dict()
    assert summary["rows_quarantined"] >= 4 and summary["data_docs"], summary
    t = catalogue("fr")
    context = report_context(summary, t, docs_link=settings.site_link(summary["data_docs"]))
    env = environment()
    rendered = Rendered(
        subject=subject(summary, t),
        html=env.get_template("validation.html.j2").render(**context),
        text=env.get_template("validation.txt.j2").render(**context),
    )
    return context, rendered


def visible(html: str) -> str:
    """The text a reader sees in an HTML part (tags and styles left out)."""
    body = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", body))


def readings(rendered: Rendered, fine_print: str) -> dict[str, str]:
    """Subject, text part and visible HTML, each without the footer's fine print (where run ids may stay)."""
    parts = {"subject": rendered.subject, "text": rendered.text, "html": visible(rendered.html)}
    for name, text in parts.items():
        assert name == "subject" or fine_print in text, f"the fine print is in the {name} part"
        parts[name] = text.replace(fine_print, "")
    return parts


def messages() -> dict[str, tuple[Rendered, str]]:
    """The three messages and their fine print."""
    validation_context, validation_rendered = validation()
    footer = catalogue("fr")["validation_footer"].format(id=validation_context["id"])
    return {
        "committee dashboard": (committee()[1], committee()[0]["footer"]),
        "officer digest": (officer()[1], officer()[0]["footer"]),
        "validation report": (validation_rendered, footer),
    }


@pytest.mark.parametrize("kind", ["committee dashboard", "officer digest", "validation report"])
def test_no_jargon_ids_paths_or_missing_values_in_what_people_read(kind):
    rendered, fine_print = messages()[kind]
    for part, text in readings(rendered, fine_print).items():
        for what, pattern in {**JARGON, **PLURALS}.items():
            found = pattern.search(text)
            assert found is None, f"{kind}, {part}: {what}: …{text[max(0, found.start() - 60) : found.end() + 40]}…"
    assert "file://" not in rendered.html and "/tmp" not in rendered.html, "no link to a file on a disk"


def test_the_fine_print_still_names_the_run_and_the_grid():
    context, rendered, _ = committee()
    assert RUN_ID in context["footer"] and context["footer"] in rendered.text
    assert UUID.search(messages()["validation report"][1])


def test_insuffisant_is_only_the_word_of_score_2_in_a_committee_dashboard():
    _, rendered, mine = committee()
    scored_2 = int((mine["score"] == 2).sum())
    missing = int(mine["score"].isna().sum())
    for part in (rendered.text, visible(rendered.html)):
        words = re.findall(r"insuffisant\w*", part, flags=re.IGNORECASE)
        assert set(words) <= {"insuffisant"}, words
        assert len(words) == scored_2 + 1, "once per indicator scored 2, once in the scale note"
        assert "données insuffisantes" not in part
        assert part.count("pas assez de données") >= missing
    assert missing, "the sample has an indicator without enough data, or this test proves little"


def test_counts_agree_with_their_nouns():
    context, rendered, _ = committee()
    rows = {item["table"]: item["rows"] for item in context["coverage"]["rows"]}
    assert any(text.startswith("1\u00a0ligne") for text in rows.values()) or all(
        re.match(r"\d[\d\u202f]*\u00a0lignes$", text) for text in rows.values()
    ), rows
    report = messages()["validation report"][0]
    assert re.search(r"\(\d+\u00a0lignes?\)", report.text)
    for pattern in PLURALS.values():
        assert pattern.search("1 lignes") or pattern.search("3 ligne"), "the plural checks can fail"


@pytest.mark.parametrize("kind", ["committee dashboard", "officer digest", "validation report"])
def test_every_message_has_a_date(kind):
    rendered, _ = messages()[kind]
    message = email.message_from_bytes(build_mime(rendered, "Vigie <v@x.bj>", "c@x.bj"), policy=policy.default)
    when = parsedate_to_datetime(message["Date"])
    assert when.tzinfo is not None and when.utcoffset().total_seconds() == 0


def test_the_indicators_table_opens_as_columns_in_french_excel():
    _, rendered, mine = committee()
    message = email.message_from_bytes(build_mime(rendered, "Vigie <v@x.bj>", "c@x.bj"), policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv" and attachment.get_content_charset() == "utf-8"
    data = attachment.get_payload(decode=True)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Indicateur", "Axe", "Campagne", "Valeur"] and len(rows) == len(mine) + 1
    assert {len(row) for row in rows} == {len(rows[0])}, "every line has as many columns as the header"
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert pd.api.types.is_float_dtype(frame["Valeur"]) and frame["Valeur"].notna().sum() >= 20
    shares = mine.set_index("indicator_id")
    first = shares.index[shares["unit"].eq("share") & shares["value"].notna()][0]
    shown = frame.loc[frame["Indicateur"].str.startswith(f"{first} "), "Valeur"].iloc[0]
    assert shown == pytest.approx(round(shares.at[first, "value"] * 100, 1)), "a share in %, read back exact"
    assert set(frame["Statut"]) <= {"calculé", "apprécié par le comité ou le coach", "pas assez de données"}
    assert {"%", "% par an"} & set(frame["Unité"]) and "share" not in set(frame["Unité"])
    assert not any(re.search(r"\d\.\d", cell) for row in rows[1:] for cell in row[3:]), "decimal commas"


def test_an_english_cluster_gets_english_headers():
    _, _, mine = committee()
    data = indicators_csv(mine, "en").decode("utf-8-sig")
    assert data.startswith("Indicator,Axis,Campaign,Value,Unit") and "computed" in data


def test_the_officers_table_opens_as_columns_too():
    (attachment,) = officer()[1].attachments
    frame = pd.read_csv(io.BytesIO(attachment[2]), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(frame.columns[:3]) == ["Rang", "Code du cluster", "Cluster"]
    assert pd.api.types.is_float_dtype(frame["Axe 1"]) and pd.api.types.is_float_dtype(frame["Indicateurs notés (%)"])
