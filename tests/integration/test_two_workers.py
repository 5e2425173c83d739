"""Two workers that share no folder: a real `prefect server start`, two process workers with their own home, inbox,
file outbox and working directory, sharing only the store URL and the site (a bucket of the moto S3 server) and
the warehouse (a PostgreSQL database of its own). A file dropped in each worker's inbox is taken in by that worker
(on its own intake queue, VIGIE_INTAKE_QUEUE); the season review, run on B (A serves its intake queue only),
reviews what A took in, publishes the site to the bucket and B's deliveries mail the committee of A's file's
cluster."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from email import policy
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from flows import serve
from tests.integration.test_run_failed_server import api, finished, wait_for
from tests.support.prefect_server import drop, free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 420  # server start-up, three deploys and four flow runs on two busy cores
PG_ADMIN_URL = os.environ.get("VIGIE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def warehouse_url():
    """A database of its own on the local PostgreSQL server, migrated; dropped afterwards."""
    from warehouse.db import upgrade

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"vigie_two_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def own(base: dict[str, str], folder: Path) -> dict[str, str]:
    """A worker's environment: the shared settings, and a home, inbox and outbox of its own in `folder`."""
    folder.mkdir()
    return {**base, "VIGIE_HOME": str(folder / "home"), "VIGIE_INBOX_DIR": str(folder / "inbox"),
            "VIGIE_OUTBOX_DIR": str(folder / "outbox"), "PREFECT_HOME": str(folder / "prefect")}  # fmt: skip


def preload(sample: Path, env: dict[str, str]) -> None:
    """Every table of the sample but the deliveries, taken in (no Prefect) into the shared store and warehouse."""
    from flows.intake_run import ingest_file
    from flows.settings import load_settings
    from warehouse.db import get_engine

    settings = load_settings(env)
    engine = get_engine(settings.database_url)
    for path in sorted(sample.glob("*.csv"), key=lambda p: ({"clusters": 0, "actors": 1}.get(p.stem, 2), p.stem)):
        if path.stem != "deliveries":
            done = ingest_file(path, None, settings, engine, today=date.today(), expectations=False)
            assert done.status == "validated", (path.name, done.reason)


def calmly(call, *args):
    """`call(*args)`, or None when the server answered 503 (its SQLite database busy on two loaded cores): the
    caller's wait_for asks again."""
    try:
        return call(*args)
    except httpx.HTTPStatusError as error:
        if error.response.status_code != 503:
            raise
        return None


def mails(outbox: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(outbox.glob("*.eml"))]


