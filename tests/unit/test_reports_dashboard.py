"""The committee dashboard in depth, on a real review of a small generated sample: axes against the previous
campaign, values in their units and bands, 3-campaign trends, QQRP, coverage notes, the inline chart."""

from __future__ import annotations

import email
import struct
import tempfile
from email import policy
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml

from indicators import LEVELS, Review
from reports import i18n
from reports.context import committee_context
from reports.formatting import band_text, measure, number, value_decimals
from reports.i18n import LANGUAGES, catalogue
from reports.message import build_mime
from reports.render import Rendered, render_committee
from reports.spreadsheet import indicators_csv
from reports.words import counted, indicator_sentence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@cache
def sample_tables() -> dict[str, pd.DataFrame]:
    """The accepted tables of a generated sample (3 clusters, 3 campaigns, seed 7)."""
    from schemas.reading import read_csv_dir
    from synthetic import generate
    from validations.contracts import check_table

    folder = tempfile.mkdtemp(prefix="vigie-report-sample-")
    generate(folder, clusters=3, campaigns=3, seed=7, deliveries_per_cluster_campaign=60)
    return {name: check_table(name, frame).accepted for name, frame in read_csv_dir(folder).items()}


@cache
def plan_sample() -> dict[str, pd.DataFrame]:
    """The sample review's priorities, targets and plan follow-up, with its bands (committee_context's `plan`)."""
    from indicators.plan_review import review_plan

    review, clusters, _ = review_sample()
    return {**review_plan(review, sample_tables()["action_plan"], clusters).frames(), "bands": review.bands}


@cache
def review_sample() -> tuple[Review, pd.DataFrame, dict[str, dict[str, int]]]:
    """A real review of a generated sample (3 clusters, 3 campaigns), its registry and rows used per cluster."""
    from indicators.season import latest_season, review_season
    from reports.context_panels import rows_by_cluster

    tables = sample_tables()
    review = review_season(tables, latest_season(tables))
    return review, tables["clusters"], rows_by_cluster(tables, review.overall)


def context_of(cluster_id: str, language: str | None = None, **changes) -> dict:
    """The full committee context of one sample cluster (optionally in another language or with changed fields)."""
    review, clusters, rows = review_sample()
    cluster = {**clusters.set_index("cluster_id").loc[cluster_id].to_dict(), "cluster_id": cluster_id, **changes}
    if language:
        cluster["language"] = language
    campaign = review.overall.set_index("cluster_id").loc[cluster_id, "campaign"]
    return committee_context(
        cluster, campaign, review.indicators, review.axes, review.overall, review.alerts, "run-42", review.grid_hash,
        LEVELS, trend=review.trend, history=review.history, qqrp=review.qqrp, rows=rows[cluster_id],
        directions={"1.2": "lower", "5.4": "lower"}, qqrp_trend=review.qqrp_trend,
        plan=plan_sample(),
    )  # fmt: skip


def rendered_of(cluster_id: str, language: str | None = None, **changes) -> Rendered:
    """The committee message of one sample cluster."""
    review = review_sample()[0]
    context = context_of(cluster_id, language, **changes)
    mine = review.indicators[review.indicators["cluster_id"] == cluster_id]
    return render_committee(context, indicators_csv(mine, context["lang"]))


def first_cluster() -> str:
    return sorted(review_sample()[0].overall["cluster_id"])[0]


def test_axes_are_shown_against_the_previous_campaign():
    review = review_sample()[0]
    cluster_id = first_cluster()
    axes = review.axes[review.axes["cluster_id"] == cluster_id].sort_values("axis")
    context = context_of(cluster_id, "fr")
    assert [a["axis"] for a in context["axes"]] == list(range(1, 7))
    for shown, row in zip(context["axes"], axes.to_dict("records"), strict=True):
        assert shown["score_text"] == number(row["score"], "fr", 1)
        assert shown["previous_text"] == number(row["previous_score"], "fr", 1)
        assert shown["bar_pct"] == round(row["score"] / 4 * 100)
        assert shown["previous_text"] in shown["alt"]
    html = rendered_of(cluster_id, "fr").html
    assert f"Campagne précédente : {context['axes'][0]['previous_text']}" in html


def test_each_indicator_says_in_a_sentence_what_its_value_means():
    cluster_id = first_cluster()
    review = review_sample()[0]
    rows = review.indicators[review.indicators["cluster_id"] == cluster_id].set_index("indicator_id")
    shown = {item["id"]: item for item in context_of(cluster_id, "fr")["indicators"]}
    assert len(shown) == 24
    share = rows.index[(rows["unit"] == "share") & rows["score"].notna()][0]
    percent_shown = number(rows.at[share, "value"] * 100, "fr", 0)
    assert shown[share]["sentence"].startswith((f"{percent_shown}\u00a0%", "La moitié")), shown[share]["sentence"]
    assert shown[share]["mark"] == str(int(rows.at[share, "score"]))
    assert shown[share]["score_text"] == catalogue("fr")[f"score_{int(rows.at[share, 'score'])}"]
    growth = rows[(rows["unit"] == "rate_per_year") & rows["value"].notna()]
    if len(growth):
        assert "par an" in shown[growth.index[0]]["sentence"] or "stable" in shown[growth.index[0]]["sentence"]
    html = rendered_of(cluster_id, "fr").html
    assert shown[share]["sentence"].replace("'", "&#39;") in html and "tranche" not in html


