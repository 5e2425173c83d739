"""The intake flow under the Prefect test harness: a folder of campaign files submitted, stored, reported to the
officers (French, Data Docs on disk), announced; the inbox watcher processing files here; the season review
reading what intake stored."""

from __future__ import annotations

import email
import json
import os
from email import policy
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from flows.cli import main
from flows.intake import REJECTED, VALIDATED, intake
from flows.intake_report import batch_scope
from flows.settings import load_settings
from flows.watch import InboxWatcher, run_intake_here
from indicators.season import review_season
from schemas.reading import read_csv_dir
from tests.support.events import Events
from validations.contracts import check_table
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, OutboxMessage


@pytest.fixture
def events(monkeypatch) -> Events:
    collected = Events()
    monkeypatch.setattr("flows.intake.emit_event", collected)
    return collected


def test_a_folder_of_campaign_files_is_stored_reported_and_announced(vigie_home, small_sample, events):
    summaries = intake(path=str(small_sample))
    assert [s["tables"][0] for s in summaries][:2] == ["clusters", "actors"], "reference tables first"
    assert all(s["status"] == "validated" for s in summaries)
    assert all(s["rows_read"] == s["rows_accepted"] + s["rows_quarantined"] for s in summaries)
    deliveries = next(s for s in summaries if s["tables"] == ["deliveries"])
    assert deliveries["rows_read"] == len(pd.read_csv(small_sample / "deliveries.csv"))
    assert deliveries["expectations"] and deliveries["data_docs"]
    assert (vigie_home / "site" / "validation" / "index.html").exists(), "the Data Docs are part of the site"
    for summary in summaries:  # each report links its own detail page, still there after later submissions
        page = Path(summary["data_docs"])
        assert page.is_file() and page.name != "index.html" and summary["submission_id"] in str(page)

    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    validated = events.named(VALIDATED)
    assert {e[1]["prefect.resource.id"] for e in validated} >= {f"vigie.cluster.{c}" for c in clusters["cluster_id"]}

    engine = get_engine(load_settings().database_url)
    with engine.connect() as connection:
        reports = connection.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "validation_report").order_by(OutboxMessage.id)
        ).all()
    assert {r.scope for r in reports} == {batch_scope(summaries)}, "a folder is one batch: one digest"
    recipients = {r.recipient for r in reports}
    assert len(recipients) == len(reports), "one digest per officer"
    assert "suivi@atda.example.bj" in recipients
    cluster_officers = {a.strip() for cell in clusters["officer_emails"].dropna() for a in cell.split(";")}
    assert cluster_officers <= recipients
    message = email.message_from_bytes(reports[0].mime, policy=policy.default)
    assert message["Subject"].startswith(f"Vigie · saisie de {len(summaries)} fichiers")
    assert message.get_body(("plain",)).get_content().count("Lignes lues") == len(summaries)

    from flows.intake import read_store

    tables, counts, inputs, read = read_store.fn(load_settings())
    assert read["store"] >= 1 and set(read["tables"]) >= {"clusters", "deliveries"}
    expected = {t: check_table(t, f).accepted for t, f in read_csv_dir(small_sample).items()}
    season = str(max(int(c[-4:]) for c in expected["deliveries"]["campaign"]))
    pd.testing.assert_frame_equal(review_season(tables, season).overall, review_season(expected, season).overall)
    assert counts["deliveries"] == {"read": deliveries["rows_read"], "accepted": deliveries["rows_read"], "rejected": 0}
    assert inputs

    again = intake(path=str(small_sample / "deliveries.csv"))
    assert again["duplicate"] and again["submission_id"] == deliveries["submission_id"]


