"""Readers: what people send (CSV in any usual encoding and separator, Kobo exports, workbooks) brought to the
contract's columns by name; what cannot be read is refused whole with a reason."""

from __future__ import annotations

import pyarrow as pa
import pytest

from schemas.readers.cells import clean_text, parse_column
from schemas.readers.csv_source import csv_chunks
from schemas.readers.forms import FormError, parse_form
from schemas.readers.headers import map_headers
from schemas.readers.names import AmbiguousName, table_from_name, table_from_option
from schemas.readers.parsers import parse_dates, parse_numbers
from schemas.readers.refusal import ReadRefused
from schemas.readers.sniff import sniff
from schemas.readers.source import open_source
from schemas.tables import columns_of

HEADER = ",".join(columns_of("deliveries"))
ROW = "D1,2024-2025,CL-1,A1,2024-11-05,paddy,500,480,true,L-1,210,"


def write(tmp_path, name: str, data: bytes | str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def rows_of(path, table=None) -> list[list]:
    source = open_source(path, table)
    part = source.parts[0]
    found = []
    for chunk in part.read():
        found += [list(r.values()) for r in chunk.cells.to_pylist()]
    return found


@pytest.mark.parametrize(
    "name, table",
    [
        ("livraisons.csv", "deliveries"),
        ("Livraisons riz 2024.CSV", "deliveries"),
        ("deliveries_a_corriger.csv", "deliveries"),
        ("Suivi_des_ventes_-_all_versions_-_labels_-_2025-03-02.csv", "sales"),
        ("comptes d'exploitation.xlsx", "operating_accounts"),
        ("livraisons cluster riz.csv", "deliveries"),
        ("clusters.csv", "clusters"),
        ("member_services.csv", "member_services"),
        ("export.csv", None),
    ],
)
def test_the_table_comes_from_the_file_name_in_french_or_english(name, table):
    assert table_from_name(name) == table


def test_a_name_naming_two_tables_is_ambiguous():
    with pytest.raises(AmbiguousName):
        table_from_name("ventes et livraisons.csv")
    assert table_from_option("Livraisons") == "deliveries" and table_from_option("harvests") is None


@pytest.mark.parametrize(
    "data, encoding, delimiter",
    [
        (f"{HEADER}\n{ROW}\n", "utf-8", ","),
        ("\ufeff" + f"{HEADER}\n{ROW}\n".replace(",", ";"), "utf-8-sig", ";"),
        (f"{HEADER}\nD1,2024-2025,CL-1,A1,2024-11-05,qualité,500,480,oui,,210,\n".encode("cp1252"), "cp1252", ","),
        (f"{HEADER}\n{ROW}\n".replace(",", "\t"), "utf-8", "\t"),
        (f"{HEADER}\r\n{ROW}\r\n".replace(",", "\t").encode("utf-16"), "utf-16", "\t"),
    ],
)
def test_encoding_and_separator_are_recognised(tmp_path, data, encoding, delimiter):
    sniffed = sniff(write(tmp_path, "livraisons.csv", data))
    assert (sniffed.encoding, sniffed.delimiter) == (encoding, delimiter)
    assert sniffed.headers[0] == "delivery_id"


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty"),
        (b"\n\n  \r\n", "empty"),
        (b"\x00\x01\x02binary\x00\xff" * 50, "binary"),
        (b"%PDF-1.7\n...", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old_excel"),
        (b"PK\x03\x04" + b"\x00" * 100, "not_xlsx"),
        (b"delivery_id," + b"x" * (2 << 20), "long_line"),
        ("delivery_id;quantité\n\x81\x8d\x8f\n".encode("latin-1"), "encoding"),
    ],
)
def test_what_is_not_a_table_is_refused_with_its_reason(tmp_path, data, code):
    with pytest.raises(ReadRefused) as refused:
        sniff(write(tmp_path, "livraisons.csv", data))
    assert refused.value.code == code
    assert str(refused.value)  # a sentence, never empty


def test_columns_are_matched_by_name_group_path_or_form_never_position():
    headers = [
        "_uuid", "livraison/accepted_kg", "livraison/quantite_kg", "Delivery_ID", "campagne", "cluster",
        "fournisseur", "date_livraison", "produit", "notes", "_validation_status",
    ]  # fmt: skip
    mapping = map_headers("deliveries", headers)
    assert mapping.columns["quantity_kg"] == 2 and mapping.columns["accepted_kg"] == 1
    assert mapping.columns["delivery_id"] == 3 and mapping.columns["supplier_actor_id"] == 6
    assert mapping.meta == {"_uuid": 0, "_validation_status": 10}
    assert mapping.form == "kobo_livraisons" and mapping.is_kobo
    assert "notes" in mapping.ignored and "lot_id" in mapping.missing_optional


def test_a_column_given_twice_or_a_required_column_missing_refuses_the_file():
    with pytest.raises(ReadRefused, match="both give quantity_kg") as twice:
        map_headers("deliveries", [*columns_of("deliveries"), "livraison/quantity_kg"])
    assert twice.value.code == "duplicate_column"
    with pytest.raises(ReadRefused, match="accepted_kg") as missing:
        map_headers("deliveries", [c for c in columns_of("deliveries") if c != "accepted_kg"])
    assert missing.value.code == "missing_columns"


def test_a_malformed_form_mapping_is_refused_with_its_file_name():
    with pytest.raises(FormError, match="bad.yaml"):
        parse_form({"table": "deliveries", "columns": {"poids": "weight_kg"}}, "bad.yaml")
    with pytest.raises(FormError, match="harvests"):
        parse_form({"table": "harvests", "columns": {"a": "b"}}, "bad.yaml")


