"""The officers' validation report: French, short, the counts, the most frequent problems with example rows and
what to fix; a refused file says why. Rendered from the real templates."""

from __future__ import annotations

from reports.i18n import catalogue
from reports.render import environment
from validations.report import report_context, subject

SUMMARY = {
    "submission_id": "5f0c2b1e-0000-4000-8000-000000000001",
    "file": "livraisons_riz.csv",
    "status": "validated",
    "rows_read": 120,
    "rows_accepted": 110,
    "rows_quarantined": 10,
    "rows_warned": 2,
    "duplicate": False,
    "tables": ["deliveries"],
    "clusters": ["CL-RIZ-ZGB-01"],
    "campaigns": ["2024-2025"],
    "problems": {"above": 6, "unknown_actor": 4, "outlier": 2},
    "examples": {
        "above": [{"row_number": 12, "column": "quantity_kg", "value": "-4", "detail": "0"}],
        "unknown_actor": [{"row_number": 40, "column": "supplier_actor_id", "value": "A-9", "detail": "CL-RIZ-ZGB-01"}],
        "outlier": [{"row_number": 77, "column": "quantity_kg", "value": 9000.0, "detail": "300 / z +6.1"}],
    },
    "expectations": [
        {
            "table": "deliveries",
            "success": False,
            "unexpected_percent": 61.5,
            "notes": "completeness: lots",
            "notes_fr": "complétude : au moins la moitié des livraisons portent un numéro de lot",
        },
    ],  # fmt: skip
    "data_docs": "/var/vigie/data_docs/index.html",
}


def render(summary: dict, docs_link: str | None = None) -> tuple[str, str, str]:
    t = catalogue("fr")
    context = report_context(summary, t, docs_link=docs_link)
    env = environment()
    return (
        subject(summary, t),
        env.get_template("validation.txt.j2").render(**context),
        env.get_template("validation.html.j2").render(**context),
    )


def test_the_report_tells_counts_problems_examples_and_what_to_fix_in_french():
    title, text, html = render(SUMMARY)
    assert title == "Vigie · validation de « livraisons_riz.csv » : 110 lignes acceptées, 10 en quarantaine"
    assert "Lignes en quarantaine : 10" in text and "Alerte qualité" in text
    assert "ligne 12 : quantity_kg : « -4 » doit être supérieur à 0" in text
    assert text.index("doit être supérieur") < text.index("n'est pas un acteur connu"), "most frequent first"
    assert "Vérifier la quantité : elle doit être positive." in text
    assert "vigie quarantine export --submission 5f0c2b1e" in text
    assert "livraisons · complétude : au moins la moitié des livraisons portent un numéro de lot" in text
    assert "non satisfait (61,5\u00a0% des lignes en écart)" in text
    assert "Table(s) : livraisons" in text and "deliveries" not in text + html
    assert "médiane du groupe 300)" in text and "z +" not in text + html
    assert "(6\u00a0lignes)" in text and "(2\u00a0lignes)" in text
    assert "/var/vigie" not in text + html and "data_docs" not in text + html, "no path on the officer's disk"
    assert "rubrique « Contrôles des dépôts »" in text
    assert "&lt;" not in text and "<li>ligne 12" in html
    assert len(text) < 4000, "a short report"


def test_the_data_docs_are_a_link_on_the_published_site():
    link = "https://vigie.example.bj/validation/validations/deliveries/page.html"
    _, text, html = render(SUMMARY, docs_link=link)
    assert f'<a href="{link}"' in html and "la page de ce dépôt sur le site de Vigie</a>" in html
    assert link in text


def test_the_settings_build_site_links_only_inside_the_site(tmp_path):
    from flows.settings import load_settings

    settings = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_SITE_URL": "https://vigie.example.bj/site/"})
    page = settings.data_docs_dir / "validations" / "deliveries" / "run 1" / "page.html"
    assert (
        settings.site_link(page) == "https://vigie.example.bj/site/validation/validations/deliveries/run%201/page.html"
    )
    assert settings.site_link(tmp_path / "vigie.db") is None
    assert load_settings({"VIGIE_HOME": str(tmp_path)}).site_link(page) is None