def test_submit_prints_one_json_object_and_a_refused_file_fails_the_command(vigie_home, small_sample, tmp_path):
    result = CliRunner().invoke(main, ["submit", str(small_sample / "clusters.csv"), "--json", "--no-expectations"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert {
        "submission_id",
        "status",
        "rows_read",
        "rows_accepted",
        "rows_quarantined",
        "rows_warned",
        "duplicate",
    } <= set(summary)
    assert summary["status"] == "validated" and summary["rows_read"] == summary["rows_accepted"] > 0
    empty = tmp_path / "ventes.csv"
    empty.write_text("")
    refused = CliRunner().invoke(main, ["submit", str(empty), "--no-expectations"])
    assert refused.exit_code == 2 and "refused: the file is empty" in refused.output


def test_the_watcher_files_each_dropped_file_away_once_processed(vigie_home, small_sample, tmp_path, events):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "clusters.csv").write_bytes((small_sample / "clusters.csv").read_bytes())
    (inbox / "livraisons.csv").write_bytes(b"\x00\x01binary\x00" * 10)
    (inbox / "acteurs.csv.part").write_text("still downloading")
    received = Events()
    watcher = InboxWatcher(inbox, handle=run_intake_here(), emit=received)
    taken = watcher.run(interval=0.05, once=True)
    assert sorted(p.name for p in taken) == ["clusters.csv", "livraisons.csv"]
    assert [e[2]["name"] for e in received.named("vigie.submission.received")] == ["clusters.csv", "livraisons.csv"]
    assert (inbox / "archive" / "clusters.csv").exists()
    assert (inbox / "rejected" / "livraisons.csv").exists()
    reason = (inbox / "rejected" / "livraisons.csv.raison.txt").read_text(encoding="utf-8")
    assert "n'est pas un tableau de texte" in reason
    assert (inbox / "acteurs.csv.part").exists(), "a file still being written is left alone"
    assert not list((inbox / "processing").iterdir())
    assert [e[2]["file"] for e in events.named(REJECTED)] == ["livraisons.csv"]
    engine = get_engine(load_settings().database_url)
    alerts = store.read_table(engine, Alert, rule="data_quality")
    assert alerts["cluster_id"].tolist() == ["*"] and alerts["subject"].iloc[0].startswith("livraisons.csv (")
    assert alerts["value"].tolist() == [100.0], "a refused file raises one data-quality alert for the officers"


def test_submit_tells_the_columns_not_used_and_the_column_warnings_in_json_and_in_the_report(
    vigie_home, small_sample, tmp_path
):
    references = [str(small_sample / "clusters.csv"), str(small_sample / "actors.csv")]
    assert CliRunner().invoke(main, ["submit", *references, "--no-expectations"]).exit_code == 0
    rows = pd.read_csv(small_sample / "deliveries.csv", dtype=str, keep_default_na=False).head(30)
    rows = rows.drop(columns=["lot_id"]).assign(Observations="RAS")
    path = tmp_path / "livraisons.csv"
    rows.to_csv(path, index=False)
    result = CliRunner().invoke(main, ["submit", str(path), "--json", "--no-expectations"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["rows_read"] == summary["rows_accepted"] + summary["rows_quarantined"] == 30
    assert summary["unused_columns"] == {"deliveries": ["Observations"]}
    assert summary["column_warnings"] == [
        {"code": "missing_optional_column", "table": "deliveries", "columns": ["lot_id"]}
    ]
    engine = get_engine(load_settings().database_url)
    with engine.connect() as connection:
        report = connection.execute(select(OutboxMessage).where(OutboxMessage.scope == summary["submission_id"])).one()
    text = email.message_from_bytes(report.mime, policy=policy.default).get_body(("plain",)).get_content()
    assert "!! livraisons · colonne(s) facultative(s) absente(s) : lot_id." in text
    assert "- livraisons · colonne(s) du fichier non utilisée(s) : Observations." in text


def test_the_intake_flow_takes_nothing_from_outside_the_inbox_and_moves_nothing(vigie_home, small_sample, tmp_path):
    from flows.inbox import InboxRefusal

    inbox = load_settings().inbox_dir
    (inbox / "processing").mkdir(parents=True)
    secret = tmp_path / "ailleurs" / "clusters.csv"
    secret.parent.mkdir()
    secret.write_bytes((small_sample / "clusters.csv").read_bytes())
    link = inbox / "processing" / "clusters.csv"
    link.symlink_to(secret)
    fifo = inbox / "processing" / "livraisons.csv"
    os.mkfifo(fifo)
    cases = {str(secret): "hors de la boîte de dépôt", str(inbox / "processing" / ".." / ".." / ".." / "ailleurs"
             / "clusters.csv"): "hors de la boîte de dépôt", str(link): "lien symbolique refusé",
             str(fifo): "ni un fichier ordinaire"}  # fmt: skip
    for path, said in cases.items():
        with pytest.raises(InboxRefusal, match=said):
            intake(path=path, archive=True)
    assert secret.exists() and link.is_symlink() and fifo.exists(), "nothing moved"
    assert not (secret.parent / "rejected").exists() and not (inbox / "rejected").exists()
    engine = get_engine(load_settings().database_url)
    assert store.read_table(engine, OutboxMessage).empty and not (vigie_home / "store").exists(), "nothing read"
    refused = CliRunner().invoke(main, ["submit", str(fifo), "--no-expectations"])
    assert refused.exit_code == 1 and "ni un fichier ordinaire" in refused.output, "a fifo never hangs submit"
    taken = CliRunner().invoke(main, ["submit", str(secret), "--no-expectations"])
    assert taken.exit_code == 0 and secret.exists(), "an officer's own file is read where it is, never moved"


def test_the_watcher_never_opens_a_link_or_a_fifo_and_survives_a_failing_file(
    vigie_home, small_sample, tmp_path, events, monkeypatch
):
    from flows import intake as intake_module

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret:19000:0:99999:7:::\n")
    (inbox / "acteurs.csv").symlink_to(secret)
    os.mkfifo(inbox / "ventes.csv")
    (inbox / "0-casse.csv").write_bytes((small_sample / "clusters.csv").read_bytes())
    hostile = "clusters\nBcc: pirate@x.bj.csv"
    (inbox / hostile).write_bytes((small_sample / "clusters.csv").read_bytes())
    real = intake_module.ingest_file

    def ingest_file(path, *args, **kwargs):
        if Path(path).name == "0-casse.csv":
            raise RuntimeError("disque plein")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake_module, "ingest_file", ingest_file)
    watcher = InboxWatcher(inbox, handle=run_intake_here(inbox=inbox), emit=Events())
    taken = watcher.run(interval=0.05, once=True)
    assert sorted(p.name for p in taken) == ["0-casse.csv", hostile], "the file after the failing one still got in"
    assert (inbox / "archive" / hostile).exists(), "a name with a line break is processed cleanly"
    assert (inbox / "rejected" / "0-casse.csv").exists()
    assert "disque plein" in (inbox / "rejected" / "0-casse.csv.raison.txt").read_text(encoding="utf-8")
    assert (inbox / "rejected" / "acteurs.csv").is_symlink() and (inbox / "rejected" / "ventes.csv").exists()
    assert "lien symbolique" in (inbox / "rejected" / "acteurs.csv.raison.txt").read_text(encoding="utf-8")
    assert secret.read_text().startswith("root:"), "the link's target is left alone"
    assert not list((inbox / "processing").iterdir())
    engine = get_engine(load_settings().database_url)
    outbox = store.read_table(engine, OutboxMessage)
    assert len(outbox) and not outbox["mime"].map(lambda m: b"$6$secret" in m).any()
    assert set(outbox["status"]) == {"queued"} and outbox["subject"].str.contains("clusters Bcc: pirate@x.bj.csv").all()


def test_submit_of_a_file_another_submission_is_taking_in_says_so_and_exits_3(vigie_home, small_sample):
    from flows.intake_gate import file_hash
    from warehouse import ledger

    path = small_sample / "clusters.csv"
    engine = get_engine(load_settings().database_url)
    holder = "0a1b2c3d-0000-4000-8000-000000000000"
    ledger.claim(engine, 3600, submission_id=holder, file_name=path.name, file_path=str(path),
                 file_hash=file_hash(path), file_size=path.stat().st_size)  # fmt: skip
    # held by this process, which runs: the claim is live
    result = CliRunner().invoke(main, ["submit", str(path), "--json", "--no-expectations", "--here"])
    assert result.exit_code == 3, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["status"], summary["reason_code"], summary["submission_id"]) == ("in_progress",) * 2 + (holder,)
    assert "déjà en cours de réception par la soumission 0a1b2c3d" in summary["reason"]
    assert "Traceback" not in result.output
    said = CliRunner().invoke(main, ["submit", str(path), "--no-expectations", "--here"])
    assert said.exit_code == 3 and "clusters.csv: not taken in: Ce fichier est déjà en cours" in said.output
    assert [s["status"] for s in ledger.submissions(engine).to_dict("records")] == ["received"], "nothing recorded"
