"""Settings in one place, read from the environment (documented in the README)."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from schemas.readers.limits import ENVIRONMENT, Limits
from warehouse.store_url import Location, StoreUrlError, block_options, parse_store_url

EMAIL_BACKENDS = ("file", "sendgrid")
FLOW_TIMEOUT_DEFAULT_S = 4 * 3600
TASK_TIMEOUT_DEFAULT_S = 3600
TASK_RUNNERS = ("local", "dask")


class SettingsError(ValueError):
    """A setting has a value Vigie cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Where local state lives, which database and mail backend to use, who sends and who watches."""

    home: Path
    database_url: str = field(repr=False)  # may hold a password: never printed
    email_backend: str
    outbox_dir: Path
    sender: str
    officer_emails: tuple[str, ...]
    sendgrid_host: str
    sendgrid_api_key: str | None = field(default=None, repr=False)
    task_runner: str = "local"
    dask_address: str | None = None
    dask_groups: int = 4
    site_url: str | None = None
    forms_dir: Path | None = None
    """The officer's form mappings, VIGIE_FORMS_DIR (default `$VIGIE_HOME/forms`), read when the settings are
    made: settings handed to a function keep their folder whatever the environment says later."""
    limits: Limits = field(default_factory=Limits)
    delivery_budget_s: float = 600.0
    """VIGIE_DELIVERY_BUDGET_S: how long one delivery may send; what is left waits for the next one."""
    sendgrid_timeout_s: float = 15.0
    """VIGIE_SENDGRID_TIMEOUT_S: how long one request to SendGrid may take."""
    stale_after_s: float = 3600.0
    """VIGIE_STALE_AFTER_S: after this long, a submission still `received`, a run still `running` or a message
    still `sending` is a crash's leftover, marked `interrupted` by the next run."""
    grid_dir: Path | None = None
    """The committees' own grid overrides (value-chain and cluster YAML files), VIGIE_GRID_DIR (default
    `$VIGIE_HOME/grid`)."""
    inbox_dir: Path | None = None
    """The folder `vigie watch` watches for submitted files, VIGIE_INBOX_DIR (default `$VIGIE_HOME/inbox`;
    archive/ and rejected/ inside)."""
    store_dir: Location | None = None
    """The store of accepted rows, VIGIE_STORE_URL (a folder, a file:// URL or s3://BUCKET/FOLDER; VIGIE_STORE_DIR is
    its former name; default `$VIGIE_HOME/store`). An S3 store carries its credentials, never printed."""
    site_store: Location | None = None
    """Where the site is published, VIGIE_SITE_STORE_URL (a folder, a file:// URL or s3://BUCKET/FOLDER, with the
    store's credentials; default the site folder `$VIGIE_HOME/site`): what every worker publishes to and reads."""
    intake_queue: str | None = None
    """VIGIE_INTAKE_QUEUE: this worker's own work queue for the intake of the files dropped in its inbox (`vigie
    watch` starts their runs there; `vigie serve`'s worker serves it instead of `intake`); unset: the trigger."""
    show_programme_median: bool = False
    """VIGIE_SHOW_PROGRAMME_MEDIAN: committees see, beside each indicator, the median score of the programme's
    clusters (no cluster named); off by default."""
    pdf_reports: bool = True
    """VIGIE_PDF (default on; `0`, `off`, `no`, `non` turn it off, any other word is refused): each committee's
    printable review (PDF) is made with its dashboard (about 0.3 to 0.6 s a cluster)."""

    def __post_init__(self) -> None:
        for name in ("forms", "grid", "inbox", "store"):  # every folder is read once, when the settings are made
            if getattr(self, f"{name}_dir") is None:
                object.__setattr__(self, f"{name}_dir", self.home / name)
        if self.site_store is None:
            object.__setattr__(self, "site_store", self.site_dir)

    @property
    def data_dir(self) -> Path:
        """Where generated samples and submitted files are kept."""
        return self.home / "data"

    @property
    def site_dir(self) -> Path:
        """The static site (dashboards, the officers' page, the Data Docs), `$VIGIE_HOME/site`."""
        return self.home / "site"

    @property
    def data_docs_dir(self) -> Path:
        """Where the Great Expectations Data Docs of each submission are built: inside the site, so that a
        published site (VIGIE_SITE_URL) serves them and a validation report can link its page (copied to
        VIGIE_SITE_STORE_URL's validation/ when the site is published elsewhere)."""
        return self.site_dir / "validation"

    def site_link(self, path: str | Path | None) -> str | None:
        """The absolute address of a file of the site under VIGIE_SITE_URL; None without it or outside the site."""
        if not self.site_url or not path:
            return None
        try:
            relative = Path(path).resolve().relative_to(self.site_dir.resolve())
        except ValueError:
            return None
        return f"{self.site_url}/{quote(relative.as_posix())}"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the VIGIE_* variables (and SENDGRID_API_KEY), applying the documented defaults; the database URL is
    VIGIE_DATABASE_URL, else the Prefect Secret block named by VIGIE_DATABASE_URL_BLOCK, else SQLite in the home."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("VIGIE_HOME") or "./var").expanduser().resolve()
    database_url = checked_database_url(
        env.get("VIGIE_DATABASE_URL")
        or database_url_from_block(env.get("VIGIE_DATABASE_URL_BLOCK"))
        or f"sqlite:///{home / 'vigie.db'}"
    )
    backend = (env.get("VIGIE_EMAIL_BACKEND") or "file").strip().lower()
    if backend not in EMAIL_BACKENDS:
        raise SettingsError(f"VIGIE_EMAIL_BACKEND={backend!r}: expected one of {', '.join(EMAIL_BACKENDS)}")
    officers = tuple(
        address.strip()
        for address in (env.get("VIGIE_OFFICER_EMAILS") or "").replace(",", ";").split(";")
        if address.strip()
    )
    for address in officers:
        if "@" not in address:
            raise SettingsError(f"VIGIE_OFFICER_EMAILS: {address!r} is not an email address")
    return Settings(
        home=home,
        database_url=database_url,
        email_backend=backend,
        outbox_dir=Path(env.get("VIGIE_OUTBOX_DIR") or home / "outbox").expanduser().resolve(),
        sender=env.get("VIGIE_SENDER") or "Vigie <vigie@clusters.example.bj>",
        officer_emails=officers,
        sendgrid_host=(env.get("VIGIE_SENDGRID_HOST") or "https://api.sendgrid.com").rstrip("/"),
        sendgrid_api_key=env.get("SENDGRID_API_KEY") or None,
        site_url=(env.get("VIGIE_SITE_URL") or "").strip().rstrip("/") or None,
        pdf_reports=_flag(env, "VIGIE_PDF", default=True),
        **{
            f"{name}_dir": Path(env.get(f"VIGIE_{name.upper()}_DIR") or home / name).expanduser().resolve()
            for name in ("forms", "grid", "inbox")
        },
        store_dir=(store := store_location(env, home)),
        site_store=site_location(env, home, store),
        intake_queue=(env.get("VIGIE_INTAKE_QUEUE") or "").strip() or None,
        limits=limit_settings(env),
        show_programme_median=_flag(env, "VIGIE_SHOW_PROGRAMME_MEDIAN"),
        **_scale_settings(env),
        **_time_settings(env),
    )


