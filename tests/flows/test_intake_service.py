"""The intake service of `vigie serve`: `vigie submit` hands it files when it runs for the same warehouse, says
what became of them as if it had run intake itself, passes its errors on in plain words, and runs intake itself
when no service answers, when the service serves another warehouse, or with `--here`."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from flows import intake_service
from flows.cli import main
from flows.settings import load_settings
from warehouse.db import get_engine
from warehouse.models_intake import Submission


@pytest.fixture
def service(vigie_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    """The service in a thread of this process; the list of the requests it took in."""
    taken: list[dict] = []
    take_in = intake_service.take_in

    def counted(request: dict) -> dict:
        taken.append(request)
        return take_in(request)

    monkeypatch.setattr(intake_service, "take_in", counted)
    server = intake_service.listen(load_settings())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield taken
    server.shutdown()
    intake_service.close(server, load_settings())
    thread.join(10)


def submit(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["submit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_submit_hands_the_file_to_the_service_and_prints_its_summary(service, small_sample, vigie_home):
    code, out, _ = submit(str(small_sample / "clusters.csv"), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["status"] == "validated" and summary["rows_accepted"] == 3
    assert [r["path"] for r in service] == [str((small_sample / "clusters.csv").resolve())]
    with get_engine(load_settings().database_url).connect() as connection:
        stored = connection.execute(select(Submission.submission_id, Submission.status)).all()
    assert [(s.submission_id, s.status) for s in stored] == [(summary["submission_id"], "validated")]

    code, out, _ = submit(str(small_sample / "actors.csv"), str(small_sample / "memberships.csv"))
    assert code == 0 and out.count(" rows read, ") == 2, out
    assert isinstance(service[-1]["path"], list), "several files are one batch, as in-process"


def test_here_runs_intake_in_this_process(service, small_sample):
    code, out, _ = submit("--here", str(small_sample / "clusters.csv"))
    assert code == 0 and "3 rows read, 3 accepted" in out
    assert service == []


def test_an_error_of_the_service_is_said_with_its_exit_code(service, tmp_path):
    odd = tmp_path / "fifo.csv"
    os.mkfifo(odd)
    code, _, err = submit(str(odd))
    assert code == 1 and "fifo" in err.lower() and "Traceback" not in err
    assert len(service) == 1


def test_no_service_another_warehouse_or_a_stale_file_means_intake_here(vigie_home, small_sample, monkeypatch):
    settings = load_settings()
    assert intake_service.ask(settings, {"path": "x"}) is None  # no service file at all
    server = intake_service.listen(settings)
    server.server_close()  # a service killed without removing its file: nobody listens on its port
    assert intake_service.service_file(settings).exists()
    assert intake_service.ask(settings, {"path": "x"}) is None

    server = intake_service.listen(settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("VIGIE_STORE_DIR", str(vigie_home / "another-store"))
        assert intake_service.ask(load_settings(), {"path": "x"}) is None, "refused: it serves another store"
        found = json.loads(intake_service.service_file(settings).read_text("utf-8"))
        found["token"] = "guessed"
        intake_service.service_file(settings).write_text(json.dumps(found), "utf-8")
        assert intake_service.ask(settings, {"path": "x"}) is None, "refused: wrong token"
        code, out, _ = submit(str(small_sample / "clusters.csv"))
        assert code == 0 and "3 rows read" in out, "taken in here"
    finally:
        server.shutdown()
        intake_service.close(server, settings)
    assert not intake_service.service_file(settings).exists()


def test_the_service_file_is_for_its_user_only(vigie_home):
    settings = load_settings()
    server = intake_service.listen(settings)
    try:
        mode = intake_service.service_file(settings).stat().st_mode & 0o777
        assert mode == 0o600
        assert server.server_address[0] == "127.0.0.1"
    finally:
        intake_service.close(server, settings)
