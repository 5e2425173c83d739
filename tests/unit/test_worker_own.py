"""Each worker's own intake: with VIGIE_INTAKE_QUEUE, `vigie watch` announces a file without waking the intake
deployment's trigger and starts its run on that queue; `vigie serve`'s worker serves that queue, never `intake`."""

from __future__ import annotations

from pathlib import Path

from flows import serve, watch
from flows.settings import load_settings


def announced(tmp_path: Path, trigger: bool) -> tuple[list[dict], list[Path]]:
    inbox, events, handled = tmp_path / "inbox", [], []
    inbox.mkdir()
    watcher = watch.InboxWatcher(inbox, handle=handled.append, emit=lambda *a, **k: events.append(k), trigger=trigger)
    (inbox / "livraisons.csv").write_text("delivery_id\nD1\n")
    watcher.poll()
    watcher.poll()  # settled: taken
    return events, handled


def test_a_file_for_the_workers_own_queue_does_not_wake_the_trigger(tmp_path):
    events, handled = announced(tmp_path, trigger=False)
    (event,) = events
    assert event["resource"]["prefect.resource.id"].startswith("vigie.inbox.")
    assert [path.name for path in handled] == ["livraisons.csv"] and handled[0].exists()


def test_without_a_queue_the_trigger_takes_it(tmp_path):
    events, _ = announced(tmp_path, trigger=True)
    assert events[0]["resource"]["prefect.resource.id"].startswith("vigie.submission.")


def test_the_runs_go_to_the_workers_own_queue(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr("prefect.deployments.run_deployment", lambda name, **kw: started.append((name, kw)))
    watch.run_on_queue("intake-a", "deliveries")(tmp_path / "x.csv")
    ((name, options),) = started
    assert name == "intake/intake" and options["work_queue_name"] == "intake-a" and options["timeout"] == 0
    assert options["parameters"] == {"path": str(tmp_path / "x.csv"), "table": "deliveries", "archive": True}


def test_a_worker_with_its_own_queue_serves_it_the_reviews_and_the_deliveries_only(vigie_home, monkeypatch):
    assert "--work-queue" not in " ".join(serve.worker_command())
    queues = [arg.split("=", 1)[1] for arg in serve.worker_command("intake-a") if arg.startswith("--work-queue")]
    assert queues == ["intake-a", "reviews", "delivery"]
    monkeypatch.setenv("VIGIE_INTAKE_QUEUE", " intake-a ")
    assert load_settings().intake_queue == "intake-a"