YES_WORDS, NO_WORDS = ("1", "true", "yes", "oui", "on"), ("", "0", "false", "no", "non", "off")


def _flag(env: dict[str, str], variable: str, default: bool = False) -> bool:
    """A yes/no setting (unset or empty: `default`); any other word is refused, naming the variable."""
    text = (env.get(variable) or "").strip().lower()
    if not text:
        return default
    if text not in YES_WORDS + NO_WORDS:
        raise SettingsError(f"{variable}={text!r}: expected 1/true/yes or 0/false/no")
    return text in YES_WORDS


def store_location(env: dict[str, str], home: Path) -> Location:
    """The store named by VIGIE_STORE_URL (or its former name VIGIE_STORE_DIR), with an S3 store's credentials
    from VIGIE_STORE_CREDENTIALS_BLOCK when it names a Secret block (else from the AWS_* variables)."""
    variable = "VIGIE_STORE_URL" if env.get("VIGIE_STORE_URL") else "VIGIE_STORE_DIR"
    try:
        location = parse_store_url(env.get(variable), home / "store", env, variable)
        block = secret_from_block("VIGIE_STORE_CREDENTIALS_BLOCK", env.get("VIGIE_STORE_CREDENTIALS_BLOCK"))
        if block is not None and not isinstance(location, Path):
            location = type(location)(location.url, block_options(block, "VIGIE_STORE_CREDENTIALS_BLOCK"))
    except StoreUrlError as error:
        raise SettingsError(str(error)) from None
    return location


def site_location(env: dict[str, str], home: Path, store: Location) -> Location:
    """The published site named by VIGIE_SITE_STORE_URL (default `$VIGIE_HOME/site`); in a bucket, reached with the
    store's own credentials when the store is in a bucket too."""
    try:
        location = parse_store_url(env.get("VIGIE_SITE_STORE_URL"), home / "site", env, "VIGIE_SITE_STORE_URL")
    except StoreUrlError as error:
        raise SettingsError(str(error)) from None
    if not isinstance(location, Path) and not isinstance(store, Path):
        location = type(location)(location.url, store.options)
    return location


TIME_SETTINGS = {
    "delivery_budget_s": "VIGIE_DELIVERY_BUDGET_S",
    "sendgrid_timeout_s": "VIGIE_SENDGRID_TIMEOUT_S",
    "stale_after_s": "VIGIE_STALE_AFTER_S",
}