def test_sentences_for_shares_days_counts_growth_and_missing_data():
    t = catalogue("fr")
    say = lambda **row: indicator_sentence(row, "fr", t)  # noqa: E731
    assert say(indicator_id="1.1", value=0.5, unit="share") == "La moitié des réunions prévues du comité ont eu lieu."
    assert say(indicator_id="5.4", value=0.15, unit="share") == "15\u00a0% de la matière première livrée a été refusée."
    assert say(indicator_id="1.2", value=1, unit="days").endswith("adopté 1\u00a0jour après le début de la campagne.")
    assert say(indicator_id="1.2", value=-3, unit="days").endswith("avant le début de la campagne.")
    assert (
        say(indicator_id="1.2", value=None, unit="days", reason="no_plan_adopted") == "Aucun plan de campagne adopté."
    )
    assert (
        say(indicator_id="4.2", value=1, unit="count")
        == "Le cluster a participé à 1 foire, salon ou colloque pendant la campagne."
    )
    assert say(indicator_id="4.3", value=6, unit="count").startswith("6 réunions internes")
    assert (
        say(indicator_id="5.1", value=-0.167, unit="rate_per_year") == "Le volume accepté a baissé de 17\u00a0% par an."
    )
    assert "stable" in say(indicator_id="6.4", value=0.001, unit="rate_per_year")
    assert counted(1, "n_rows", t, "fr") == "1\u00a0ligne" and counted(2, "n_rows", t, "fr") == "2\u00a0lignes"
    assert (
        counted(0, "n_rows", t, "fr") == "0\u00a0ligne" and counted(0, "n_rows", catalogue("en"), "en") == "0\u00a0rows"
    )


def test_units_read_naturally_in_both_languages():
    assert measure(0.425, "share", "fr") == "42\u00a0%"
    assert measure(0.05, "rate_per_year", "fr") == "+5\u00a0% par an"
    assert measure(-0.167, "rate_per_year", "en") == "−17\u00a0% a year"
    assert measure(54, "days", "fr") == "54\u00a0jours"
    assert measure(3, "count", "en") == "3"
    assert measure(2063526.6, "kg", "fr") == "2\u202f063\u202f527\u00a0kg"
    assert measure(132.99, "xof_per_kg", "fr") == "133\u00a0F\u00a0CFA/kg"
    assert measure(1250000, "xof", "en") == "XOF\u00a01,250,000"
    assert measure(None, "kg", "fr") == "–"


def test_bands_read_as_ranges_with_open_ends_and_whole_counts():
    assert band_text(0.5, 0.75, "share", "higher", "fr") == "50\u00a0% à 75\u00a0%"
    assert band_text(None, 0.5, "share", "higher", "en") == "< 50\u00a0%"
    assert band_text(0.9, None, "share", "higher", "fr") == "≥ 90\u00a0%"
    assert band_text(None, 0.05, "share", "lower", "fr") == "≤ 5\u00a0%"
    assert band_text(0.2, None, "share", "lower", "fr") == "> 20\u00a0%"
    assert band_text(0, 60, "days", "lower", "fr") == "0 à 60 jours"
    assert band_text(2, 4, "count", "higher", "fr") == "2–3"
    assert band_text(1, 2, "count", "higher", "fr") == "1"
    assert band_text(6, None, "count", "higher", "en") == "≥ 6"
    assert band_text(-0.05, 0.02, "rate_per_year", "higher", "en") == "−5\u00a0% to +2\u00a0% a year"
    assert band_text(0.0, 0.05, "rate_per_year", "higher", "fr") == "0\u00a0% à +5\u00a0% par an"
    assert band_text(None, None, "share", "higher", "fr") == ""
    assert value_decimals(0.496, "share", (None, 0.5)) == 1, "49,6 % must not read as 50 % in < 50 %"
    assert value_decimals(0.43, "share", (None, 0.5)) is None


