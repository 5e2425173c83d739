"""Issue 13, "one message, not fourteen": a review sends each committee address one message and each officer one
digest; no review alert goes out on its own; a season without data is refused; a cluster without data is left
out; a batch of files gives one validation digest per officer; in-season alerts go out once per cluster, rule,
recipient and day."""

from __future__ import annotations

import email
import shutil
from collections import Counter
from datetime import timedelta
from email import policy

import pandas as pd
from click.testing import CliRunner

from flows.alert_mail import ALERTS_HEADER, queue_stored_alerts, today
from flows.cli import main
from flows.delivery import deliver_outbox
from flows.intake import intake
from flows.intake_report import batch_scope
from flows.season import season_review
from flows.settings import load_settings
from reports.i18n import catalogue
from reports.recipients import addresses
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, Cluster, OutboxMessage

REVIEW_RULES = {"critical_indicator", "sharp_decline_indicator", "sharp_decline_axis"}


def text_of(mime: bytes) -> str:
    """The plain-text part of a message."""
    return (
        email.message_from_bytes(mime, policy=policy.default).get_body(("plain",)).get_content().replace("\r\n", "\n")
    )


def header(mime: bytes, name: str) -> str:
    return str(email.message_from_bytes(mime, policy=policy.default)[name] or "")


def outbox_rows():
    return store.read_table(get_engine(load_settings().database_url), OutboxMessage)


def test_a_review_sends_one_message_per_committee_address_and_one_digest_per_officer(vigie_home, demo_sample):
    clusters = pd.read_csv(demo_sample / "clusters.csv", dtype=str)
    first = season_review(data_dir=str(demo_sample))
    outbox = outbox_rows()
    alerts = store.read_table(get_engine(load_settings().database_url), Alert)
    committee = {a: row.cluster_id for row in clusters.itertuples() for a in addresses(row.committee_emails)}
    officers = set(load_settings().officer_emails)
    officers |= {a for field in clusters["officer_emails"].dropna() for a in addresses(field)}

    assert set(alerts["rule"]) & REVIEW_RULES, "the sample raises review alerts, stored one by one"
    assert not outbox["kind"].str.startswith("alert:").any(), "no review alert is mailed on its own"
    to_committees = outbox[outbox["recipient"].isin(committee)]
    assert Counter(to_committees["recipient"]) == Counter(list(committee)), "exactly one message per committee address"
    assert set(to_committees["kind"]) == {"committee_dashboard"}
    digests = outbox[outbox["kind"] == "officer_dashboard"]
    assert Counter(digests["recipient"]) == Counter(officers), "one digest per officer"

    both = alerts[alerts["rule"] == "critical_indicator"].merge(
        alerts[alerts["rule"] == "sharp_decline_indicator"], on=["cluster_id", "subject"]
    )
    assert len(both), "the sample has an indicator both critical and in sharp decline"
    languages = clusters.set_index("cluster_id")["language"].fillna("fr")
    for pair in both.to_dict("records"):
        own = next(a for a, c in committee.items() if c == pair["cluster_id"])
        t = catalogue(languages[pair["cluster_id"]])
        text = text_of(to_committees.loc[to_committees["recipient"] == own, "mime"].iloc[0])
        said = text[text.index(t["alerts"] + "\n") : text.index(t["axes_vs_previous"])].splitlines()
        lines = [line for line in said if f" {pair['subject']} " in line]
        assert len(lines) == 1, "one fact, one alert line"
        assert f"{pair['previous_y']:.0f} → {pair['value_y']:.0f}" in lines[0], "the decline is said on that line"

    digest = text_of(digests["mime"].iloc[0])
    facts = len(alerts) - len(both)
    n_clusters = alerts["cluster_id"].nunique()
    plural = "s" if n_clusters > 1 else ""
    assert f"{facts} alerte{'s' if facts > 1 else ''} dans {n_clusters} cluster{plural}" in digest
    for alert in alerts[alerts["rule"] == "critical_indicator"].to_dict("records"):
        name = clusters.set_index("cluster_id").loc[alert["cluster_id"], "name"]
        block = digest[digest.index(f"{name}\n") :]
        assert f"Indicateur {alert['subject']} «" in block[: block.index("\n\n")], "every alert is in the digest"

    again = season_review(data_dir=str(demo_sample))
    assert first["queued"] == len(outbox) and again["queued"] == 0 and again["delivered"]["sent"] == 0
    assert len(outbox_rows()) == len(outbox), "a rerun queues nothing"


def test_a_season_without_data_is_refused_and_queues_nothing(vigie_home, small_sample):
    result = CliRunner().invoke(main, ["season", "--data-dir", str(small_sample), "--season", "1999"])
    assert result.exit_code != 0
    assert "no cluster has any data" in result.output and "Traceback" not in result.output
    assert outbox_rows().empty
    assert store.read_table(get_engine(load_settings().database_url), Alert).empty