@pytest.mark.integration
@pytest.mark.s3
def test_a_file_dropped_for_one_worker_is_reviewed_and_mailed_by_the_other(tmp_path, s3_server, warehouse_url):
    from synthetic import generate
    from tests.support.s3 import BUCKET

    sample = tmp_path / "sample"
    generate(sample, clusters=2, campaigns=1, seed=5, deliveries_per_cluster_campaign=40)
    clusters = pd.read_csv(sample / "clusters.csv", dtype=str)
    chosen = clusters.iloc[0]
    deliveries = pd.read_csv(sample / "deliveries.csv", dtype=str)
    mine = deliveries[deliveries["cluster_id"] == chosen["cluster_id"]]
    theirs = deliveries[deliveries["cluster_id"] != chosen["cluster_id"]]
    assert len(mine) and len(theirs)

    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    shared = {k: v for k, v in server_env(tmp_path, ROOT).items() if k not in ("VIGIE_HOME", "VIGIE_INBOX_DIR")}
    bucket = f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}"
    shared.update(s3_server.env, VIGIE_STORE_URL=f"{bucket}/store", VIGIE_SITE_STORE_URL=f"{bucket}/site",
                  VIGIE_DATABASE_URL=warehouse_url, VIGIE_EMAIL_BACKEND="file", VIGIE_PDF="0")  # fmt: skip
    a, b = own(shared, tmp_path / "worker-a"), own(shared, tmp_path / "worker-b")
    a["VIGIE_INTAKE_QUEUE"], b["VIGIE_INTAKE_QUEUE"] = "intake-a", "intake-b"  # each worker's own inbox's runs
    preload(sample, a)
    started: list[subprocess.Popen] = []
    log_path = tmp_path / "processes.log"
    log = open(log_path, "wb")  # noqa: SIM115  (closed in finally)
    try:
        server = serve.start_server("127.0.0.1", port, shared)
        started.append(server)
        serve.wait_healthy(api_url, timeout=TIMEOUT, process=server)
        deadline = time.monotonic() + TIMEOUT
        deployer = {
            **shared,
            **serve.worker_env(shared, serve.declared_worker_env(ROOT / "prefect.yaml")),
            "PREFECT_API_URL": api_url,
        }
        deployer["VIGIE_HOME"] = str(tmp_path / "deployer")  # the deploying shell's home reaches no worker
        for env in (a, b):
            env["PREFECT_API_URL"] = api_url
        serve.run_prefect(deployer, "work-pool", "create", serve.POOL, "--type", "process")
        for env in (a, b):
            serve.prepare_pool(api_url, env["VIGIE_INTAKE_QUEUE"])
        names = [arg for name in ("intake", "season-review", "deliver-outbox") for arg in ("--name", name)]
        serve.run_prefect(deployer, "--no-prompt", "deploy", *names, cwd=ROOT)
        commands = {  # A serves its own intake queue only: the review can run on B alone
            "worker-a": serve.prefect_command("worker", "start", "--pool", serve.POOL, "--work-queue=intake-a"),
            "worker-b": serve.worker_command("intake-b"),  # as `vigie serve` starts it: intake-b, reviews, delivery
        }
        inboxes = {}
        for env, folder in ((a, "worker-a"), (b, "worker-b")):
            inboxes[folder] = Path(env["VIGIE_INBOX_DIR"])
            inboxes[folder].mkdir()
            watch = [sys.executable, "-m", "flows.cli", "watch", str(inboxes[folder]), "--interval", "0.5"]
            for command in (commands[folder], watch):
                started.append(subprocess.Popen(command, env=env, cwd=tmp_path / folder, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
        drop(mine.to_csv(index=False).encode(), inboxes["worker-a"], "livraisons.csv")
        drop(theirs.to_csv(index=False).encode(), inboxes["worker-b"], "livraisons-b.csv")

        runs = wait_for(lambda: calmly(finished, api_url, "intake", 2), deadline, started, log_path, "both intakes")
        assert {r["state_type"] for r in runs} == {"COMPLETED"}, [r["state"] for r in runs]
        queues = {Path(r["parameters"]["path"]).name: r["work_queue_name"] for r in runs}
        assert queues == {"livraisons.csv": "intake-a", "livraisons-b.csv": "intake-b"}, "each by its own worker"
        assert (inboxes["worker-a"] / "archive" / "livraisons.csv").exists(), "taken in by A, from A's own inbox"
        assert (inboxes["worker-b"] / "archive" / "livraisons-b.csv").exists()
        (review,) = wait_for(lambda: calmly(api, api_url, "deployments/filter",
                             {"deployments": {"name": {"any_": ["season-review"]}}}), deadline, started, log_path,
                             "the review deployment")  # fmt: skip
        wait_for(lambda: calmly(api, api_url, f"deployments/{review['id']}/create_flow_run", {"parameters": {}}),
                 deadline, started, log_path, "the review's run created")  # fmt: skip
        reviewed_run = lambda: calmly(finished, api_url, "season-review", 1)  # noqa: E731
        (reviewed,) = wait_for(reviewed_run, deadline, started, log_path, "B's review")
        assert reviewed["state_type"] == "COMPLETED" and reviewed["work_queue_name"] == "reviews", reviewed["state"]

        outbox = Path(b["VIGIE_OUTBOX_DIR"])

        def committee_mail() -> list:
            return [m for m in mails(outbox) if "bilan de campagne" in str(m["subject"])]

        committee = {address.strip() for address in chosen["committee_emails"].split(";")}

        def chosen_mail() -> list:  # complete once every address of the committee has its message
            found = [m for m in committee_mail() if chosen["name"] in str(m["subject"])]
            return found if {str(m["to"]) for m in found} >= committee else []

        sent = wait_for(chosen_mail, deadline, started, log_path, "the file's cluster's dashboards sent from B")
        assert sorted(str(m["to"]) for m in sent) == sorted(committee), "one dashboard to each committee address"
        assert not Path(a["VIGIE_OUTBOX_DIR"]).exists() or not mails(Path(a["VIGIE_OUTBOX_DIR"])), "A mailed nothing"
        for worker in (a, b):
            assert not (Path(worker["VIGIE_HOME"]) / "store").exists(), "the store is the bucket, no worker's folder"
        engine = create_engine(warehouse_url)

        def all_sent() -> bool:
            with engine.connect() as connection:
                return not connection.execute(text("select count(*) from outbox where status != 'sent'")).scalar()

        wait_for(all_sent, deadline, started, log_path, "every queued message sent from B")
        with engine.connect() as connection:
            taken = connection.execute(
                text("select file_name, status, rows_accepted from submissions where file_name like 'livraisons%'")
            ).all()
        assert sorted(tuple(row) for row in taken) == [
            ("livraisons-b.csv", "validated", len(theirs)),
            ("livraisons.csv", "validated", len(mine)),
        ], "each taken in once, every row accepted"
        engine.dispose()

        from flows.settings import load_settings
        from warehouse.site_store import SiteFiles

        site = SiteFiles(load_settings(a).site_store)  # the published site, as any worker reads it
        assert chosen["name"] in site.read("index.html").decode("utf-8"), "B's review published in the bucket"
        assert site.exists("validation/index.html"), "A's validation pages published in the bucket"
        assert site.exists("officer.html") and site.exists("officer.json"), "the officers' page, refreshed by B"
        assert not (Path(b["VIGIE_HOME"]) / "site" / "index.html").exists()
    finally:
        for process in reversed(started):
            serve.stop(process)
        log.close()