def test_numbers_as_people_write_them():
    cells = pa.array(["1 234,5", "1\u00a0234,5", "1234.5", "1.234,5", "1,234.5", "12,5", " 7 ", "-4", "1e3", None])
    values, bad = parse_numbers(clean_text(cells)[0])
    assert values.to_pylist() == [1234.5, 1234.5, 1234.5, 1234.5, 1234.5, 12.5, 7.0, -4.0, 1000.0, None]
    assert bad is None


def test_what_is_not_a_number_date_or_yes_no_is_flagged_not_guessed():
    values, bad, _ = parse_column(pa.array(["12kg", "3", "nan"]), "number")
    assert values.to_pylist() == [None, 3.0, None] and bad.to_pylist() == [True, False, True]
    dates, bad, _ = parse_column(pa.array(["05/11/2024", "2024-11-05", "31/02/2024", "11/25/2024", "05/11/24"]), "date")
    assert [str(d)[:10] for d in dates.to_pylist()[:2]] == ["2024-11-05", "2024-11-05"]
    assert bad.to_pylist() == [False, False, True, True, True]
    flags, bad, _ = parse_column(pa.array(["Oui", "non", "VRAI", "0", "peut-être"]), "yesno")
    assert flags.to_pylist() == [True, False, True, False, None] and bad.to_pylist()[-1]
    whole, bad, _ = parse_column(pa.array(["12", "12.0", "12.5"]), "whole")
    assert whole.to_pylist() == [12, 12, None] and bad.to_pylist() == [False, False, True]


def test_dates_in_every_accepted_form():
    values, bad = parse_dates(
        pa.array(["2024-11-05", "5/11/2024", "05-11-2024", "05.11.2024", "2024/11/05", "2024-11-05T10:00:00"])
    )
    assert {str(v)[:10] for v in values.to_pylist()} == {"2024-11-05"} and bad is None


def test_formula_looking_cells_are_flagged_and_emptied():
    text, formula = clean_text(pa.array(['=HYPERLINK("http://x","clic")', "@SUM(A1)", "+A1", "-4", "ok", " "]))
    assert formula.to_pylist() == [True, True, True, False, False, False]
    assert text.to_pylist() == [None, None, None, "-4", "ok", None]


def test_irregular_rows_are_kept_as_sent_and_numbered_exactly(tmp_path):
    lines = [HEADER, ROW, 'D2,"a, b",CL-1', "", ROW.replace("D1", "D3") + ",,", '"D4\nsuite",' + ",".join("x" * 11)]
    data = "\r\n".join(lines) + "\r\n"
    path = write(tmp_path, "livraisons.csv", data)
    chunks = list(csv_chunks(path, sniff(path)))
    numbers = [int(n) for c in chunks for n in c.row_numbers]
    malformed = [m for c in chunks for m in c.malformed]
    assert numbers == [1, 3, 4], "the trailing empty cells of row 3 are tolerated"
    assert [(m.row_number, m.cells, m.expected) for m in malformed] == [(2, 3, 12)]
    assert malformed[0].text == "D2,a, b,CL-1"
    assert chunks[-1].cells.column("c0").to_pylist()[-1] == "D4\nsuite"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_ending_reads_the_same_rows(tmp_path, newline):
    path = write(tmp_path, "livraisons.csv", newline.join([HEADER, ROW, ROW.replace("D1", "D2")]) + newline)
    assert [row[0] for row in rows_of(path)] == ["D1", "D2"]


def test_a_kobo_export_is_read_by_name_with_its_hxl_row_and_metadata(tmp_path):
    lines = [
        '"start";"livraison/quantite_kg";"livraison/id_livraison";"_uuid";"_validation_status"',
        '"#date";"#quantity";"#id";"";""',
        '"2025-03-01";"1 234,5";"D1";"u-1";"validation_status_approved"',
    ]
    path = write(tmp_path, "Livraisons_-_latest_version_-_labels.csv", "\r\n".join(lines) + "\r\n")
    sniffed = sniff(path)
    assert (sniffed.delimiter, sniffed.header_rows) == (";", 2)
    with pytest.raises(ReadRefused, match="missing"):
        open_source(path)  # the file lacks the other required columns: refused, naming them


def test_a_workbook_gives_one_part_per_sheet_named_after_a_table(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Livraisons"
    sheet.append(columns_of("deliveries"))
    sheet.append(["D1", "2024-2025", "CL-1", "A1", "2024-11-05", "paddy", 500, 480.5, True, None, 210, None])
    sheet.append([None] * 12)
    sheet.append(["D2", "2024-2025", "CL-1", "A1", "2024-11-05", "paddy", "=B2*2", 480, "oui", None, 210, None])
    notes = book.create_sheet("Notes")
    notes.append(["free text"])
    path = tmp_path / "campagne.xlsx"
    book.save(path)
    source = open_source(path)
    assert source.kind == "xlsx" and [p.table for p in source.parts] == ["deliveries"]
    assert any("Notes" in note for note in source.notes)
    chunk = next(source.parts[0].read())
    assert chunk.row_numbers.tolist() == [1, 3], "an empty spreadsheet row is skipped, numbering kept"
    assert chunk.cells.column("c7").to_pylist() == ["480.5", "480"]
    assert chunk.cells.column("c6").to_pylist()[1] == "=B2*2", "a formula is read as written"


def test_a_single_sheet_workbook_takes_its_table_from_the_file_or_option(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(columns_of("sales"))
    book.active.append(["S1", "2025", "CL-1", "2025-03-01", "local", "x", "riz", 100, 500, True])
    path = tmp_path / "Feuille.xlsx"
    book.save(path)
    with pytest.raises(ReadRefused) as refused:
        open_source(path)
    assert refused.value.code == "unknown_table"
    assert open_source(path, "ventes").parts[0].table == "sales"
