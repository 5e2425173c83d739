"""Row checks and quarantine: every row accepted or quarantined as sent with every reason; warnings flag rows
without refusing them; quarantined rows go back to a spreadsheet and come in again."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.readers.chunks import Chunk, Malformed, text_table
from schemas.readers.headers import map_headers
from schemas.readers.source import Part, open_source
from schemas.tables import columns_of
from validations.keys import KeyTracker
from validations.outliers import outlier_problems, robust_z
from validations.pipeline import PartValidator
from validations.quarantine import REASONS, csv_bytes, export_frames, write_export
from validations.references import References
from validations.rules import load_rules

TODAY = date(2026, 11, 22)
COLUMNS = columns_of("deliveries")
GOOD = ["D1", "2024-2025", "CL-1", "A1", "05/11/2024", "paddy", "500", "480", "oui", "L-1", "210", ""]


def refs() -> References:
    clusters = pd.DataFrame(
        {"cluster_id": ["CL-1"], "campaign_start_md": ["10-01"], "campaign_end_md": ["06-30"],
         "officer_emails": ["a@b.bj"], "name": ["Cluster 1"]}
    )  # fmt: skip
    actors = pd.DataFrame(
        {"actor_id": ["A1", "A2", "B1"], "cluster_id": ["CL-1", "CL-1", "CL-2"], "link": ["producer"] * 3}
    )
    return References(clusters, actors)


def part(rows: list[list[str | None]], headers: list[str] = COLUMNS) -> tuple[Part, list[Chunk]]:
    mapping = map_headers("deliveries", headers)
    chunk = Chunk(text_table(rows, len(headers)), np.arange(1, len(rows) + 1))
    return Part("livraisons.csv", mapping, 1, lambda: iter([chunk])), [chunk]


def validate(rows, headers=COLUMNS, extra_chunks=()):
    source, chunks = part(rows, headers)
    validator = PartValidator(source, refs(), TODAY)
    for chunk in [*chunks, *extra_chunks]:
        validator.feed(chunk)
    return validator.finish()


def with_(**changes) -> list[str]:
    row = list(GOOD)
    for column, value in changes.items():
        row[COLUMNS.index(column)] = value
    return row


BAD = {
    "negative quantity": (with_(delivery_id="N", quantity_kg="-4", accepted_kg="0"), "quantity_kg: must be above 0"),
    "accepted above delivered": (with_(delivery_id="A", accepted_kg="900"), "accepted_kg is above quantity_kg"),
    "future date": (with_(delivery_id="F", delivery_date="05/11/2027"), "is in the future"),
    "outside campaign": (with_(delivery_id="O", delivery_date="05/08/2024"), "is outside campaign 2024-2025"),
    "unknown cluster": (with_(delivery_id="C", cluster_id="CL-9"), "'CL-9' is not a known cluster"),
    "actor of another cluster": (
        with_(delivery_id="B", supplier_actor_id="B1"), "'B1' is not a known actor of cluster CL-1"
    ),
    "formula": (with_(delivery_id='=HYPERLINK("http://x")'), "looks like a spreadsheet formula"),
    "not a date": (with_(delivery_id="X", delivery_date="31/02/2025"), "delivery_date: cannot be read as a date"),
    "not a number": (with_(delivery_id="Y", quantity_kg="12kg"), "quantity_kg: cannot be read as a number"),
    "bad campaign": (with_(delivery_id="Z", campaign="24-25"), "campaign: does not have the expected form"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_each_bad_row_is_quarantined_as_sent_with_its_reason(case):
    row, reason = BAD[case]
    outcome = validate([GOOD, row])
    assert outcome.rows_read == 2 == outcome.rows_accepted + outcome.rows_quarantined
    assert outcome.rows_accepted == 1
    refused = outcome.quarantined[0]
    assert reason in refused["reasons"]
    assert refused["cells"] == dict(zip(COLUMNS, row, strict=True)), "kept exactly as sent"
    assert (refused["row_number"], refused["line_number"]) == (2, 3)


def test_a_row_with_several_problems_gets_every_reason():
    outcome = validate([with_(quantity_kg="-4", accepted_kg="9", delivery_date="05/11/2027", supplier_actor_id="Q")])
    reasons = outcome.quarantined[0]["reasons"]
    for expected in ("must be above 0", "accepted_kg is above quantity_kg", "in the future", "not a known actor"):
        assert expected in reasons


def test_the_same_row_twice_keeps_the_first_across_chunks():
    second = Chunk(text_table([GOOD, with_(delivery_id="D2")], len(COLUMNS)), np.array([3, 4]))
    outcome = validate([GOOD, with_(delivery_id="D3")], extra_chunks=[second])
    assert outcome.rows_read == 4 and outcome.rows_accepted == 3
    assert [q["row_number"] for q in outcome.quarantined] == [3]
    assert "same key (delivery_id) as an earlier row of the file (row 1)" in outcome.quarantined[0]["reasons"]


def test_rows_that_cannot_be_split_are_quarantined_with_their_text():
    source, _ = part([GOOD])
    chunk = Chunk(text_table([GOOD], len(COLUMNS)), np.array([1]), [Malformed(2, "D9;x;y", 3, 12)])
    validator = PartValidator(source, refs(), TODAY)
    validator.feed(chunk)
    outcome = validator.finish()
    assert outcome.rows_read == 2 == outcome.rows_accepted + outcome.rows_quarantined
    assert outcome.quarantined[0]["cells"] == {"(row as sent)": "D9;x;y"}
    assert "has 3 cells where the header has 12" in outcome.quarantined[0]["reasons"]


def test_a_kobo_row_not_approved_or_sent_twice_is_quarantined():
    headers = [*COLUMNS, "_uuid", "_validation_status"]
    rows = [
        [*GOOD, "u1", "validation_status_approved"],
        [*with_(delivery_id="D2"), "u1", ""],
        [*with_(delivery_id="D3"), "u3", "validation_status_not_approved"],
    ]
    outcome = validate(rows, headers)
    reasons = {q["row_number"]: q["reasons"] for q in outcome.quarantined}
    assert "same Kobo/ODK submission (same submission id)" in reasons[2]
    assert "_validation_status: rejected by the supervisor (validation_status_not_approved)" in reasons[3]
    assert outcome.accepted[0].column("_uuid").to_pylist() == ["u1"]


def test_a_supervisors_verdict_is_honoured_as_kobo_labels_and_odk_central_write_it():
    # Kobo with label headers writes Not Approved / On Hold / Approved; ODK Central writes ReviewState.
    kobo = [
        [*with_(delivery_id="K1"), "u1", "Not Approved"],
        [*with_(delivery_id="K2"), "u2", " On Hold "],
        [*with_(delivery_id="K3"), "u3", "Approved"],
    ]
    outcome = validate(kobo, [*COLUMNS, "_uuid", "_validation_status"])
    reasons = {q["row_number"]: q["reasons"] for q in outcome.quarantined}
    assert list(reasons) == [1] and "rejected by the supervisor (Not Approved)" in reasons[1]
    assert outcome.rows_accepted == 2 and outcome.rows_warned == 1
    warned = [w for t in outcome.accepted for w in t.column("_warnings").to_pylist() if w]
    assert warned and "on hold or with issues for the supervisor (On Hold" in warned[0]
    odk = [
        [*with_(delivery_id="O1"), "rejected"],
        [*with_(delivery_id="O2"), "hasIssues"],
        [*with_(delivery_id="O3"), "edited"],
        [*with_(delivery_id="O4"), "approved"],
        [*with_(delivery_id="O5"), ""],
    ]
    outcome = validate(odk, [*COLUMNS, "ReviewState"])
    assert [q["row_number"] for q in outcome.quarantined] == [1]
    assert "ReviewState: rejected by the supervisor (rejected)" in outcome.quarantined[0]["reasons"]
    assert outcome.rows_read == 5 == outcome.rows_accepted + outcome.rows_quarantined and outcome.rows_warned == 1


def test_verdict_words_are_configurable_and_checked():
    from validations.rules import RulesError, parse_rules

    rules = parse_rules({"supervisor_verdicts": {"rejected": ["Refusé "], "flagged": ["à revoir"]}})
    assert rules.rejected_verdicts == {"refusé"} and rules.flagged_verdicts == {"à revoir"}
    assert "rejected" in parse_rules({}).rejected_verdicts  # the defaults without the section
    with pytest.raises(ValueError, match="in both lists"):
        parse_rules({"supervisor_verdicts": {"rejected": ["x"], "flagged": ["X"]}})
    with pytest.raises(ValueError, match="must be a list of words"):
        parse_rules({"supervisor_verdicts": {"rejected": "rejected"}})
    assert issubclass(RulesError, ValueError)


def test_robust_outliers_are_warnings_judged_per_group():
    rng = np.random.default_rng(1)
    quantities = rng.lognormal(6, 0.3, 200)
    quantities[17] = 40_000.0
    rows = [
        with_(delivery_id=f"D{i}", quantity_kg=f"{q:.1f}", accepted_kg=f"{q * 0.9:.1f}")
        for i, q in enumerate(quantities)
    ]
    outcome = validate(rows)
    assert outcome.rows_accepted == 200 and outcome.rows_warned == 1
    warnings = outcome.accepted[0].column("_warnings").to_pylist()
    assert "unusual for this cluster, link and campaign" in warnings[17]
    assert outcome.counts["outlier"] == 1


def test_a_harvest_peak_does_not_cry_wolf():
    """Seasonal volumes: a few big harvest-peak deliveries would inflate a plain z-score; the robust rule on the
    logarithm leaves a plausible peak alone and still catches a typing mistake (an extra zero)."""
    rng = np.random.default_rng(7)
    normal = rng.lognormal(6, 0.4, 300)
    peak = rng.lognormal(6.8, 0.25, 30)
    values = np.concatenate([normal, peak, [normal[0] * 10]])
    frame = pd.DataFrame({"cluster_id": "CL-1", "supplier_link": "producer", "campaign": "2025", "quantity_kg": values,
                          "unit_price_xof": 200.0})  # fmt: skip
    rules = load_rules()
    flags = outlier_problems(frame, rules.outliers["deliveries"], rules.threshold, rules.min_group_rows, 0.25)
    assert flags["row"].tolist() == [330]
    plain_z = np.abs((values[:-1] - values[:-1].mean()) / values[:-1].std())
    assert (plain_z > 3.5).sum() >= 3, "a plain z-score flags harvest-peak deliveries that are not mistakes"


def test_robust_z_ignores_missing_values_and_small_groups():
    z, median, count = robust_z(np.array([10.0, 11, 12, 10, 11, 500, np.nan]), np.zeros(7, dtype=np.int64))
    assert median[0] == 11 and count[0] == 6 and np.isnan(z[-1]) and z[5] > 100


def test_key_tracker_names_the_first_row_across_chunks():
    tracker = KeyTracker(["a"])
    rows, firsts = tracker.repeats(pa.table({"a": ["x", "y", "x", None]}), np.array([1, 2, 3, 4]))
    assert rows.tolist() == [2] and firsts.tolist() == [1]
    rows, firsts = tracker.repeats(pa.table({"a": ["y", "z", "z"]}), np.array([5, 6, 7]))
    assert rows.tolist() == [0, 2] and firsts.tolist() == [2, 6]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=30), st.integers(0, 5))
def test_keys_depend_on_the_text_only(texts, cut):
    """Equal texts are one key wherever they sit (plain or large strings, sliced or encoded arrays); different
    texts, or parts cut elsewhere, are different keys."""
    tracker = KeyTracker(["a"])
    rows, _ = tracker.repeats(pa.table({"a": pa.array(texts, pa.large_string())}), np.arange(1, len(texts) + 1))
    assert len(texts) - len(rows) == len(set(texts))
    again = pa.array(["pad"] * cut + texts, pa.string()).slice(cut)
    for column in (again, again.dictionary_encode()):
        rows, _ = tracker.repeats(pa.table({"a": column}), np.arange(len(texts)))
        assert rows.tolist() == list(range(len(texts)))
    pairs = KeyTracker(["a", "b"])
    rows, _ = pairs.repeats(pa.table({"a": ["a", "ab"], "b": ["bc", "c"]}), np.array([1, 2]))
    assert not len(rows), '("a", "bc") is not ("ab", "c")'


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz") | st.none(), max_size=30), max_size=25),
)
def test_key_tracker_agrees_with_a_dictionary_over_many_chunks(chunks):
    """However many chunks, each repeat names the first row with its key."""
    tracker, first, number = KeyTracker(["a"]), {}, 0
    for keys in chunks:
        numbers = np.arange(number + 1, number + 1 + len(keys))
        expected_rows, expected_firsts = [], []
        for position, key in enumerate(keys):
            if key is None:
                continue
            if key in first:
                expected_rows.append(position)
                expected_firsts.append(first[key])
            else:
                first[key] = int(numbers[position])
        rows, firsts = tracker.repeats(pa.table({"a": pa.array(keys, pa.large_string())}), numbers)
        assert rows.tolist() == expected_rows and firsts.tolist() == expected_firsts
        number += len(keys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(["", "0", "-1", "D1", "CL-1", "A1", "2024-2025", "=1+1", "oui",
                                                         "05/11/2024", "1 234,5", "x" * 300, "é\u00a0"]),
                           st.text(max_size=8)), min_size=12, max_size=12),
        min_size=1, max_size=15,
    )
)  # fmt: skip
def test_whatever_the_cells_no_row_is_lost(rows):
    outcome = validate(rows)
    blank = sum(all(cell in (None, "") or not str(cell).strip() for cell in row) for row in rows)
    assert outcome.rows_read == len(rows) - blank
    assert outcome.rows_read == outcome.rows_accepted + outcome.rows_quarantined


def _quarantined_frame(outcome, file_name="livraisons.csv") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"table_name": "deliveries", "file_name": file_name, "row_number": q["row_number"],
             "cells": json.dumps(q["cells"]), "problems": json.dumps(q["problems"])}
            for q in outcome.quarantined
        ]
    )  # fmt: skip


def test_quarantine_export_gives_back_the_rows_as_sent_with_reasons_and_no_live_formula(tmp_path):
    outcome = validate([GOOD, BAD["formula"][0], BAD["negative quantity"][0]])
    frames = export_frames(_quarantined_frame(outcome), {"problem_above": "{column} : doit être > {detail}"})
    frame = frames["deliveries"]
    assert list(frame.columns[: len(COLUMNS)]) == COLUMNS and REASONS in frame.columns
    assert "quantity_kg : doit être > 0" in frame.loc[1, REASONS]
    text = csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n-4" not in text  # the formula is neutralised, the number is not
    written = write_export(frames, tmp_path / "corrections.xlsx")
    source = open_source(written[0])
    assert [p.table for p in source.parts] == ["deliveries"], "the workbook comes back in by its sheet name"
    chunk = next(source.parts[0].read())
    assert chunk.cells.column("c0").to_pylist()[0] == '\'=HYPERLINK("http://x")', "text with its apostrophe"


HOSTILE = ["-2+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")']
TITLE = '=HYPERLINK("http://pirate.example","cliquez")'


def test_no_formula_goes_back_out_in_the_quarantine_exports_cells_or_titles(tmp_path):
    import csv

    from openpyxl import load_workbook

    rows = [with_(delivery_id=f"H{i}", lot_id=cell, quantity_kg="-4") + ["x"] for i, cell in enumerate(HOSTILE)]
    rows.append(with_(delivery_id="Q\x01", quantity_kg="-4") + ["\x02"])  # control characters, XLSX cannot hold
    outcome = validate(rows, headers=[*COLUMNS, TITLE])
    assert outcome.rows_quarantined == len(rows)
    frames = export_frames(_quarantined_frame(outcome))
    csv_path, xlsx_path = write_export(frames, tmp_path / "csv")[0], write_export(frames, tmp_path / "x.xlsx")[0]
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    lots = [line[COLUMNS.index("lot_id")] for line in read[1 : len(HOSTILE) + 1]]
    assert lots == ["'" + cell for cell in HOSTILE] and "'" + TITLE in read[0]
    assert {line[COLUMNS.index("quantity_kg")] for line in read[1:]} == {"-4"}, "a plain number is left as sent"
    sheet = load_workbook(xlsx_path).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert cells and not [cell.coordinate for cell in cells if cell.data_type == "f"]
    titles = [cell.value for cell in sheet[1]]
    assert "'" + TITLE in titles
    in_sheet = [r[COLUMNS.index("lot_id")].value for r in sheet.iter_rows(min_row=2)][: len(HOSTILE)]
    assert in_sheet == [lot.replace("\r", "\n") for lot in lots], "XML reads a carriage return back as a line feed"
    assert "Q\u2401" in [r[0].value for r in sheet.iter_rows(min_row=2)], "a control character shows as its symbol"
