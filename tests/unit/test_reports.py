"""Committee dashboards: one cluster's data only, escaped, with a text part and a safe CSV."""

from __future__ import annotations

import email
from email import policy

import pandas as pd

from reports.context import committee_context
from reports.formatting import number, quantity
from reports.message import build_mime
from reports.render import render_committee, safe_csv

LEVELS = {"fragile": {"fr": "fragile", "en": "fragile"}, "performant": {"fr": "performant", "en": "performing"}}


def frames(names: dict[str, str]):
    indicators = pd.DataFrame(
        [
            {
                "cluster_id": c,
                "campaign": "2025",
                "indicator_id": i,
                "axis": 1,
                "label_fr": f"Indicateur {i}",
                "label_en": f"Indicator {i}",
                "value": 0.42,
                "unit": "share",
                "n_rows": 5,
                "score": s,
                "status": "computed",
                "previous_score": pd.NA,
            }
            for c in names
            for i, s in (("1.1", 2), ("1.2", 1))
        ]
    ).astype({"score": "Int64", "previous_score": "Int64"})
    axes = pd.DataFrame(
        [
            {
                "cluster_id": c,
                "campaign": "2025",
                "axis": 1,
                "label_fr": "Gouvernance",
                "label_en": "Governance",
                "score": 1.5,
                "coverage": 0.5,
                "change": -1.0,
            }
            for c in names
        ]
    )
    overall = pd.DataFrame(
        [{"cluster_id": c, "campaign": "2025", "score": 1.5, "level": "fragile", "coverage": 0.08} for c in names]
    )
    alerts = pd.DataFrame(
        [
            {
                "rule": "critical_indicator",
                "cluster_id": c,
                "campaign": "2025",
                "subject": "1.2",
                "value": 1.0,
                "previous": None,
            }
            for c in names
        ]
    )
    return indicators, axes, overall, alerts


def render(cluster: dict, names: dict[str, str]):
    indicators, axes, overall, alerts = frames(names)
    context = committee_context(cluster, "2025", indicators, axes, overall, alerts, "run-9", "abc123", LEVELS)
    mine = indicators[indicators["cluster_id"] == cluster["cluster_id"]]
    return render_committee(context, safe_csv(mine))


def cluster(cluster_id: str, name: str, language: str = "fr") -> dict:
    return {
        "cluster_id": cluster_id,
        "name": name,
        "value_chain": "riz",
        "commune": "Glazoué",
        "aggregator_name": "Rizerie",
        "language": language,
    }


def test_no_other_cluster_appears():
    names = {"CL-A": "Cluster Alpha", "CL-B": "Cluster Bravo"}
    rendered = render(cluster("CL-A", "Cluster Alpha"), names)
    body = rendered.html + rendered.text + rendered.attachments[0][2].decode("utf-8")
    assert "Cluster Alpha" in rendered.html
    assert "CL-B" not in body and "Bravo" not in body


def test_a_hostile_name_is_shown_as_text():
    rendered = render(cluster("CL-X", "<script>alert(1)</script>"), {"CL-X": "x"})
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html


def test_french_by_default_english_on_request():
    fr = render(cluster("CL-A", "Alpha"), {"CL-A": "Alpha"})
    en = render(cluster("CL-A", "Alpha", "en"), {"CL-A": "Alpha"})
    assert "Score global" in fr.html and "bilan de campagne" in fr.subject
    assert "Overall score" in en.html and "Indicator 1.1" in en.html
    assert "1,50" in fr.html and "1.50" in en.html


def test_csv_cells_cannot_run_as_formulas():
    import csv

    cells = ['=HYPERLINK("x")', "+1+1", "-2+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "plain", "+1", "-2"]
    data = safe_csv(pd.DataFrame({"a": cells, "b": [1, 2, 3, 4, 5, 6, 7, -8.5]}))
    lines = list(csv.reader(data.decode("utf-8-sig").splitlines(keepends=True), delimiter=";"))
    assert [line[0] for line in lines[1:]] == [*("'" + cell for cell in cells[:5]), "plain", "+1", "-2"], (
        "a text that is only a number runs nothing and is left as it is"
    )
    assert lines[-1][1] == "-8,5", "a negative number stays a number"


def test_the_message_is_standard_mime_with_text_html_and_csv():
    rendered = render(cluster("CL-A", "Coopérative Élan"), {"CL-A": "x"})
    raw = build_mime(rendered, "Vigie <vigie@clusters.example.bj>", "comite@x.bj")
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "comite@x.bj" and "Élan" in message["Subject"]
    assert message.get_body(("plain",)).get_content().startswith("Bilan de fin de campagne")
    assert "Coopérative Élan" in message.get_body(("html",)).get_content()
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["indicateurs_CL-A_2025.csv"]


def test_numbers_read_the_french_way():
    assert number(1234.5, "fr") == "1\u202f234,5"
    assert number(1234.5, "en") == "1,234.5"
    assert quantity(0.425, "share", "fr") == "42\u00a0%"
    assert quantity(float("nan"), "share", "fr") == "–"


def test_data_with_line_breaks_never_breaks_or_adds_a_header():
    rendered = render(cluster("CL-A\r\nBcc: pirate@x.bj", "Alpha\nBcc: pirate@x.bj\u2028\x85"), {"CL-A": "x"})
    headers = {"X-Vigie-Submission": "abc\nX-Injected: 1", "X-Vigie-Run": "run\x00\x7f"}
    raw = build_mime(rendered, "Vigie <vigie@clusters.example.bj>", "comite@x.bj", headers)
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"].startswith("Vigie · Alpha Bcc: pirate@x.bj ") and "bilan" in message["Subject"]
    assert message["X-Vigie-Submission"] == "abc X-Injected: 1" and message["X-Vigie-Run"] == "run"
    assert [a.get_filename() for a in message.iter_attachments()] == ["indicateurs_CL-A Bcc: pirate@x.bj_2025.csv"]


def test_the_reviews_spreadsheets_neutralise_data_and_keep_negative_numbers():
    import csv

    from reports.spreadsheet import CLUSTER_COLUMNS, clusters_csv

    row = {c: None for c in CLUSTER_COLUMNS} | {"rank": 1, "cluster_id": "=1+1", "name": "-2+cmd|' /C calc'!A0",
                                                "value_chain": "@riz", "campaign": "2025", "score": -1.5,
                                                "coverage": 0.5, "alerts": "+1+1"}  # fmt: skip
    data = clusters_csv(pd.DataFrame([row]), "fr")
    (titles, line) = list(csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";"))
    cells = dict(zip(titles, line, strict=True))
    assert [v for v in cells.values() if v[:1] in ("=", "+", "@", "\t", "\r") or v.startswith("-2+")] == []
    assert "'-2+cmd|' /C calc'!A0" in line and "'=1+1" in line and "'@riz" in line and "'+1+1" in line
    assert "-1,5" in line, "a negative number stays a number"
