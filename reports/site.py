"""The static site under VIGIE_HOME/site: an index, one page per cluster, the officers' page; no outside resource."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from reports.charts import Chart
from reports.i18n import catalogue
from reports.render import chart_images, committee_charts, committee_html, environment, officer_html

MANIFEST = "manifest.json"
INDEX = "index.html"
OFFICER_PAGE = "officer.html"
VALIDATION_PAGE = "validation/index.html"
"""The submissions' Data Docs (Great Expectations), built inside the site by intake (Settings.data_docs_dir)."""


def slug(cluster_id: str) -> str:
    """A file-name-safe form of a cluster id (a short hash keeps two ids that clean up alike apart)."""
    clean = re.sub(r"[^A-Za-z0-9_-]+", "-", str(cluster_id)).strip("-")[:60] or "cluster"
    if clean != str(cluster_id):
        clean += "-" + hashlib.sha256(str(cluster_id).encode("utf-8")).hexdigest()[:8]
    return clean


def cluster_page(cluster_id: str) -> str:
    """The relative path of a cluster's page."""
    return f"cluster-{slug(cluster_id)}.html"


def committee_files(
    context: dict, charts: tuple[Chart, ...] | None = None, pdf: bytes | None = None, pdf_later: bool = False
) -> tuple[dict[str, bytes], dict]:
    """A committee dashboard as site files (page, charts drawn here unless given, the printable review when given)
    and its entry in the index; `pdf_later`: the page links the printable review, published after the site."""
    name = slug(context["cluster"]["cluster_id"])
    charts = committee_charts(context) if charts is None else charts
    images = chart_images(charts, lambda chart: f"img/{name}-{chart.filename}")
    pdf_path = pdf_site_path(context) if pdf or pdf_later else ""
    files = {cluster_page(context["cluster"]["cluster_id"]): committee_html(
        context, images, back_link=INDEX, pdf_link=pdf_path).encode("utf-8")}  # fmt: skip
    files.update({images[chart.name]["src"]: chart.png for chart in charts})
    if pdf:
        files[pdf_path] = pdf
    entry = {
        "cluster_id": context["cluster"]["cluster_id"],
        "name": context["cluster"]["name"],
        "campaign": context["campaign"],
        "score_text": context["overall"]["score_text"],
        "level_label": context["overall"]["level_label"],
        "colour": context["overall"]["colour"],
        "page": cluster_page(context["cluster"]["cluster_id"]),
    }
    return files, entry


def pdf_site_path(context: dict) -> str:
    """Where a cluster's printable review sits in the site, relative to its root."""
    return f"pdf/{slug(context['cluster']['cluster_id'])}-{slug(context['campaign'])}.pdf"


def officer_files(context: dict) -> dict[str, bytes]:
    """The officers' dashboard as a site page (every cluster, linked to its page)."""
    return {OFFICER_PAGE: officer_html(context, back_link=INDEX).encode("utf-8")}


def index_html(
    entries: list[dict],
    has_officer_page: bool,
    language: str = "fr",
    now: datetime | None = None,
    has_validation: bool = False,
) -> str:
    """The site's front page: every cluster's latest dashboard, the officers' page, the submissions' checks."""
    t = catalogue(language)
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M")
    return (
        environment()
        .get_template("site_index.html.j2")
        .render(
            lang=language,
            t=t,
            entries=sorted(entries, key=lambda e: (str(e["name"]), str(e["cluster_id"]))),
            officer_page=OFFICER_PAGE if has_officer_page else "",
            validation_page=VALIDATION_PAGE if has_validation else "",
            updated=t["site_updated"].format(when=when),
        )
    )


class Folder:
    """A site in a local folder (the default); flows may give `write_site` any object with the same four methods,
    such as a site in the store's bucket (warehouse/site_store.py)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def where(self, relative: str) -> Path:
        return self.root / relative

    def read(self, relative: str) -> bytes | None:
        try:
            return (self.root / relative).read_bytes()
        except OSError:
            return None

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def write(self, relative: str, payload: bytes) -> None:
        _write(self.root / relative, payload)


def write_site(root, files: dict[str, bytes], entries: list[dict], language: str = "fr") -> Path | str:
    """Write the pages (each atomically), merge their entries into the manifest, rewrite the index; return it.
    `root` is a folder, or a published site's files (`where`, `read`, `exists`, `write`, as `Folder`)."""
    site = Folder(root) if isinstance(root, Path) else root
    known = {e["cluster_id"]: e for e in _read_manifest(site.read(MANIFEST))}
    known.update({e["cluster_id"]: e for e in entries})
    for relative, payload in files.items():
        site.write(relative, payload)
    site.write(MANIFEST, json.dumps(sorted(known.values(), key=lambda e: e["cluster_id"]), ensure_ascii=False,
                                    indent=1).encode("utf-8"))  # fmt: skip
    page = index_html(list(known.values()), site.exists(OFFICER_PAGE), language,
                      has_validation=site.exists(VALIDATION_PAGE))  # fmt: skip
    site.write(INDEX, page.encode("utf-8"))
    return site.where(INDEX)


def _read_manifest(data: bytes | None) -> list[dict]:
    try:
        entries = json.loads(data or b"")
    except ValueError:
        return []
    return [e for e in entries if isinstance(e, dict) and "cluster_id" in e] if isinstance(entries, list) else []


def _write(path: Path, payload: bytes) -> None:
    """Write a file atomically: a reader sees the old page or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
