"""What the officer reads in the Prefect UI (flows/artifacts.py): a review's summary and scores, an intake's
validation summary, in plain French, linked to the site when it has an address; run names and tags (flows/ui.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from flows.artifacts import artifact_key, intake_markdown, plain, previous_overall, review_markdown, review_rows
from flows.ui import dated_name, intake_name, intake_tags, season_name, season_tags
from reports.i18n import catalogue
from reports.site import cluster_page
from tests.unit.test_intake_report import SUMMARY
from tests.unit.test_plain_words import JARGON
from tests.unit.test_reports_dashboard import review_sample

T = catalogue("fr")
SITE = "https://vigie.example.bj/site"


def unescaped(markdown: str) -> str:
    """The markdown as the UI shows its text: escapes removed, links reduced to their words."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown.replace("\\(", "\x00").replace("\\)", "\x01"))
    return (
        re.sub(r"\\(.)", r"\1", text)
        .replace("\x00", "(")
        .replace("\x01", ")")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )


def jargon_in(text: str) -> list[str]:
    return [what for what, pattern in JARGON.items() if pattern.search(text)]


def test_the_review_summary_gives_each_cluster_its_score_level_change_alerts_and_coverage():
    review, clusters, _ = review_sample()
    counts = {"deliveries": {"read": 1200, "accepted": 1190, "rejected": 10}}
    text = unescaped(review_markdown(review, clusters, T, new_alerts=2, counts=counts))
    assert text.startswith(f"# Bilan de la saison {review.campaign}\n")
    assert f"{len(review.overall)} clusters revus · score moyen" in text
    assert "Alertes enregistrées pour la première fois par ce bilan : 2" in text
    for row in review_rows(review, clusters, T):
        line = next(line for line in text.splitlines() if f"| {row['Cluster']} |" in line)
        for header in ("Score global", "Niveau", "Évolution", "Couverture des données", "Filière"):
            assert f"| {row[header]} |" in line, (header, line)
        assert f"| {row['Alertes']} |" in line
    assert "| livraisons | 1\u202f200 | 1\u202f190 | 10 |" in text
    assert "sur le site de Vigie" in text and "https://" not in text
    assert jargon_in(text) == []


def test_the_review_rows_are_ranked_with_the_change_since_the_previous_campaign():
    review, clusters, _ = review_sample()
    rows = review_rows(review, clusters, T)
    assert [row["Rang"] for row in rows] == list(range(1, len(review.overall) + 1))
    scores = [float(row["Score global"].replace(",", ".")) for row in rows]
    assert scores == sorted(scores, reverse=True), "best first"
    before = previous_overall(review)
    assert before, "the sample has earlier campaigns"
    cluster_id, previous = next(iter(before.items()))
    row = next(row for row in rows if row["Identifiant"] == cluster_id)
    score = float(review.overall.set_index("cluster_id").loc[cluster_id, "score"])
    expected = f"{abs(score - previous):.2f}".replace(".", ",")
    assert row["Évolution"].endswith(expected) and row["Évolution"][0] in "+−±"
    assert {f"Axe {a}" for a in range(1, 7)} <= set(row) and row["Tableau de bord"] == ""
    assert row["Niveau"] in {"critique", "fragile", "en progrès", "performant", "pas assez de données"}


def test_with_a_site_address_every_cluster_and_the_programme_view_are_linked():
    review, clusters, _ = review_sample()
    markdown = review_markdown(review, clusters, T, new_alerts=0, site_url=SITE)
    for cluster_id in review.overall["cluster_id"]:
        assert f"]({SITE}/{cluster_page(cluster_id)})" in markdown
    assert f"]({SITE}/index.html)" in markdown and f"]({SITE}/officer.html)" in markdown
    rows = review_rows(review, clusters, T, site_url=SITE)
    assert all(row["Tableau de bord"].startswith(f"{SITE}/cluster-") for row in rows)


def test_a_cluster_name_is_shown_as_text_never_as_markup():
    review, clusters, _ = review_sample()
    first = review.overall["cluster_id"].iloc[0]
    named = clusters.assign(name=clusters["name"].where(clusters["cluster_id"] != first, "<script>x()</script> | *"))
    markdown = review_markdown(review, named, T, new_alerts=0)
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "\\| \\*" in markdown, "a | or * in a name neither splits a cell nor starts emphasis"
    assert "<script>x()</script> | *" in unescaped(markdown)


def test_the_intake_summary_gives_counts_problems_examples_unused_columns_and_its_page():
    summary = {**SUMMARY, "unused_columns": {"deliveries": ["Observations", "GPS"]}}
    link = f"{SITE}/validation/deliveries/page.html"
    markdown = intake_markdown(summary, T, docs_link=link)
    text = unescaped(markdown)
    assert text.startswith("# Dépôt « livraisons_riz.csv » : lu et vérifié\n")
    for said in ("Lignes lues : 120", "Lignes acceptées : 110", "Lignes en quarantaine : 10", "Alerte qualité"):
        assert said in text
    assert text.index("doit être supérieur") < text.index("n'est pas un acteur connu"), "most frequent first"
    assert "ligne 12 : quantity_kg : « -4 » doit être supérieur à 0" in text
    assert "À corriger : Vérifier la quantité : elle doit être positive." in text
    assert "livraisons · colonne(s) du fichier non utilisée(s) : Observations, GPS." in text
    assert f"la page de ce dépôt sur le site de Vigie]({link})" in markdown
    assert "/var/vigie" not in markdown and "z +" not in text


