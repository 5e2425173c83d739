"""What a review queues, end to end: one dashboard per committee address (the review's alerts inside), the
officers' view to officers only, no alert on its own, the static site; nothing of another cluster in a
committee's mail; nothing twice."""

from __future__ import annotations

import email
from collections import Counter
from email import policy

import pandas as pd

from flows.season import season_review
from flows.settings import load_settings
from reports.recipients import addresses
from warehouse import store
from warehouse.db import get_engine
from warehouse.models import Alert, OutboxMessage


def everything_readable(mime: bytes) -> str:
    """Subject, text, HTML and decoded attachments of a message, as one text."""
    message = email.message_from_bytes(mime, policy=policy.default)
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def test_a_review_queues_dashboards_and_the_officers_view_each_once_and_no_alert_email(vigie_home, small_sample):
    clusters = pd.read_csv(small_sample / "clusters.csv", dtype=str)
    result = season_review(data_dir=str(small_sample))
    settings = load_settings()
    engine = get_engine(settings.database_url)
    outbox = store.read_table(engine, OutboxMessage)
    alerts = store.read_table(engine, Alert)
    committee = {a: row.cluster_id for row in clusters.itertuples() for a in addresses(row.committee_emails)}
    officers = set(settings.officer_emails) | {a for f in clusters["officer_emails"].dropna() for a in addresses(f)}

    assert set(outbox["status"]) == {"sent"} and result["delivered"]["sent"] == len(outbox)
    kinds = Counter(kind if not kind.startswith("alert:") else "alert" for kind in outbox["kind"])
    assert kinds["committee_dashboard"] == len(committee)
    assert kinds["officer_dashboard"] == len(officers)
    officer_view = outbox[outbox["kind"] == "officer_dashboard"]
    assert set(officer_view["recipient"]) == officers and set(officer_view["scope"]) == {"*"}

    assert len(alerts) and not outbox["kind"].str.startswith("alert:").any(), "alerts stored, none mailed alone"
    assert Counter(outbox.loc[outbox["recipient"].isin(committee), "recipient"]) == Counter(list(committee))

    for message in outbox[outbox["recipient"].isin(committee)].to_dict("records"):
        own = committee[message["recipient"]]
        assert message["scope"] == own and message["kind"] != "officer_dashboard"
        text = everything_readable(message["mime"])
        for other in clusters.itertuples():
            if other.cluster_id != own:
                assert other.cluster_id not in text and other.name not in text, "another cluster's data"

    site = settings.home / "site"
    assert (site / "index.html").is_file() and (site / "officer.html").is_file()
    assert "envoyés" in (site / "officer.html").read_text("utf-8"), "the site's view is refreshed after delivery"
    assert len(list(site.glob("cluster-*.html"))) == len(clusters)

    again = season_review(data_dir=str(small_sample))
    assert again["queued"] == 0 and again["delivered"]["sent"] == 0
    assert len(store.read_table(engine, OutboxMessage)) == len(outbox)
    assert len(list(settings.outbox_dir.glob("*.eml"))) == len(outbox)


def test_the_printable_reviews_come_last_onto_the_site_and_each_message_links_its_own(
    vigie_home, small_sample, monkeypatch
):
    from reports.site import slug

    url = "https://suivi.example.bj/site"
    monkeypatch.setenv("VIGIE_SITE_URL", url)
    season_review(data_dir=str(small_sample), deliver=False)
    settings = load_settings()
    outbox = store.read_table(get_engine(settings.database_url), OutboxMessage)
    dashboards = outbox[outbox["kind"] == "committee_dashboard"]
    assert len(dashboards) >= 3 and set(dashboards["status"]) == {"queued"}
    printed = {}
    for row in dashboards.to_dict("records"):
        message = email.message_from_bytes(row["mime"], policy=policy.default)
        names = [part.get_filename() or "" for part in message.iter_attachments()]
        types = [part.get_content_type() for part in message.walk()]
        assert "application/pdf" not in types and not any(n.endswith(".pdf") for n in names), "never attached"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        links = {word.rstrip(".") for word in text.split() if word.startswith(f"{url}/pdf/")}
        assert len(links) == 1, f"{row['scope']}: one link to its printable review, {links}"
        link = links.pop()
        assert f'href="{link}"' in html
        relative = link.removeprefix(f"{url}/")
        printed.setdefault(row["scope"], set()).add(relative)
    site = settings.site_dir
    for cluster_id, own in printed.items():  # one review a cluster, its own, whichever address it went to
        assert len(own) == 1 and next(iter(own)).startswith(f"pdf/{slug(cluster_id)}-"), (cluster_id, own)
    paths = {p for own in printed.values() for p in own}
    assert len(paths) == dashboards["scope"].nunique(), "each cluster links its own review"
    for relative in paths:
        pdf = site / relative
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-"), f"{relative} on the site once the run is over"
        assert pdf.stat().st_mtime_ns >= (site / "index.html").stat().st_mtime_ns, "printed after the site"
    pages = {p.name: p.read_text("utf-8") for p in site.glob("cluster-*.html")}
    assert all(any(f'href="{r}"' in page for r in paths) for page in pages.values()), "each page links its PDF"


def test_no_deliver_queues_without_sending(vigie_home, small_sample):
    result = season_review(data_dir=str(small_sample), deliver=False)
    outbox = store.read_table(get_engine(load_settings().database_url), OutboxMessage)
    assert result["delivered"] is None and result["queued"] == len(outbox) > 0
    assert set(outbox["status"]) == {"queued"}
    assert not load_settings().outbox_dir.exists() or not list(load_settings().outbox_dir.glob("*.eml"))
