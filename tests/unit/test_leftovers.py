"""Crash leftovers: what began long ago and never finished is marked interrupted by the next run, and shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from flows.adapters import engine_for
from flows.cli import main
from flows.settings import load_settings
from warehouse import ledger, outbox, store
from warehouse.leftovers import mark_interrupted, recent
from warehouse.models import OutboxMessage, Run, utcnow
from warehouse.models_intake import Submission

HOURS_AGO = utcnow() - timedelta(hours=3)


@pytest.fixture
def engine(vigie_home):
    return engine_for(load_settings())


def _submission(engine, submission_id: str, when) -> None:
    ledger.start_submission(
        engine, submission_id=submission_id, file_name=f"{submission_id}.csv", file_path="x", file_hash=submission_id,
        file_size=1,
    )  # fmt: skip
    with engine.begin() as connection:
        connection.execute(Submission.__table__.update().where(Submission.submission_id == submission_id)
                           .values(received_at=when))  # fmt: skip


def _run(engine, run_id: str, when) -> None:
    store.start_run(engine, run_id, "season", "2025")
    with engine.begin() as connection:
        connection.execute(Run.__table__.update().where(Run.run_id == run_id).values(started_at=when))


def _message(engine, recipient: str, claimed_at) -> int:
    outbox.queue_message(engine, kind="officer_dashboard", scope="*", campaign="2025", recipient=recipient,
                         subject="s", mime=b"x")  # fmt: skip
    (message,) = [m for m in outbox.pending(engine) if m.recipient == recipient]
    assert outbox.claim(engine, message.id)
    with engine.begin() as connection:
        connection.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == message.id)
                           .values(sent_at=claimed_at))  # fmt: skip
    return message.id


@pytest.fixture
def leftovers(engine):
    """One of each left by a crash three hours ago, and one of each still at work."""
    _submission(engine, "old-sub", HOURS_AGO)
    _submission(engine, "new-sub", utcnow())
    _run(engine, "old-run", HOURS_AGO)
    _run(engine, "new-run", utcnow())
    return _message(engine, "old@x.bj", HOURS_AGO), _message(engine, "new@x.bj", utcnow())


def test_the_next_run_marks_only_what_is_past_the_timeout(engine, leftovers):
    old, new = leftovers
    swept = mark_interrupted(engine, stale_after_s=3600)
    assert (swept.submissions, swept.runs, swept.messages) == (1, 1, 1) and "interrupted" in str(swept)
    assert ledger.get_submission(engine, "old-sub")["status"] == "interrupted"
    assert ledger.get_submission(engine, "new-sub")["status"] == "received"
    runs = store.read_table(engine, Run).set_index("run_id")["status"]
    assert runs["old-run"] == "interrupted" and runs["new-run"] == "running"
    statuses = {m["id"]: m["status"] for m in outbox.list_messages(engine)}
    assert statuses == {old: "interrupted", new: "sending"}
    assert not mark_interrupted(engine, stale_after_s=3600), "marked once"
    assert {item["kind"] for item in recent(engine)} == {"submission", "run", "message"}


def test_outbox_list_shows_them_and_retry_by_id_requeues_an_interrupted_message(engine, leftovers):
    old, _ = leftovers
    mark_interrupted(engine, stale_after_s=3600)
    listed = CliRunner().invoke(main, ["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert "1 interrupted" in listed.output and "may have gone out" in listed.output
    assert "interrupted submission old-sub (old-sub.csv" in listed.output and "interrupted run old-run" in listed.output
    assert CliRunner().invoke(main, ["outbox", "retry", "--all-failed", "--no-deliver"]).output.startswith("0 message")
    again = CliRunner().invoke(main, ["outbox", "retry", "--id", str(old), "--no-deliver"])
    assert again.exit_code == 0 and f"1 message(s) requeued: {old}" in again.output


def test_the_officers_digest_lists_them(engine, leftovers):
    from indicators import LEVELS
    from reports.officer_context import officer_context
    from reports.render import render_officer
    from tests.unit.test_reports_officer import sample_table

    mark_interrupted(engine, stale_after_s=3600)
    context = officer_context(sample_table(), "2025", "run", "a" * 64, LEVELS, interrupted=recent(engine))
    rendered = render_officer(context, None)
    for text in (rendered.text, rendered.html):
        assert "Travaux interrompus" in text and "old-sub.csv" in text and "old@x.bj" in text
        assert "à relancer" in text and "new-sub" not in text
