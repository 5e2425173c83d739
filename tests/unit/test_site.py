"""The static site: an index, one page per cluster, the officers' page; relative links, no outside resource."""

from __future__ import annotations

import json
import re
from pathlib import Path

from indicators import LEVELS
from reports.officer_context import cluster_table, officer_context
from reports.site import INDEX, OFFICER_PAGE, cluster_page, committee_files, officer_files, slug, write_site
from tests.unit.test_reports_dashboard import context_of, review_sample

URL_ATTRIBUTE = re.compile(r'(?:href|src)="([^"]*)"')


def build_sample_site(root: Path, **changes) -> Path:
    """Write the site of the sample review under `root` (as the reporting flow does); return the index."""
    review, clusters, _ = review_sample()
    files, entries = {}, []
    for cluster_id in sorted(review.overall["cluster_id"]):
        pages, entry = committee_files(context_of(cluster_id, **changes.get(cluster_id, {})))
        files.update(pages)
        entries.append(entry)
    table = cluster_table(review.overall, review.axes, review.alerts, clusters)
    links = {c: cluster_page(c) for c in table["cluster_id"]}
    files.update(officer_files(officer_context(table, review.campaign, "run-1", review.grid_hash, LEVELS, links=links)))
    return write_site(root, files, entries)


def test_the_site_has_an_index_a_page_per_cluster_and_the_officers_page(tmp_path):
    index = build_sample_site(tmp_path)
    review = review_sample()[0]
    pages = {p.name for p in tmp_path.glob("*.html")}
    assert pages == {INDEX, OFFICER_PAGE} | {cluster_page(c) for c in review.overall["cluster_id"]}
    html = index.read_text("utf-8")
    assert all(f'href="{cluster_page(c)}"' in html for c in review.overall["cluster_id"])
    assert f'href="{OFFICER_PAGE}"' in html
    assert len(list((tmp_path / "img").glob("*.png"))) == 3 * len(review.overall)  # axes, overall score, QQRP


def test_every_link_and_image_is_relative_and_exists(tmp_path):
    build_sample_site(tmp_path)
    for page in tmp_path.glob("*.html"):
        html = page.read_text("utf-8")
        assert "<link" not in html and "<script" not in html and "@import" not in html
        for target in URL_ATTRIBUTE.findall(html):
            assert not re.match(r"^[a-z]+:|^//|^/", target), f"{page.name}: {target} is not relative"
            assert (tmp_path / target).is_file(), f"{page.name}: {target} does not exist"


def test_a_cluster_page_is_its_committee_dashboard_and_nothing_of_the_others(tmp_path):
    build_sample_site(tmp_path)
    review, clusters, _ = review_sample()
    for cluster in clusters.to_dict("records"):
        html = (tmp_path / cluster_page(cluster["cluster_id"])).read_text("utf-8")
        assert cluster["cluster_id"] in html or cluster["name"] in html
        for other in clusters.to_dict("records"):
            if other["cluster_id"] != cluster["cluster_id"]:
                assert other["cluster_id"] not in html and other["name"] not in html


def test_a_later_review_of_one_cluster_keeps_the_others_in_the_index(tmp_path):
    build_sample_site(tmp_path)
    first = sorted(review_sample()[0].overall["cluster_id"])[0]
    pages, entry = committee_files(context_of(first, name="Nouveau nom"))
    write_site(tmp_path, pages, [entry])
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert len(manifest) == len(review_sample()[0].overall)
    assert "Nouveau nom" in (tmp_path / INDEX).read_text("utf-8")


def test_hostile_cluster_ids_make_safe_distinct_file_names():
    names = {slug(x) for x in ("../../etc/passwd", "<script>", "a b", "a-b", "CL-01")}
    assert len(names) == 5 and all(re.fullmatch(r"[A-Za-z0-9_-]+", n) for n in names)
    assert slug("CL-01") == "CL-01"
