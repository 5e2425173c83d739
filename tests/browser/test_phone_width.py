"""The HTML of a committee dashboard, an officer digest and a validation report on a 360 px phone in headless
Chromium: nothing wider than the screen, so nobody scrolls sideways. Skipped only where Chromium is absent
outside CI (the `chromium` fixture of test_site_chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.render import chart_images, committee_charts, committee_html
from tests.browser.test_site_chromium import chromium  # noqa: F401 (the fixture)
from tests.unit.test_plain_words import committee, officer, validation

PHONE = 360
WIDTH_JS = "JSON.stringify(document.documentElement.scrollWidth)"


def write_messages(folder: Path) -> dict[str, Path]:
    """Each message's HTML as a page (the dashboard's charts beside it, as the `cid:` images would show)."""
    context = committee()[0]
    charts = committee_charts(context)
    for chart in charts:
        (folder / chart.filename).write_bytes(chart.png)
    pages = {
        "committee dashboard": committee_html(context, chart_images(charts, lambda chart: chart.filename)),
        "officer digest": officer()[1].html,
        "validation report": validation()[1].html,
    }
    paths = {}
    for kind, html in pages.items():
        paths[kind] = folder / f"{kind.replace(' ', '-')}.html"
        paths[kind].write_text(html, encoding="utf-8")
    return paths


@pytest.mark.parametrize("kind", ["committee dashboard", "officer digest", "validation report"])
def test_the_message_fits_a_360_px_phone(chromium, tmp_path, kind):  # noqa: F811
    page = write_messages(tmp_path)[kind]
    report = chromium.open(page.as_uri(), width=PHONE, height=800)
    assert report.errors == [], report.errors
    width = chromium.evaluate(WIDTH_JS)
    assert width <= PHONE, f"{kind}: {width} px wide on a {PHONE} px screen (horizontal scroll)"


def test_the_check_sees_a_page_wider_than_the_phone(chromium, tmp_path):  # noqa: F811
    page = tmp_path / "wide.html"
    page.write_text('<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1">'
                    '<table style="width:600px"><tr><td>x</td></tr></table>', "utf-8")  # fmt: skip
    chromium.open(page.as_uri(), width=PHONE, height=800)
    assert chromium.evaluate(WIDTH_JS) > PHONE


CHARTS_JS = (
    "JSON.stringify(Array.from(document.images).map(i => [i.getAttribute('src'), i.getAttribute('alt'),"
    " i.complete, i.naturalWidth, Math.round(i.getBoundingClientRect().right)]))"
)


def test_each_chart_reads_on_a_360_px_phone_with_its_figures_in_words(chromium, tmp_path):  # noqa: F811
    context = committee()[0]
    page = write_messages(tmp_path)["committee dashboard"]
    chromium.open(page.as_uri(), width=PHONE, height=800)
    shown = {
        src: (alt, complete, natural, right) for src, alt, complete, natural, right in chromium.evaluate(CHARTS_JS)
    }
    assert set(shown) == {"axes.png", "overall.png", "qqrp.png"}
    for spec in context["charts"]:
        alt, complete, natural, right = shown[f"{spec['name']}.png"]
        assert complete and natural == 480 and right <= PHONE, f"{spec['name']}: not loaded or wider than the phone"
        words = [*spec["groups"], *(t for s in spec.get("series", []) for t in s["texts"])]
        words += [t for p in spec.get("panels", []) for s in p["series"] for t in (s["label"], *s["texts"])]
        assert all(word in alt for word in words), f"{spec['name']}: a label or a figure is missing from its alt text"
    assert chromium.evaluate(WIDTH_JS) <= PHONE
