"""How the store's files are reached, on a local disk or in an S3 bucket: one pyarrow filesystem for the partition
files, the same place and credentials for Delta Lake's logs (delta-rs reads S3 through its own client)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from warehouse.store_url import Location, RemoteStore


def filesystem(root: str | Location) -> tuple[pafs.FileSystem, str]:
    """The filesystem the store lives on and the store's own path on it (`bucket/prefix` on S3)."""
    if isinstance(root, RemoteStore):
        return _s3(tuple(sorted(root.options.items()))), root.url.removeprefix("s3://")
    return pafs.LocalFileSystem(), str(Path(root))


@cache
def _s3(options: tuple[tuple[str, str], ...]) -> pafs.S3FileSystem:
    given = dict(options)
    endpoint = urlsplit(given.get("aws_endpoint_url", ""))
    return pafs.S3FileSystem(
        access_key=given.get("aws_access_key_id"),
        secret_key=given.get("aws_secret_access_key"),
        session_token=given.get("aws_session_token"),
        region=given.get("aws_region", "us-east-1"),
        endpoint_override=endpoint.netloc or None,
        scheme=endpoint.scheme or "https",
        connect_timeout=10,
        request_timeout=60,
    )


def table_uri(root: str | Location, table: str) -> str:
    """The URI of one table's Delta Lake folder (a local path or `s3://bucket/prefix/table`)."""
    return f"{root.url}/{table}" if isinstance(root, RemoteStore) else str(Path(root) / table)


def delta_options(root: str | Location) -> dict[str, str] | None:
    """The storage options delta-rs needs for the store (None on a local disk). S3 commits are made safe by S3's
    conditional writes (delta-rs 1.x puts each log entry only if absent): no lock table is needed."""
    if not isinstance(root, RemoteStore):
        return None
    return {key.upper(): value for key, value in root.options.items()}


def is_remote(root: str | Location) -> bool:
    """Whether the store is in a bucket (no local lock: writers rely on the format's own concurrency control)."""
    return isinstance(root, RemoteStore)
