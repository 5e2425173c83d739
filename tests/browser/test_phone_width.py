"""The HTML of a committee dashboard, an officer digest and a validation report on a 360 px phone in headless
Chromium: nothing wider than the screen, so nobody scrolls sideways. Skipped only where Chromium is absent
outside CI (the `chromium` fixture of test_site_chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.render import committee_html, trend_png
from tests.browser.test_site_chromium import chromium  # noqa: F401 (the fixture)
from tests.unit.test_plain_words import committee, officer, validation

PHONE = 360
WIDTH_JS = "JSON.stringify(document.documentElement.scrollWidth)"


def write_messages(folder: Path) -> dict[str, Path]:
    """Each message's HTML as a page (the dashboard's chart beside it, as the `cid:` image would show)."""
    context = committee()[0]
    (folder / "trend.png").write_bytes(trend_png(context) or b"")
    pages = {
        "committee dashboard": committee_html(context, "trend.png" if context.get("trend") else ""),
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