def test_without_a_site_address_the_validation_page_is_named_in_words():
    text = unescaped(intake_markdown(SUMMARY, T))
    assert "rubrique « Contrôles des dépôts »" in text and "](" not in text
    assert jargon_in(text.replace("vigie quarantine export", "")) == []


def test_a_refused_or_repeated_file_says_so():
    refused = {**SUMMARY, "status": "rejected", "reason_code": "empty_file", "reason": "empty", "examples": {}}
    text = unescaped(intake_markdown(refused, T))
    assert "refusé en entier" in text and "Corrigez le fichier puis déposez-le à nouveau." in text
    assert "Problèmes les plus fréquents" not in text
    again = unescaped(intake_markdown({**SUMMARY, "duplicate": True}, T))
    assert "Ce fichier avait déjà été reçu et traité : rien n'a changé." in again


def test_plain_escapes_markdown_and_keys_are_what_prefect_accepts():
    assert plain("a_b *c* [d](e) <i>\n x") == "a\\_b \\*c\\* \\[d\\]\\(e\\) &lt;i&gt; x"
    assert artifact_key("intake", "Livraisons_Zou (2).CSV") == "intake-livraisons-zou-2-csv"
    assert artifact_key("season", "2024-2025", "scores") == "season-2024-2025-scores"
    assert artifact_key("…") == "vigie" and len(artifact_key("x" * 300)) == 100


def test_run_names_say_what_ran():
    assert season_name("2025") == "season-2025" and season_name(None) == "season-latest"
    assert season_name("2025", ["CL-ANA-ZEE-01"]) == "season-2025-CL-ANA-ZEE-01"
    assert season_name("2025", ["a", "b", "c"]) == "season-2025-3-clusters"
    assert intake_name("/srv/inbox/livraisons_zou.csv") == "intake-livraisons_zou.csv"
    assert intake_name(["/x/clusters.csv", "/x/actors.csv"]) == "intake-clusters.csv+1"
    assert intake_name("/srv/envoi-juin/") == "intake-envoi-juin"
    when = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    assert dated_name("deliver", when) == "deliver-2026-12-04-0930", "the officers' time, UTC+1"


def test_tags_name_the_season_value_chains_tables_and_outcome():
    overall = pd.DataFrame({"cluster_id": ["A", "B"], "campaign": ["2024-2025", "2025"]})
    clusters = pd.DataFrame({"cluster_id": ["A", "B", "C"], "value_chain": ["riz", "anacarde", "ananas"]})
    assert season_tags("2025", overall, clusters) == [
        "season:2025", "campaign:2024-2025", "campaign:2025", "value-chain:riz", "value-chain:anacarde",
    ]  # fmt: skip
    summaries = [SUMMARY, {**SUMMARY, "status": "rejected", "tables": [], "campaigns": [], "clusters": []}]
    assert intake_tags(summaries, {"CL-RIZ-ZGB-01": "riz"}) == [
        "table:deliveries", "campaign:2024-2025", "value-chain:riz", "status:validated", "status:rejected",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "entrypoint",
    ["flows.season:season_review", "flows.intake:intake", "flows.delivery:deliver_outbox",
     "flows.monitor:in_season_monitor", "flows.calendars.review:calendar_review"],
)  # fmt: skip
def test_every_flow_parameter_is_described_in_the_custom_run_form_and_every_flow_has_a_time_limit(entrypoint):
    from importlib import import_module

    module, name = entrypoint.split(":")
    flow = getattr(import_module(module), name)
    properties = flow.parameters.model_dump()["properties"]
    assert properties and all(p.get("description") for p in properties.values()), properties
    assert flow.timeout_seconds and flow.timeout_seconds >= 3600
    assert flow.flow_run_name, "a run name that says what ran"


def test_the_io_tasks_have_a_time_limit_the_environment_may_change():
    from flows import intake, reporting, season
    from flows.settings import SettingsError, timeout_seconds

    tasks = [season.read_tables, season.store_review, intake.ingest, intake.read_store, reporting.publish_site]
    assert all(task.timeout_seconds and task.timeout_seconds >= 600 for task in tasks)
    assert timeout_seconds("VIGIE_TASK_TIMEOUT_S", 60, {"VIGIE_TASK_TIMEOUT_S": "7_200"}) == 7200
    assert timeout_seconds("VIGIE_TASK_TIMEOUT_S", 60, {}) == 60
    with pytest.raises(SettingsError, match="VIGIE_TASK_TIMEOUT_S"):
        timeout_seconds("VIGIE_TASK_TIMEOUT_S", 60, {"VIGIE_TASK_TIMEOUT_S": "soon"})


def test_the_value_chains_of_the_tags_come_from_the_store_and_nothing_breaks_without_one(tmp_path):
    from flows.ui import cluster_value_chains

    assert cluster_value_chains(tmp_path / "no-store") == {}