def test_a_refused_file_says_why_and_what_to_do():
    refused = {
        **SUMMARY,
        "status": "rejected",
        "rows_read": 0,
        "rows_accepted": 0,
        "rows_quarantined": 0,
        "reason": "required column(s) missing for the table deliveries: accepted_kg",
        "reason_code": "missing_columns",
        "examples": {
            "missing_columns": [{"detail": {"table": "deliveries", "columns": "accepted_kg", "found": "id, qte"}}]
        },
        "expectations": [],
        "data_docs": None,
    }
    title, text, html = render(refused)
    assert title == "Vigie · fichier refusé : « livraisons_riz.csv »"
    assert "absente(s) pour la table livraisons : accepted_kg. Colonnes trouvées : id, qte." in text
    assert "Corrigez le fichier puis déposez-le à nouveau." in text and "refusé en entier" in html


def test_every_problem_and_refusal_has_words_in_both_languages():
    from schemas.readers.refusal import REFUSALS
    from validations.problems import TEXTS

    for language in ("fr", "en"):
        t = catalogue(language)
        assert {f"problem_{code}" for code in TEXTS} <= set(t)
        assert {f"fix_{code}" for code in TEXTS} <= set(t)
        assert {f"refusal_{code}" for code in REFUSALS} <= set(t)


def test_a_poor_submission_raises_one_data_quality_alert_per_cluster():
    from flows.intake import quality_alerts

    alerts = quality_alerts({**SUMMARY, "clusters": ["CL-1", "CL-2"]})
    assert alerts["rule"].tolist() == ["data_quality"] * 2 and alerts["cluster_id"].tolist() == ["CL-1", "CL-2"]
    assert alerts["value"].tolist() == [8.33, 8.33] and alerts["campaign"].tolist() == ["2024-2025"] * 2
    assert alerts["subject"].iloc[0] == "livraisons_riz.csv (5f0c2b1e)"
    assert quality_alerts({**SUMMARY, "rows_quarantined": 6}).empty, "5 % or less raises nothing"
    assert quality_alerts({**SUMMARY, "duplicate": True}).empty, "a file sent twice raises nothing twice"


def test_the_expectations_sample_is_evenly_spaced_across_batches():
    import numpy as np
    import pyarrow as pa

    from validations.expectations import sample

    rows = pa.Table.from_batches([pa.record_batch({"n": np.arange(i * 1000, (i + 1) * 1000)}) for i in range(7)])
    picked = sample(rows, limit=100).column("n").to_pylist()
    assert picked == [int(i * 70) for i in range(100)]  # every 70th row of 7,000, across the 7 batches
    assert sample(rows, limit=10_000) is rows


def test_a_single_file_report_reads_as_before_the_batch_digest_existed():
    from flows.intake_report import render_single

    title, text, html = render(SUMMARY)
    rendered = render_single(SUMMARY, catalogue("fr"))
    assert (rendered.subject, rendered.text, rendered.html) == (title, text, html)
    assert (
        "Dépôt : " + SUMMARY["submission_id"][:8] in text and "ligne 12" in text
    )  # the short id; the full one in the footer
    assert SUMMARY["submission_id"] in text.rsplit("--", 1)[1]


def test_a_batch_digest_lists_each_file_and_a_large_batch_stays_within_the_limits():
    from flows.intake_report import batch_scope, render_batch
    from reports.budget import measure

    t = catalogue("fr")
    refused = {**SUMMARY, "submission_id": "5f0c2b1e-0000-4000-8000-000000000002", "file": "vide.csv",
               "status": "rejected", "reason": "empty", "reason_code": "empty_file", "rows_read": 0,
               "rows_accepted": 0, "rows_quarantined": 0}  # fmt: skip
    batch = [SUMMARY, refused]
    assert batch_scope(batch) == batch_scope(batch[::-1]) != batch_scope(batch[:1]), "stable, order aside"
    rendered = render_batch(batch, batch_scope(batch), t)
    assert "2 fichiers : 1 validés, 1 refusés ; 110 lignes retenues, 10 mises en quarantaine." in rendered.text
    assert "Fichier : livraisons_riz.csv" in rendered.text and "Fichier : vide.csv" in rendered.text
    assert "ligne 12" in rendered.text and t["validation_refused_intro"] in rendered.text

    many = [{**SUMMARY, "submission_id": f"5f0c2b1e-0000-4000-8000-{n:012d}", "file": f"f{n}.csv"} for n in range(300)]
    big = render_batch(many, batch_scope(many), t)
    assert measure(big).fits() and all(f"- f{n}.csv (" in big.text for n in range(300)), "every file is listed"
