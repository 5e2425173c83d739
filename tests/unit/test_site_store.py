"""The published site at VIGIE_SITE_STORE_URL: the pages, the manifest and the validation pages written through
the store's filesystem, in a local folder or in the S3 bucket, and read back by another worker."""

from __future__ import annotations

import json
import uuid

import pytest

from flows.settings import SettingsError, load_settings
from reports.site import INDEX, MANIFEST, write_site
from warehouse.site_store import SiteFiles, publish_folder
from warehouse.store_url import RemoteStore


def entry(cluster_id: str) -> dict:
    return {"cluster_id": cluster_id, "name": f"Cluster {cluster_id}", "campaign": "2025", "score_text": "61",
            "level_label": "moyen", "colour": "#888", "page": f"cluster-{cluster_id}.html"}  # fmt: skip


def two_workers_publish(site: SiteFiles) -> dict:
    """Worker A publishes cluster A's page, then worker B (its own object, nothing shared but the place) cluster
    B's: the index and manifest hold both."""
    write_site(site, {"cluster-A.html": b"<p>A</p>"}, [entry("A")])
    other = SiteFiles(site.location)
    index = write_site(other, {"cluster-B.html": b"<p>B</p>"}, [entry("B")])
    return {"index": index, "manifest": json.loads(other.read(MANIFEST)), "page": other.read(INDEX).decode()}


def test_the_site_in_a_folder_keeps_every_workers_clusters(tmp_path):
    found = two_workers_publish(SiteFiles(tmp_path / "site"))
    assert [e["cluster_id"] for e in found["manifest"]] == ["A", "B"]
    assert "Cluster A" in found["page"] and "Cluster B" in found["page"]
    assert found["index"] == tmp_path / "site" / INDEX and not list((tmp_path / "site").glob("*.part"))
    assert SiteFiles(tmp_path / "site").names(".") == sorted(p.name for p in (tmp_path / "site").iterdir())


@pytest.mark.s3
def test_the_site_in_the_bucket_keeps_every_workers_clusters_and_takes_the_validation_pages(
    s3_store, tmp_path, monkeypatch
):
    site_url = s3_store.rsplit("/", 1)[0] + "/site"
    monkeypatch.setenv("VIGIE_SITE_STORE_URL", site_url)
    settings = load_settings()
    assert isinstance(settings.site_store, RemoteStore) and settings.site_store.url == site_url
    assert settings.site_store.options == settings.store_dir.options, "reached with the store's credentials"
    found = two_workers_publish(SiteFiles(settings.site_store))
    assert found["index"] == f"{site_url}/{INDEX}"
    assert [e["cluster_id"] for e in found["manifest"]] == ["A", "B"]
    assert not (settings.site_dir / INDEX).exists(), "nothing in the worker's own folder"
    site = SiteFiles(settings.site_store)
    site.write("pdf/bilan_A_2025.pdf", b"%PDF-1.7")
    assert site.names("pdf") == ["bilan_A_2025.pdf"] and site.names("nothing-here") == []

    docs = settings.data_docs_dir
    (docs / "validations").mkdir(parents=True)
    (docs / "index.html").write_text("docs")
    (docs / "validations" / "page.html").write_text("detail")
    assert publish_folder(docs, settings.site_store, "validation") == 2
    site = SiteFiles(settings.site_store)
    assert site.read("validation/validations/page.html") == b"detail" and site.exists("validation/index.html")
    assert publish_folder(docs, settings.site_store, "validation", since_ns=10**20) == 0, "only what changed"


def test_a_local_site_is_where_the_pages_are_built_and_is_not_copied_onto_itself(vigie_home):
    settings = load_settings()
    assert settings.site_store == settings.site_dir
    settings.data_docs_dir.mkdir(parents=True)
    (settings.data_docs_dir / "index.html").write_text("docs")
    assert publish_folder(settings.data_docs_dir, settings.site_store, "validation") == 0


def test_a_site_url_vigie_cannot_use_is_refused_naming_the_variable(vigie_home, monkeypatch):
    monkeypatch.setenv("VIGIE_SITE_STORE_URL", f"gs://bucket/{uuid.uuid4().hex}")
    with pytest.raises(SettingsError, match="VIGIE_SITE_STORE_URL"):
        load_settings()
