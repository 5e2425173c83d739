"""The officer's sources of field submissions, `$VIGIE_HOME/sources.yaml`: one entry per form to pull.

```yaml
sources:
  odk-livraisons:                 # the source's name (letters, digits, - and _): `vigie pull --source NAME`
    platform: odk_central         # or kobo
    url: https://central.example.bj
    project: 3                    # ODK Central only: the project's number
    form: livraisons_champion     # ODK: the form's xmlFormId; Kobo: the asset uid (aBcD...)
    table: deliveries             # the table the form fills
    user: suivi@atda.example.bj   # ODK only: the web user's email
    password_env: VIGIE_ODK_PASSWORD   # or password_block: the name of a Prefect Secret block
  kobo-livraisons:
    platform: kobo
    url: https://kf.kobotoolbox.org
    form: aBcD1234efGh5678
    table: deliveries
    token_env: KOBO_TOKEN         # or token_block
    repeat: livraison/lots        # optional: take the rows of this repeat group (its path in the form) instead
                                  # of the submissions; a form mapping must say `repeat: lots` (its last name)
```

A mistake is refused with the file, the entry and the problem (SourceError). Secrets are never in the file: only
the name of the environment variable or Secret block that holds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from schemas.tables import CONTRACTS

PLATFORMS = ("odk_central", "kobo")
KEYS = {
    "odk_central": {"platform", "url", "project", "form", "table", "user", "password_env", "password_block",
                    "page_size", "repeat"},
    "kobo": {"platform", "url", "form", "table", "token_env", "token_block", "page_size", "repeat"},
}  # fmt: skip
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
REPEAT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*(/[A-Za-z_][A-Za-z0-9_.-]*)*$")
"""A repeat group's path in the form: its name, after the names of the groups around it (`livraison/lots`)."""
DEFAULT_PAGE_SIZE = 500


class SourceError(ValueError):
    """sources.yaml cannot be used: `file: entry: problem`."""

    def __init__(self, file: str, entry: str, problem: str) -> None:
        super().__init__(f"{file}: {entry}: {problem}")


@dataclass(frozen=True)
class Source:
    """One form on one server, and where its secret is (an environment variable or a Secret block)."""

    name: str
    platform: str
    url: str
    form: str
    table: str
    project: int | None = None
    user: str | None = None
    secret_env: str | None = None
    secret_block: str | None = field(default=None)
    page_size: int = DEFAULT_PAGE_SIZE
    repeat: str | None = None
    """The path of the repeat group whose rows the source takes (None: the submissions themselves)."""

    @property
    def repeat_name(self) -> str | None:
        """The repeat group's own name (the last of its path), as its form mapping names it."""
        return self.repeat.rsplit("/", 1)[-1] if self.repeat else None


def sources_file(home: Path) -> Path:
    """Where the officer keeps the sources: `$VIGIE_HOME/sources.yaml`."""
    return Path(home) / "sources.yaml"


def load_sources(path: Path) -> tuple[Source, ...]:
    """Every source of the file, checked; none when the file does not exist."""
    if not path.is_file():
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SourceError(path.name, "(file)", f"not valid YAML ({' '.join(str(error).split())})") from None
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise SourceError(path.name, "(file)", "expected `sources:` with one entry per source")
    return tuple(parse_source(str(name), entry, path.name) for name, entry in entries.items())


def parse_source(name: str, entry: object, file: str = "sources.yaml") -> Source:
    """One entry, checked."""
    if not NAME.match(name):
        raise SourceError(file, name, "a name is 1 to 32 letters, digits, - or _")
    if not isinstance(entry, dict) or entry.get("platform") not in PLATFORMS:
        raise SourceError(file, name, f"`platform` must be one of {', '.join(PLATFORMS)}")
    platform = entry["platform"]
    unknown = set(map(str, entry)) - KEYS[platform]
    if unknown:
        raise SourceError(file, name, f"unknown key(s) {', '.join(sorted(unknown))} for {platform}")
    url = str(entry.get("url") or "").rstrip("/")
    if not re.match(r"^https?://[^\s/@]+", url):
        raise SourceError(file, f"{name} → url", "expected the server's address, https://...")
    if not str(entry.get("form") or "").strip():
        raise SourceError(file, f"{name} → form", "the form's id is missing")
    if entry.get("table") not in CONTRACTS:
        raise SourceError(file, f"{name} → table", f"{entry.get('table')!r} is not a table ({', '.join(CONTRACTS)})")
    page_size = entry.get("page_size", DEFAULT_PAGE_SIZE)
    if not isinstance(page_size, int) or not 1 <= page_size <= 30000:
        raise SourceError(file, f"{name} → page_size", "a whole number from 1 to 30000")
    repeat = entry.get("repeat")
    if repeat is not None and not (isinstance(repeat, str) and REPEAT.match(repeat.strip("/"))):
        raise SourceError(file, f"{name} → repeat", "the repeat group's path in the form, e.g. livraison/lots")
    kind = "password" if platform == "odk_central" else "token"
    env, block = entry.get(f"{kind}_env"), entry.get(f"{kind}_block")
    if bool(env) == bool(block):
        raise SourceError(file, name, f"give exactly one of {kind}_env or {kind}_block (never the {kind} itself)")
    project = entry.get("project")
    if platform == "odk_central":
        if not isinstance(project, int) or project < 1:
            raise SourceError(file, f"{name} → project", "the project's number on ODK Central")
        if "@" not in str(entry.get("user") or ""):
            raise SourceError(file, f"{name} → user", "the email address of the ODK Central web user")
    return Source(name=name, platform=platform, url=url, form=str(entry["form"]).strip(), table=entry["table"],
                  project=project, user=entry.get("user"), secret_env=env, secret_block=block,
                  page_size=page_size, repeat=repeat.strip("/") if repeat else None)  # fmt: skip


def secret_of(
    source: Source, env: Mapping[str, str] | None = None, load_block: Callable[[str], str] | None = None
) -> str:
    """The source's password or token, from its environment variable in `env` (the settings' `environment`, as
    read when the run's settings were made; none given: unset) or its Prefect Secret block; a SourceError that
    never shows the value when it cannot be had."""
    env = {} if env is None else env
    if source.secret_env:
        value = env.get(source.secret_env) or ""
        if not value.strip():
            raise SourceError("sources.yaml", source.name, f"the environment variable {source.secret_env} is not set")
        return value.strip()
    try:
        value = (load_block or _secret_block)(str(source.secret_block))
    except Exception as error:  # no server, no such block, not a Secret: the same advice
        raise SourceError("sources.yaml", source.name, f"the Prefect Secret block {source.secret_block!r} could "
                          f"not be loaded ({type(error).__name__})") from None  # fmt: skip
    if not isinstance(value, str) or not value.strip():
        raise SourceError("sources.yaml", source.name, f"the Secret block {source.secret_block!r} is empty")
    return value.strip()


def _secret_block(name: str) -> str:
    from prefect.blocks.system import Secret  # imported only when a block is named

    return Secret.load(name).get()
