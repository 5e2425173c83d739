"""One committee message built once for all its addresses: the copies differ only in To and Message-ID."""

from __future__ import annotations

import email
from email import policy

import pytest

from reports.message import build_mime, mime_copies
from reports.render import Rendered

SENDER = "Vigie <vigie@clusters.example.bj>"
RECIPIENTS = ["comite@x.bj", "Adjoa Hounsou <adjoa@y.bj>", "trésorier@z.bj"]


@pytest.fixture
def rendered() -> Rendered:
    return Rendered(
        subject="Tableau de bord · Coopérative « Zou » – campagne 2025",
        html="<p>Bonjour <img src='cid:axes'></p>",
        text="Bonjour",
        inline_images=[("axes", "axes.png", b"\x89PNG fake image bytes")],
        attachments=[("indicateurs.csv", "text/csv", b"indicateur;valeur\n1.1;3,5\n")],
    )


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def test_each_copy_is_addressed_to_its_recipient_with_its_own_message_id(rendered: Rendered) -> None:
    copies = [parsed(raw) for raw in mime_copies(rendered, SENDER, RECIPIENTS, {"X-Vigie-Run": "run-1"})]
    assert [str(m["To"]) for m in copies] == ["comite@x.bj", "Adjoa Hounsou <adjoa@y.bj>", "trésorier@z.bj"]
    assert len({m["Message-ID"] for m in copies}) == 3
    assert all(m["Message-ID"].endswith("@clusters.example.bj>") for m in copies)


def test_copies_differ_only_in_to_and_message_id(rendered: Rendered) -> None:
    raw = mime_copies(rendered, SENDER, RECIPIENTS, {"X-Vigie-Run": "run-1"})
    first = parsed(raw[0])
    for other in map(parsed, raw[1:]):
        headers = lambda m: [(k, str(v)) for k, v in m.items() if k not in ("To", "Message-ID")]  # noqa: E731
        assert headers(other) == headers(first)
        assert [p.get_payload(decode=True) for p in other.walk()] == [p.get_payload(decode=True) for p in first.walk()]
        assert other["To"] != first["To"] and other["Message-ID"] != first["Message-ID"]


def test_a_copy_reads_back_as_the_message_built_for_that_recipient(rendered: Rendered) -> None:
    copy = parsed(mime_copies(rendered, SENDER, RECIPIENTS, {"X-Vigie-Run": "run-1"})[2])
    alone = parsed(build_mime(rendered, SENDER, RECIPIENTS[2], {"X-Vigie-Run": "run-1"}))
    same = lambda m: {k: str(v) for k, v in m.items() if k not in ("Message-ID", "Date", "Content-Type")}  # noqa: E731
    assert same(copy) == same(alone)
    assert copy.get_body(("plain",)).get_content() == alone.get_body(("plain",)).get_content()
    assert copy.get_body(("html",)).get_content() == alone.get_body(("html",)).get_content()
    names = lambda m: [(p.get_filename(), p.get_payload(decode=True)) for p in m.iter_attachments()]  # noqa: E731
    assert names(copy) == names(alone)


def test_no_recipient_no_copy(rendered: Rendered) -> None:
    assert mime_copies(rendered, SENDER, []) == []
