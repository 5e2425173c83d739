"""Where the store lives: a local folder (the default), a `file://` URL or an S3 bucket (`s3://bucket/prefix`, any
S3-compatible server), with the credentials to reach it kept out of every message and log.

Credentials come from the environment (the usual AWS_* variables, AWS_ENDPOINT_URL for a server other than AWS)
or from a Prefect Secret block holding the same names as JSON (VIGIE_STORE_CREDENTIALS_BLOCK). Light on imports:
settings are read before anything heavy is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

SCHEMES = ("file", "s3")
"""The URL schemes the store knows (a plain path is a local folder)."""
S3_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
)
"""The environment variables an S3 store takes its credentials and server from."""
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class StoreUrlError(ValueError):
    """A store URL Vigie cannot use; the message names the variable and never shows a credential."""


@dataclass(frozen=True)
class RemoteStore:
    """A store in an S3 bucket: its URL and the options to reach it (never printed: `str()` is the URL)."""

    url: str
    options: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __str__(self) -> str:
        return self.url

    def __truediv__(self, name: str) -> RemoteStore:
        return RemoteStore(f"{self.url}/{name}", self.options)


Location = Path | RemoteStore
"""A store's place: a local folder or a remote one."""


def parse_store_url(
    text: str | None, default: Path, env: dict[str, str], variable: str = "VIGIE_STORE_URL"
) -> Location:
    """The store named by `text` (`default` when empty): a plain path or `file://` URL is a local folder; an
    `s3://bucket/prefix` URL a bucket, with its options from `env`. Anything else is a StoreUrlError."""
    text = (text or "").strip()
    if not text:
        return default.expanduser().resolve()
    parts = urlsplit(text)
    if not parts.scheme or len(parts.scheme) == 1:  # no scheme (or a Windows drive letter): a local path
        return Path(text).expanduser().resolve()
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise StoreUrlError(
            f"{variable}={_shown(text)!r}: Vigie keeps its store in a local folder, a file:// URL or an s3:// "
            f"bucket, not {scheme}://"
        )
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StoreUrlError(f"{variable}={_shown(text)!r}: a file:// URL names a folder of this machine")
        return Path(unquote(parts.path)).expanduser().resolve()
    if not parts.netloc or "@" in parts.netloc or not text.startswith(f"{parts.scheme}://"):
        raise StoreUrlError(f"{variable}={_shown(text)!r}: expected s3://BUCKET/FOLDER (credentials go in AWS_*)")
    return RemoteStore(f"s3://{parts.netloc}{parts.path.rstrip('/')}", s3_options(env))


def s3_options(env: dict[str, str], block: dict[str, str] | None = None) -> dict[str, str]:
    """The options of an S3 store: what a credentials block holds, else the AWS_* variables of `env`. Plain http
    is allowed only for a local server (an endpoint on 127.0.0.1 or localhost)."""
    source = block if block is not None else env
    options = {name.lower(): str(source[name]) for name in S3_VARIABLES if source.get(name)}
    options.setdefault("aws_region", options.pop("aws_default_region", "us-east-1"))
    options.pop("aws_default_region", None)
    endpoint = options.get("aws_endpoint_url", "")
    if endpoint.startswith("http://") and urlsplit(endpoint).hostname in ("127.0.0.1", "localhost"):
        options["aws_allow_http"] = "true"
    return options


def block_options(text: str, variable: str) -> dict[str, str]:
    """The credentials a Secret block holds as JSON (`{"AWS_ACCESS_KEY_ID": ..., ...}`); a StoreUrlError that
    never shows the value when it is not such an object."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("AWS_ACCESS_KEY_ID"):
        raise StoreUrlError(f"{variable}: the Secret block must hold JSON with AWS_ACCESS_KEY_ID and its secret")
    return s3_options({}, {str(k).upper(): str(v) for k, v in data.items()})


def secrets_of(location: Location) -> list[str]:
    """The secret values a store's options hold (to mask them in any message)."""
    if not isinstance(location, RemoteStore):
        return []
    return [location.options[name.lower()] for name in SECRET_VARIABLES if location.options.get(name.lower())]


def _shown(text: str) -> str:
    """A URL as it may be shown: anything before an @ (a user or key put in the URL) is masked."""
    parts = urlsplit(text)
    if "@" in parts.netloc:
        return text.replace(parts.netloc, "***@" + parts.netloc.rsplit("@", 1)[1])
    return text
