"""The published site (dashboards, the officers' page, printable reviews, the submissions' validation pages) at
VIGIE_SITE_STORE_URL: a local folder (`$VIGIE_HOME/site` by default) or a folder of the store's bucket
(`s3://bucket/vigie/site`), written through the same pyarrow filesystem as the store, so that every worker
publishes to, and reads back from, one place.

    <site>/index.html, cluster-*.html, officer.html, img/, pdf/, officer-data.json
    <site>/validation/...   Great Expectations' pages, built in the worker's own folder and then copied here

A page is replaced whole: a local file is written aside and renamed in place; an S3 object is put whole."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow.fs as pafs

from warehouse.store_fs import filesystem
from warehouse.store_url import Location, RemoteStore


class SiteFiles:
    """The files of a published site, by their path relative to its root (`pdf/x.pdf`)."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.fs, self.base = filesystem(location)

    def where(self, relative: str) -> Path | str:
        """A file's place: a local path, or its s3:// URL."""
        if isinstance(self.location, RemoteStore):
            return f"{self.location.url}/{relative}"
        return Path(self.base) / relative

    def read(self, relative: str) -> bytes | None:
        """A file's bytes (None when there is no such file)."""
        try:
            with self.fs.open_input_stream(f"{self.base}/{relative}") as stream:
                return stream.read()
        except (FileNotFoundError, OSError):
            return None

    def names(self, under: str) -> list[str]:
        """The names of the files directly in the site's folder `under` (`pdf`), sorted; none without it."""
        found = self.fs.get_file_info(pafs.FileSelector(f"{self.base}/{under}", allow_not_found=True))
        return sorted(info.base_name for info in found if info.type == pafs.FileType.File)

    def exists(self, relative: str) -> bool:
        return self.fs.get_file_info(f"{self.base}/{relative}").type == pafs.FileType.File

    def write(self, relative: str, payload: bytes) -> None:
        """Put a file whole: a reader sees the old one or the new one, never half of one."""
        path = f"{self.base}/{relative}"
        self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        if isinstance(self.location, RemoteStore):  # an S3 object appears whole when its upload completes
            with self.fs.open_output_stream(path) as stream:
                stream.write(payload)
            return
        temporary = f"{path}.{uuid.uuid4().hex[:8]}.part"
        try:
            with self.fs.open_output_stream(temporary) as stream:
                stream.write(payload)
            os.chmod(temporary, 0o644)
            self.fs.move(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def publish_folder(folder: Path, location: Location, under: str, since_ns: int = 0) -> int:
    """Copy the files of `folder` changed since `since_ns` (a time.time_ns()) to `under/` in the site at
    `location`; how many were copied. Nothing is copied when the site is `folder`'s own parent folder."""
    site = SiteFiles(location)
    if not isinstance(location, RemoteStore) and Path(location).resolve() / under == folder.resolve():
        return 0
    copied = 0
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and not path.name.endswith(".part") and path.stat().st_mtime_ns >= since_ns:
            site.write(f"{under}/{path.relative_to(folder).as_posix()}", path.read_bytes())
            copied += 1
    return copied
