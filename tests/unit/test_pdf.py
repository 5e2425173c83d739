"""The printable review for the general assembly: an A4 PDF of one small cluster's dashboard that opens, has
its pages and words, and prints something on its first page; never attached to the message, which links it on
the site (or says whom to ask)."""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pypdf
import pypdfium2

from reports.budget import measure
from reports.pdf import committee_pdf, with_pdf_link
from reports.render import committee_charts
from reports.site import committee_files, pdf_site_path
from tests.unit.test_reports_dashboard import context_of, first_cluster

A4_POINTS = (595, 842)


@cache
def printed(language: str) -> tuple[dict, bytes]:
    """The context and PDF of the sample's first cluster in `language` (made once per language)."""
    context = context_of(first_cluster(), language)
    return context, committee_pdf(context, committee_charts(context))


def text_of(pdf: bytes) -> tuple[int, str, tuple[int, int]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    words = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(words.split()), (round(float(box.width)), round(float(box.height)))


def test_the_pdf_opens_on_a4_pages_with_the_review_in_french():
    context, pdf = printed("fr")
    pages, words, size = text_of(pdf)
    assert 2 <= pages <= 4 and size == A4_POINTS
    for expected in (context["cluster"]["name"], "Score global", "Les 24 indicateurs", "Compétitivité (QQRP)"):
        assert expected in words, f"{expected!r} missing from the PDF"
    assert all(item["label"].split()[0] in words for item in context["indicators"])
    assert f"{pages} / {pages}" in words  # page numbers in the footer


def test_the_first_page_prints_text_and_the_pages_carry_the_charts():
    _, pdf = printed("fr")
    document = pypdfium2.PdfDocument(pdf)
    pixels = np.asarray(document[0].render(scale=0.5).to_pil().convert("L"))
    inked = (pixels < 200).mean()
    assert 0.01 < inked < 0.5, f"{inked:.1%} of the first page is inked"
    colours = np.concatenate(
        [np.asarray(page.render(scale=0.5).to_pil().convert("RGB")).reshape(-1, 3) for page in document]
    )
    # the priorities and the plan come first; the charts' colours (Okabe-Ito) follow on the first pages
    assert (np.ptp(colours, axis=1) > 60).mean() > 0.002 / len(document), "the charts' colours are printed"
    assert sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 3, "the three charts"


def test_english_when_the_cluster_asks():
    _, pdf = printed("en")
    words = text_of(pdf)[1]
    assert "Overall score" in words and "The 24 indicators" in words and "Score global" not in words


def test_the_message_links_the_printable_review_on_the_site_and_never_attaches_it():
    context = context_of(first_cluster(), "fr")
    charts, csv = committee_charts(context), b"a;b\r\n1;2\r\n"
    link = "https://vigie.example.bj/site/" + pdf_site_path(context)
    linked = with_pdf_link(context, csv, charts, True, link)
    assert all(a[1] != "application/pdf" and not a[0].endswith(".pdf") for a in linked.attachments)
    assert f'href="{link}"' in linked.html and link in linked.text and "sur le site du suivi" in linked.text
    assert "joint" not in context["t"]["pdf_on_site"] and measure(linked).fits()
    asked = with_pdf_link(context, csv, charts, True, None)
    assert "demandez-en l'adresse à votre chargé de suivi" in asked.text and "/site/" not in asked.html
    assert all(a[1] != "application/pdf" for a in asked.attachments)
    bare = with_pdf_link(context, csv, charts, False, link)
    assert "Le bilan imprimable" not in bare.html + bare.text and link not in bare.html  # none printed: not mentioned


def test_an_english_message_links_its_review_in_english():
    context = context_of(first_cluster(), "en")
    link = "https://vigie.example.bj/site/" + pdf_site_path(context)
    linked = with_pdf_link(context, b"a,b\r\n", committee_charts(context), True, link)
    assert "The printable review" in linked.text and link in linked.text and "Le bilan" not in linked.text


def test_the_site_publishes_the_pdf_and_links_it_from_the_cluster_page():
    context = context_of(first_cluster(), "fr")
    files, _ = committee_files(context, committee_charts(context), b"%PDF-1.7 x")
    path = pdf_site_path(context)
    assert files[path] == b"%PDF-1.7 x"
    page = next(v for k, v in files.items() if k.endswith(".html")).decode("utf-8")
    assert f'href="{path}"' in page
    files, _ = committee_files(context, committee_charts(context))
    assert not any(k.endswith(".pdf") for k in files)
    files, _ = committee_files(context, committee_charts(context), pdf_later=True)  # printed after the site
    page = next(v for k, v in files.items() if k.endswith(".html")).decode("utf-8")
    assert f'href="{path}"' in page and not any(k.endswith(".pdf") for k in files)


def test_vigie_pdf_off_makes_no_printable_review(tmp_path, monkeypatch):
    from flows.printing import printable_reviews
    from flows.settings import load_settings

    assert load_settings({"VIGIE_HOME": str(tmp_path)}).pdf_reports
    for off in ("off", "0", "No"):
        assert not load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_PDF": off}).pdf_reports
    monkeypatch.setenv("VIGIE_HOME", str(tmp_path))
    monkeypatch.setenv("VIGIE_PDF", "off")
    context = context_of(first_cluster(), "fr")
    assert printable_reviews.fn(load_settings(), {"A": context}, {}) == []
    assert not (tmp_path / "site").exists()