def _time_settings(env: dict[str, str]) -> dict[str, float]:
    """The delivery budget, the SendGrid request timeout and the leftovers' age, each in seconds (above 0)."""
    values = {}
    for name, variable in TIME_SETTINGS.items():
        text = (env.get(variable) or "").strip()
        if not text:
            continue
        try:
            values[name] = float(text)
        except ValueError:
            values[name] = -1.0
        if not values[name] > 0:
            raise SettingsError(f"{variable}={text!r}: expected a number of seconds above 0")
    return values


def checked_database_url(url: str) -> str:
    """The warehouse URL when SQLAlchemy can read it; a SettingsError that never shows its password otherwise."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown, masked = re.subn(r"(://[^\s:/@]*:)\S*@", r"\1***@", url)
    scheme = re.match(r"[a-zA-Z][\w+.-]*://", url)
    shown = shown if masked else (scheme.group(0) if scheme else "") + "(the rest not shown)"
    if url.split("?")[0].count("@") > 1:  # the password's own @ would be read as the host's start
        raise SettingsError(f"VIGIE_DATABASE_URL={shown!r} has more than one '@': write an @ of the password as %40")
    try:
        make_url(url).port  # noqa: B018 (a port that is not a number fails only when read)
    except (ArgumentError, ValueError, TypeError) as error:
        raise SettingsError(
            f"VIGIE_DATABASE_URL={shown!r} is not a database URL ({type(error).__name__}); expected e.g. "
            "postgresql+psycopg://USER:***@HOST:5432/vigie or sqlite:///PATH"
        ) from None
    return url


def database_url_from_block(name: str | None) -> str | None:
    """The URL kept in the Prefect Secret block `name` (None without a name); the error never shows the value."""
    return secret_from_block("VIGIE_DATABASE_URL_BLOCK", name)


def secret_from_block(variable: str, name: str | None) -> str | None:
    """The text kept in the Prefect Secret block `name`, which the setting `variable` names (None without a name);
    a SettingsError naming the variable, never the value, when it cannot be loaded or is empty."""
    if not name or not name.strip():
        return None
    try:
        value = _load_secret(name.strip())
    except Exception as error:  # no server, no such block, not a Secret: the same advice
        raise SettingsError(
            f"{variable}={name!r}: the Prefect Secret block could not be loaded ({type(error).__name__})"
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{variable}={name!r}: the Secret block is empty or not text")
    return value.strip()


@functools.lru_cache(maxsize=8)
def _load_secret(name: str) -> str:
    """A Secret block's value, loaded once a process (Prefect is imported only when a block is named)."""
    from prefect.blocks.system import Secret

    return Secret.load(name).get()


def limit_settings(env: dict[str, str]) -> Limits:
    """The VIGIE_MAX_* limits of a submitted file (see schemas/readers/limits.py), each a whole number."""
    values = {}
    for name, variable in ENVIRONMENT.items():
        text = (env.get(variable) or "").strip().replace("_", "")
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            raise SettingsError(f"{variable}={env[variable]!r}: expected a whole number, 1 or more")
        values[name] = int(text)
    return Limits(**values)


def _scale_settings(env: dict[str, str]) -> dict:
    """VIGIE_TASK_RUNNER (local or dask), VIGIE_DASK_ADDRESS (an existing scheduler), VIGIE_DASK_GROUPS."""
    runner = (env.get("VIGIE_TASK_RUNNER") or "local").strip().lower()
    if runner not in TASK_RUNNERS:
        raise SettingsError(f"VIGIE_TASK_RUNNER={runner!r}: expected one of {', '.join(TASK_RUNNERS)}")
    groups = (env.get("VIGIE_DASK_GROUPS") or "4").strip()
    if not groups.isdigit() or int(groups) < 1:
        raise SettingsError(f"VIGIE_DASK_GROUPS={groups!r}: expected a whole number of cluster groups, 1 or more")
    return {"task_runner": runner, "dask_address": env.get("VIGIE_DASK_ADDRESS") or None, "dask_groups": int(groups)}


def timeout_seconds(variable: str, default: int, env: dict[str, str] | None = None) -> int:
    """A flow or task time limit in seconds from `variable` (VIGIE_FLOW_TIMEOUT_S, VIGIE_TASK_TIMEOUT_S), read when
    the flows are imported, that is when a worker starts a run; `default` when unset."""
    text = (dict(os.environ if env is None else env).get(variable) or "").strip().replace("_", "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{variable}={text!r}: expected a whole number of seconds, 1 or more")
    return int(text)


FLOW_TIMEOUT_S = timeout_seconds("VIGIE_FLOW_TIMEOUT_S", FLOW_TIMEOUT_DEFAULT_S)
"""The time limit of each flow run (4 hours by default: a national review takes under a minute)."""
TASK_TIMEOUT_S = timeout_seconds("VIGIE_TASK_TIMEOUT_S", TASK_TIMEOUT_DEFAULT_S)
"""The time limit of each task that reads or writes files, the warehouse or the outbox (1 hour by default)."""