def test_a_cluster_without_data_for_the_season_is_left_out(vigie_home, small_sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_sample, data)
    clusters = pd.read_csv(data / "clusters.csv", dtype=str)
    silent = clusters.iloc[[0]].assign(
        cluster_id="CL-SIL-NCE-01", name="Cluster silencieux", committee_emails="comite@silence.example.bj"
    )
    pd.concat([clusters, silent]).to_csv(data / "clusters.csv", index=False)

    result = CliRunner().invoke(main, ["season", "--data-dir", str(data), "--no-deliver"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "CL-SIL-NCE-01" in line)
    assert "left out" in line and "no data" in line
    outbox = outbox_rows()
    assert len(outbox) and "CL-SIL-NCE-01" not in set(outbox["scope"])
    assert "comite@silence.example.bj" not in set(outbox["recipient"]), "no email for a cluster not reviewed"
    assert all(scope in set(clusters["cluster_id"]) | {"*"} for scope in outbox["scope"])


def test_a_batch_gives_one_digest_per_officer_and_a_file_alone_its_own_report(vigie_home, small_sample, tmp_path):
    summaries = intake(path=str(small_sample))
    reports = outbox_rows()
    reports = reports[reports["kind"] == "validation_report"]
    assert len(summaries) > 2 and set(reports["scope"]) == {batch_scope(summaries)}
    assert reports["recipient"].is_unique, "one digest per officer"
    programme = load_settings().officer_emails[0]
    digest = text_of(reports.loc[reports["recipient"] == programme, "mime"].iloc[0])
    for summary in summaries:
        assert f"Fichier : {summary['file']}" in digest and summary["submission_id"][:8] in digest  # short ids

    deliveries = pd.read_csv(small_sample / "deliveries.csv", dtype=str)
    alone = tmp_path / "alone" / "deliveries.csv"
    alone.parent.mkdir()
    deliveries.head(5).to_csv(alone, index=False)
    single = intake(path=str(alone))
    mine = outbox_rows()
    mine = mine[mine["scope"] == single["submission_id"]]
    assert len(mine) and mine["recipient"].is_unique and set(mine["kind"]) == {"validation_report"}
    assert "validation de « deliveries.csv »" in header(mine["mime"].iloc[0], "Subject")

    first, second = tmp_path / "a" / "deliveries.csv", tmp_path / "b" / "deliveries.csv"
    for path, rows in ((first, deliveries.iloc[5:8]), (second, deliveries.iloc[8:11])):
        path.parent.mkdir()
        rows.to_csv(path, index=False)
    both = intake(path=[str(first), str(second)])
    batch = outbox_rows()
    batch = batch[batch["scope"] == batch_scope(both)]
    assert len(both) == 2 and len(batch) and batch["recipient"].is_unique, "several files at once: one digest"

    before = len(outbox_rows())
    again = intake(path=str(small_sample))
    assert all(s["duplicate"] for s in again) and len(outbox_rows()) == before, "a rerun sends nothing again"


def test_two_slippage_alerts_of_one_cluster_the_same_day_give_one_message(vigie_home, small_sample):
    season_review(data_dir=str(small_sample), deliver=False)
    engine = get_engine(load_settings().database_url)
    cluster = store.read_table(engine, Cluster).iloc[0]
    slipping = pd.DataFrame(
        [{"rule": "contract_slippage", "cluster_id": cluster["cluster_id"], "campaign": "2026", "subject": subject,
          "value": value, "previous": 58.0, "severity": "high"}
         for subject, value in (("raw_material_contracts", 31.0), ("service_contracts", 22.0))]
    )  # fmt: skip
    store.save_alerts(engine, None, slipping)
    deliver_outbox()
    ids = sorted(store.read_table(engine, Alert, rule="contract_slippage")["id"])
    mail = outbox_rows()
    mail = mail[mail["kind"].str.startswith("alert:")]
    recipients = set(addresses(cluster["committee_emails"])) | set(load_settings().officer_emails)
    recipients |= set(addresses(cluster["officer_emails"]))
    assert set(mail["kind"]) == {f"alert:contract_slippage:{today().isoformat()}"}
    assert Counter(mail["recipient"]) == Counter(recipients), "one message per recipient, not one per alert"
    assert set(mail["status"]) == {"sent"}
    for mime in mail["mime"]:
        assert sorted(int(i) for i in header(mime, ALERTS_HEADER).split()) == ids
        assert text_of(mime).count("Livraisons sous contrat en retard") == 2

    later = slipping.iloc[[0]].assign(subject="transport_contracts")
    store.save_alerts(engine, None, later)
    assert deliver_outbox()["sent"] == 0, "at most one message per cluster, rule and day"
    settings = load_settings()
    queue_stored_alerts(settings, engine, ("contract_slippage",), today() + timedelta(days=1))
    assert deliver_outbox()["sent"] == len(recipients), "the later alert goes out in the next day's message"
    newest = outbox_rows().sort_values("id").tail(len(recipients))
    late_id = int(store.read_table(engine, Alert, subject="transport_contracts")["id"].iloc[0])
    assert {header(mime, ALERTS_HEADER) for mime in newest["mime"]} == {str(late_id)}
    assert deliver_outbox()["sent"] == 0