def test_the_trend_covers_the_last_three_campaigns_with_a_chart_and_its_words():
    review = review_sample()[0]
    cluster_id = first_cluster()
    mine = review.trend[review.trend["cluster_id"] == cluster_id]
    context = context_of(cluster_id, "fr")
    campaigns = sorted(mine["campaign"].astype(str).unique())[-3:]
    assert context["trend"]["campaigns"] == campaigns
    overall = mine[mine["axis"] == 0].set_index("campaign")["score"]
    assert context["trend"]["rows"][0]["cells"] == [number(overall[c], "fr", 2) for c in campaigns]
    overall_chart = next(chart for chart in context["charts"] if chart["name"] == "overall")
    assert overall_chart["groups"] == campaigns
    for cell in context["trend"]["rows"][0]["cells"]:
        assert cell in overall_chart["alt"]
    series = [item["series_text"] for item in context["indicators"]]
    assert all(text.count("→") == len(campaigns) - 1 for text in series if text)


def test_the_charts_are_small_inline_pngs_referenced_by_content_id():
    rendered = rendered_of(first_cluster())
    assert [content_id for content_id, _, _ in rendered.inline_images] == ["axes@vigie", "overall@vigie", "qqrp@vigie"]
    message = email.message_from_bytes(build_mime(rendered, "Vigie <v@x.bj>", "c@x.bj"), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    images = {part["Content-ID"]: part for part in message.walk() if part.get_content_type() == "image/png"}
    for content_id, _, png in rendered.inline_images:
        assert png.startswith(PNG_SIGNATURE) and len(png) < 20_000
        width, height = struct.unpack(">II", png[16:24])
        assert width == 480 and f'width="{width}" height="{height}"' in rendered.html
        assert html.count(f'src="cid:{content_id}"') == 1
        assert images[f"<{content_id}>"].get_payload(decode=True) == png


def test_the_qqrp_panel_shows_quantity_quality_regularity_and_price():
    review = review_sample()[0]
    cluster_id = first_cluster()
    row = review.qqrp.set_index("cluster_id").loc[cluster_id]
    groups = context_of(cluster_id, "fr")["qqrp"]
    assert [g["title"] for g in groups] == ["Quantité", "Qualité", "Régularité", "Prix"]
    values = {item["label"]: item["value"] for group in groups for item in group["items"]}
    assert values["Volume accepté par l'agrégateur"] == measure(row["accepted_kg"], "kg", "fr")
    assert values["Prix moyen payé aux producteurs"] == measure(row["producer_price_xof"], "xof_per_kg", "fr")
    assert values["Ventes conformes aux normes du client"] == f"{number(row['quality_share'] * 100, 'fr', 0)}\u00a0%"


def test_coverage_notes_name_what_lacked_data_and_the_rows_used():
    cluster_id = first_cluster()
    review, _, rows = review_sample()
    mine = review.indicators[review.indicators["cluster_id"] == cluster_id]
    coverage = context_of(cluster_id, "fr")["coverage"]
    assert coverage["scored_text"].startswith(f"{int(mine['score'].notna().sum())} indicateurs notés sur\u00a024")
    assert [item["id"] for item in coverage["insufficient"]] == sorted(mine.loc[mine["score"].isna(), "indicator_id"])
    assert {item["table"] for item in coverage["rows"]} >= {"livraisons"}
    assert counted(rows[cluster_id]["deliveries"], "n_rows", catalogue("fr"), "fr") in {
        i["rows"] for i in coverage["rows"]
    }


def test_alerts_say_what_they_mean_once_per_rule_and_the_footer_names_run_and_grid():
    review = review_sample()[0]
    cluster_id = review.alerts["cluster_id"].value_counts().index[0]
    context = context_of(cluster_id, "fr")
    mine = review.alerts[review.alerts["cluster_id"] == cluster_id]
    critical = set(mine.loc[mine["rule"] == "critical_indicator", "subject"])
    said_twice = int(((mine["rule"] == "sharp_decline_indicator") & mine["subject"].isin(critical)).sum())
    assert len(context["alerts"]) == len(mine) - said_twice, "critical and in sharp decline: one line"
    assert [g["rule"] for g in context["alert_groups"]] == list(dict.fromkeys(a["rule"] for a in context["alerts"]))
    html = rendered_of(cluster_id, "fr").html
    assert html.count("Ce que cela veut dire") == len(context["alert_groups"])
    assert "run-42" in html and review.grid_hash[:12] in html


def test_styles_are_inline_and_nothing_is_fetched_from_outside():
    html = rendered_of(first_cluster()).html
    assert "<style" not in html and "<link" not in html and "<script" not in html
    assert 'style="' in html and "http://" not in html and "https://" not in html


def test_english_when_the_cluster_says_so():
    rendered = rendered_of(first_cluster(), "en")
    assert "The 6 axes against the previous campaign" in rendered.html and "Competitiveness (QQRP)" in rendered.html
    assert "Campagne" not in rendered.html and "Campaign" in rendered.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogues_have_the_same_keys(language):
    folder = Path(i18n.__file__).with_name("i18n")
    keys = {lang: set(yaml.safe_load((folder / f"{lang}.yaml").read_text("utf-8"))) for lang in LANGUAGES}
    assert keys[language] == keys["fr"]
