"""Settings in one place, read from the environment (documented in the README).

This is the only module that reads the process environment (tests/smoke/test_settings_reads.py checks it): each
command, flow and service calls `load_settings()` once, at its entry, and hands the Settings down. How a value's
text is parsed is in flows/settings_values.py."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from flows import EPHEMERAL_STARTUP_TIMEOUT
from flows.settings_values import (
    SANDBOX_WORDS,
    SettingsError,
    checked_database_url,
    flag,
    known_secrets,
    limit_settings,
    officer_emails,
    scale_settings,
    time_settings,
    whole_seconds,
)
from schemas.readers.limits import Limits
from warehouse.store_url import Location, StoreUrlError, block_options, parse_store_url

__all__ = ["Settings", "SettingsError", "checked_database_url", "load_settings", "secret_from_block"]
EMAIL_BACKENDS = ("file", "sendgrid")
FLOW_TIMEOUT_DEFAULT_S = 4 * 3600
TASK_TIMEOUT_DEFAULT_S = 3600


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
    printable review (PDF), printed after every dashboard is queued and the site published, onto the site, and
    linked from its message, never attached (about 0.3 to 0.6 s a cluster)."""
    sendgrid_sandbox: bool = False
    """VIGIE_SENDGRID_SANDBOX (`1`, `true`, `yes`, `on`): SendGrid checks each message and delivers none."""
    prefect_api_url: str | None = None
    """PREFECT_API_URL: the Prefect server the flows and events go to; unset, a temporary local one."""
    dhis2_token: str | None = field(default=None, repr=False)
    """VIGIE_DHIS2_TOKEN: the DHIS2 personal access token for `vigie export dhis2 --post`; never printed."""
    dhis2_token_block: str | None = None
    """VIGIE_DHIS2_TOKEN_BLOCK: the name of a Prefect Secret block holding that token (loaded only when posting)."""
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The environment as it was when the settings were made, read-only, for the variables whose names a
    configuration file chooses (sources.yaml's `password_env` and `token_env`); never printed."""

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
    """Read the VIGIE_* variables (and SENDGRID_API_KEY, PREFECT_API_URL), applying the documented defaults; the
    database URL is VIGIE_DATABASE_URL, else the Prefect Secret block named by VIGIE_DATABASE_URL_BLOCK, else SQLite
    in the home. Called once per command, flow run or service: what it returns is handed down."""
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
    return Settings(
        home=home,
        database_url=database_url,
        email_backend=backend,
        outbox_dir=Path(env.get("VIGIE_OUTBOX_DIR") or home / "outbox").expanduser().resolve(),
        sender=env.get("VIGIE_SENDER") or "Vigie <vigie@clusters.example.bj>",
        officer_emails=officer_emails(env),
        sendgrid_host=(env.get("VIGIE_SENDGRID_HOST") or "https://api.sendgrid.com").rstrip("/"),
        sendgrid_api_key=env.get("SENDGRID_API_KEY") or None,
        sendgrid_sandbox=(env.get("VIGIE_SENDGRID_SANDBOX") or "").strip().lower() in SANDBOX_WORDS,
        site_url=(env.get("VIGIE_SITE_URL") or "").strip().rstrip("/") or None,
        pdf_reports=flag(env, "VIGIE_PDF", default=True),
        **{
            f"{name}_dir": Path(env.get(f"VIGIE_{name.upper()}_DIR") or home / name).expanduser().resolve()
            for name in ("forms", "grid", "inbox")
        },
        store_dir=(store := store_location(env, home)),
        site_store=site_location(env, home, store),
        intake_queue=(env.get("VIGIE_INTAKE_QUEUE") or "").strip() or None,
        limits=limit_settings(env),
        show_programme_median=flag(env, "VIGIE_SHOW_PROGRAMME_MEDIAN"),
        prefect_api_url=prefect_api_url(env),
        dhis2_token=(env.get("VIGIE_DHIS2_TOKEN") or "").strip() or None,
        dhis2_token_block=(env.get("VIGIE_DHIS2_TOKEN_BLOCK") or "").strip() or None,
        environment=env,
        **scale_settings(env),
        **time_settings(env),
    )


def prefect_api_url(env: Mapping[str, str] | None = None) -> str | None:
    """PREFECT_API_URL (None when unset): the error messages say it even when the settings cannot be made."""
    return (dict(os.environ if env is None else env).get("PREFECT_API_URL") or "").strip() or None


def secrets_to_mask(env: Mapping[str, str] | None = None) -> list[str]:
    """The secrets of the environment that no message may show (flows/settings_values.py `known_secrets`): read
    here, not from Settings, because a message may have to be said when the settings themselves are refused."""
    return known_secrets(os.environ if env is None else env)


def ephemeral_startup_seconds() -> str:
    """How long the temporary Prefect server is given to start (flows/__init__.py sets Vigie's default)."""
    return os.environ.get(EPHEMERAL_STARTUP_TIMEOUT, "?")


def store_at(url: str, env: Mapping[str, str] | None = None) -> Location:
    """The store a Dask task reads: the URL the flow read (a folder or s3://...), with this process's own
    credentials (AWS_*), never the flow's."""
    return parse_store_url(url, Path(url), dict(os.environ if env is None else env))


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


def timeout_seconds(variable: str, default: int, env: dict[str, str] | None = None) -> int:
    """A flow or task time limit in seconds from `variable` (VIGIE_FLOW_TIMEOUT_S, VIGIE_TASK_TIMEOUT_S), read when
    the flows are imported, that is when a worker starts a run; `default` when unset."""
    return whole_seconds(dict(os.environ if env is None else env), variable, default)


FLOW_TIMEOUT_S = timeout_seconds("VIGIE_FLOW_TIMEOUT_S", FLOW_TIMEOUT_DEFAULT_S)
"""The time limit of each flow run (4 hours by default: a national review takes under a minute)."""
TASK_TIMEOUT_S = timeout_seconds("VIGIE_TASK_TIMEOUT_S", TASK_TIMEOUT_DEFAULT_S)
"""The time limit of each task that reads or writes files, the warehouse or the outbox (1 hour by default)."""
