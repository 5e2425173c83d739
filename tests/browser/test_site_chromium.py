"""The static site in headless Chromium: every page reachable from the index renders with no console error,
loads only local files, and shows its images. Skipped only where Chromium is absent outside CI."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.browser.cdp import Chromium, find_chromium
from tests.unit.test_reports_dashboard import review_sample
from tests.unit.test_site import build_sample_site

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def chromium():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required under CI (.ci/run installs the Debian package `chromium`)")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); under CI this test fails instead")
    with Chromium(executable) as browser:
        yield browser


def crawl(browser: Chromium, index: Path) -> dict[str, object]:
    """Open the index and every page linked from a page already opened; page file name -> report."""
    reports, waiting = {}, [index]
    while waiting:
        page = waiting.pop()
        if page.name in reports:
            continue
        report = browser.open(page.as_uri())
        reports[page.name] = report
        waiting.extend(page.parent / link for link in report.links if (page.parent / link).suffix == ".html")
    return reports


def test_every_page_renders_cleanly_with_its_images(chromium, tmp_path):
    index = build_sample_site(tmp_path / "site")
    reports = crawl(chromium, index)
    expected = {p.name for p in (tmp_path / "site").glob("*.html")}
    assert set(reports) == expected, "every page is reachable from the index"
    for name, report in reports.items():
        assert report.errors == [], f"{name}: console errors {report.errors}"
        assert report.failed == [], f"{name}: failed loads {report.failed}"
        assert all(urlparse(url).scheme == "file" for url in report.requested), f"{name}: {report.requested}"
        for src, complete, width in report.images:
            assert complete and width > 0, f"{name}: image {src} did not load"
        for link in report.links:
            assert (index.parent / unquote(link)).is_file(), f"{name}: broken link {link}"
    charts = [r for n, r in reports.items() if n.startswith("cluster-")]
    assert charts and all(len(r.images) == 3 and {i[2] for i in r.images} == {480} for r in charts)


def test_the_check_would_see_a_broken_image_and_a_console_error(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><img src="missing.png" alt="x"><script>console.error("boom")</script>', "utf-8")
    report = chromium.open(page.as_uri())
    assert any("boom" in error for error in report.errors)
    assert any("ERR_FILE_NOT_FOUND" in error for error in report.errors) and report.failed
    assert report.images == [("missing.png", True, 0)]


def test_a_hostile_cluster_name_is_text_in_the_browser(chromium, tmp_path):
    cluster_id = sorted(review_sample()[0].overall["cluster_id"])[-1]
    build_sample_site(tmp_path / "site", **{cluster_id: {"name": HOSTILE}})
    report = chromium.open((tmp_path / "site" / f"cluster-{cluster_id}.html").as_uri())
    assert report.dialogs == [] and report.errors == []
    assert chromium.evaluate("JSON.stringify([document.scripts.length, document.querySelector('h1').textContent])") == [
        0, HOSTILE,
    ]  # fmt: skip
