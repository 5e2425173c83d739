"""Bounded input (issue 14): files built as the cases were found (a workbook with one enormous cell, a CSV 100 000
columns wide, a zip bomb, a file above the size limit) are refused early, in bounded memory, with the limit, what
was found and the variable to raise; nothing is stored, nothing stored before is lost, the ledger records the
refusal like any other."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.intake_run import ingest_file
from flows.settings import SettingsError, load_settings
from reports.i18n import catalogue
from schemas.readers.limits import Limits, cell_name
from schemas.readers.refusal import ReadRefused
from schemas.readers.source import open_source
from schemas.tables import columns_of
from validations.report import refusal_text
from warehouse import ledger
from warehouse.db import get_engine
from warehouse.parquet_store import read_tables

TODAY = date(2026, 11, 22)
HEADER = columns_of("deliveries")
ROW = ["D1", "2024-2025", "CL-1", "A1", "2024-11-05", "paddy", "500", "480", "true", "L-1", "210", ""]
NATIONAL_ROWS, NATIONAL_BYTES = 10_082_007, 1_360_000_000  # benchmarks/intake_bench.py, README "Throughput"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from synthetic import generate

    out = tmp_path_factory.mktemp("limits-sample")
    generate(out, clusters=2, campaigns=1, seed=5, deliveries_per_cluster_campaign=40)
    return out


@pytest.fixture
def home(vigie_home, sample):
    """A warehouse that already holds the sample's clusters and actors (what a refusal must not lose)."""
    settings = load_settings()
    engine = get_engine(settings.database_url)
    for table in ("clusters", "actors"):
        assert ingest_file(sample / f"{table}.csv", None, settings, engine, today=TODAY).status == "validated"
    return settings, engine


def refused_whole(home, path: Path, code: str, limits: Limits | None = None) -> dict:
    """Ingest `path` (with `limits`); check it is refused with `code`, nothing stored, nothing lost, the refusal in
    the ledger; its summary."""
    settings, engine = home
    settings = replace(settings, limits=limits) if limits else settings
    before = _state(settings, engine)
    summary = ingest_file(path, None, settings, engine, today=TODAY, expectations=False)
    assert (summary.status, summary.reason_code) == ("rejected", code), summary.reason
    assert summary.rows_read == summary.rows_accepted == 0
    stored, submissions, quarantined = _state(settings, engine)
    assert (stored, quarantined) == (before[0], before[2]), "nothing added, nothing lost"
    assert submissions == before[1] + 1
    row = ledger.get_submission(engine, summary.submission_id)
    assert (row["status"], row["reason"]) == ("rejected", summary.reason)
    return summary.as_dict()


def _state(settings, engine) -> tuple:
    stored = {table: len(frame) for table, frame in read_tables(settings.store_dir).items()}
    return stored, len(ledger.submissions(engine)), len(ledger.quarantined(engine, include_resolved=True))


def french(summary: dict) -> str:
    return refusal_text(summary, catalogue("fr"))


def test_limits_are_read_once_into_the_settings_with_defaults_above_the_national_file():
    limits = load_settings({}).limits
    assert limits == Limits()
    assert limits.rows > 2 * NATIONAL_ROWS and limits.file_mb << 20 > 2 * NATIONAL_BYTES
    assert limits.columns > len(HEADER) * 100 and limits.cell_kb << 10 > 32_767 * 4  # Excel's longest cell
    env = {"VIGIE_MAX_ROWS": "1_000", "VIGIE_MAX_CELL_KB": "64", "VIGIE_MAX_XLSX_PART_MB": "8"}
    assert load_settings(env).limits == replace(Limits(), rows=1000, cell_kb=64, xlsx_part_mb=8)
    with pytest.raises(SettingsError, match="VIGIE_MAX_COLUMNS"):
        load_settings({"VIGIE_MAX_COLUMNS": "beaucoup"})
    with pytest.raises(SettingsError, match="VIGIE_MAX_FILE_MB"):
        load_settings({"VIGIE_MAX_FILE_MB": "0"})


def test_cells_are_named_as_a_spreadsheet_names_them():
    assert [cell_name(13, 2), cell_name(1, 25), cell_name(7, 26), cell_name(2, 16_383)] == ["C13", "Z1", "AA7", "XFD2"]


def test_a_csv_100_000_columns_wide_is_refused_from_its_first_line(home, tmp_path):
    path = tmp_path / "livraisons.csv"
    header = HEADER + [f"x{i}" for i in range(100_000 - len(HEADER))]
    path.write_text(",".join(header) + "\n" + ",".join(ROW + [""] * (len(header) - len(ROW))) + "\n")
    summary = refused_whole(home, path, "too_many_columns")
    assert "100000 columns" in summary["reason"] and "5000" in summary["reason"]
    assert "le tableau compte 100000 colonnes, au-delà de la limite de 5000" in french(summary)
    assert "VIGIE_MAX_COLUMNS" in french(summary)


def test_a_file_above_the_size_limit_is_refused_unread(home, tmp_path):
    path = tmp_path / "livraisons.csv"
    path.write_text(",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * 30_000)  # 1.7 MB
    summary = refused_whole(home, path, "file_too_large", Limits(file_mb=1))
    assert "le fichier fait 2 Mo, au-delà de la limite de 1 Mo" in french(summary)
    assert "VIGIE_MAX_FILE_MB" in french(summary)


def test_a_csv_cell_above_the_limit_is_refused_naming_the_cell(home, tmp_path):
    path = tmp_path / "livraisons.csv"
    big = [*ROW[:5], "p" * (300 << 10), *ROW[6:]]
    path.write_text("\n".join(",".join(row) for row in [HEADER, ROW, ROW, big, ROW]) + "\n")
    summary = refused_whole(home, path, "cell_too_large", Limits(cell_kb=256))
    assert "la cellule F4 contient 300 Ko de texte, au-delà de la limite de 256 Ko" in french(summary)
    assert "VIGIE_MAX_CELL_KB" in french(summary)


def test_a_csv_cell_is_checked_in_the_python_reader_too(tmp_path):
    """A file with an irregular row is read by Python's csv module from that row on: the limit holds there."""
    path = tmp_path / "livraisons.csv"
    big = [*ROW[:2], "q" * (40 << 10), *ROW[3:]]
    path.write_text("\n".join(",".join(row) for row in [HEADER, ROW, ROW + ["extra"], ROW, big]) + "\n")
    with pytest.raises(ReadRefused) as refused:
        for _chunk in open_source(path, limits=Limits(cell_kb=32)).parts[0].read():
            pass
    assert refused.value.code == "cell_too_large" and refused.value.details["cell"] == "C5"


def test_rows_beyond_the_limit_are_refused_as_they_are_counted(home, sample):
    summary = refused_whole(home, sample / "deliveries.csv", "too_many_rows", Limits(rows=50))
    assert "plus de 50 lignes de données (80 lues" in french(summary) and "VIGIE_MAX_ROWS" in french(summary)


def excel_workbook(path: Path, rows: list[list[str]], huge: tuple[str, int] | None = None) -> Path:
    """An XLSX as Excel writes it, every text in xl/sharedStrings.xml; `huge` (a cell such as `F3`, megabytes)
    makes that cell's text that large, written in pieces (the test itself stays in bounded memory)."""
    strings, sheet, where = [], [], {}
    for number, row in enumerate(rows, start=1):
        names = [cell_name(number, i) for i in range(len(row))]
        where.update({name: len(strings) + i for i, name in enumerate(names)})
        sheet.append(f'<row r="{number}">' + "".join(_shared(n, where[n]) for n in names) + "</row>")
        strings += row
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _workbook_parts("".join(sheet)).items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {NS}>'.encode())
            for position, text in enumerate(strings):
                if huge and position == where[huge[0]]:
                    out.write(b"<si><t>")
                    for _ in range(huge[1]):
                        out.write(b"z" * (1 << 20))
                    out.write(b"</t></si>")
                else:
                    out.write(f"<si><t>{text}</t></si>".encode())
            out.write(b"</sst>")
    return path


def _shared(name: str, position: int) -> str:
    return f'<c r="{name}" t="s"><v>{position}</v></c>'


def _workbook_parts(sheet_data: str) -> dict[str, str]:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    overrides = [("/xl/workbook.xml", "sheet.main"), ("/xl/worksheets/sheet1.xml", "worksheet"),
                 ("/xl/sharedStrings.xml", "sharedStrings")]  # fmt: skip
    types = "".join(f'<Override PartName="{p}" ContentType="{SHEET_TYPE}.{t}+xml"/>' for p, t in overrides)
    return {
        "[Content_Types].xml": f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{head}<workbook {NS} xmlns:r="{OFFICE}"><sheets>'
        '<sheet name="livraisons" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f"{head}<worksheet {NS}><sheetData>{sheet_data}</sheetData></worksheet>",
    }


def test_an_excel_like_workbook_is_read_as_usual(tmp_path):
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW, ROW])
    assert sum(chunk.rows_read for chunk in open_source(path).parts[0].read()) == 2


def test_a_workbook_with_one_enormous_cell_is_refused_naming_the_cell(home, tmp_path):
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW, ROW, ROW], huge=("F3", 3))
    summary = refused_whole(home, path, "cell_too_large")
    assert "la cellule livraisons!F3 contient 3072 Ko de texte, au-delà de la limite de 1024 Ko" in french(summary)
    assert "VIGIE_MAX_CELL_KB" in french(summary)


MEASURE = """
import json, sys
from schemas.readers.limits import Limits
from schemas.readers.refusal import ReadRefused
from schemas.readers.source import open_source

def peak_mb():  # this process's own high-water mark (ru_maxrss would include the parent's, from before exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

base = peak_mb()
try:
    for part in open_source(sys.argv[1], limits=Limits(cell_kb=int(sys.argv[2]))).parts:
        rows = sum(chunk.rows_read for chunk in part.read())
    code = None
except ReadRefused as refused:
    code = refused.code
print(json.dumps({"code": code, "grew_mb": peak_mb() - base}))
"""


def peak_growth(path: Path, cell_kb: int) -> dict:
    """Open and read `path` in a fresh process: its refusal code (None when read) and how far its peak memory
    grew beyond what the imports took."""
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(cell_kb)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures memory through Linux's /proc")
def test_an_enormous_cell_is_refused_in_bounded_memory(tmp_path):
    """The case as found (one cell of hundreds of MB, 3.6 GB of memory), at 50 MB: refused with a few MB more
    than the imports; the same workbook read with the limit raised takes hundreds (the measure can tell)."""
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW, ROW], huge=("C2", 50))
    assert path.stat().st_size < 1 << 20, "a small file, as the case was"
    refused = peak_growth(path, Limits().cell_kb)
    assert refused["code"] == "cell_too_large" and refused["grew_mb"] < 40, refused
    read = peak_growth(path, 100 << 10)
    assert read["code"] is None and read["grew_mb"] > 150, read


def declare_size(path: Path, member: str, size: int) -> Path:
    """Rewrite the size the zip's central directory declares for `member` (the data stays as it is)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(member)] != member.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I", data, at + 24, size)
    path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_is_refused_from_its_central_directory(home, tmp_path):
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW])
    declare_size(path, "xl/worksheets/sheet1.xml", 0xFFFF_FFF0)  # 4 GB declared, nothing that large to inflate
    summary = refused_whole(home, path, "xlsx_part_too_large")
    text = french(summary)
    assert "la partie xl/worksheets/sheet1.xml du classeur occuperait 4096 Mo, au-delà de la limite de 512 Mo" in text
    assert "VIGIE_MAX_XLSX_PART_MB" in text


@pytest.mark.parametrize(
    ("limits", "code", "variable"),
    [(Limits(xlsx_part_mb=16), "xlsx_part_too_large", "VIGIE_MAX_XLSX_PART_MB"),
     (Limits(xlsx_mb=16), "xlsx_too_large", "VIGIE_MAX_XLSX_MB")],
    ids=["a part", "the whole workbook"],
)  # fmt: skip
def test_a_workbook_that_inflates_a_thousandfold_is_refused_unopened(home, tmp_path, limits, code, variable):
    path = tmp_path / "livraisons.xlsx"
    excel_workbook(path, [HEADER, ROW, *([ROW] * 10), *([[" " * 4096]] * 6000)])  # 24 MB of spaces
    assert path.stat().st_size < 1 << 20
    summary = refused_whole(home, path, code, limits)
    assert variable in french(summary) and "au-delà de la limite de 16 Mo" in french(summary)


def test_a_zip_part_larger_than_it_declares_is_refused_as_unreadable(home, tmp_path):
    """Python's zipfile inflates a part no further than its declared size, then checks its CRC: a part that
    lies about its size cannot inflate beyond the limits either."""
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW, *([[" " * 4096]] * 6000)])
    declare_size(path, "xl/sharedStrings.xml", 1000)
    refused_whole(home, path, "bad_workbook")


def test_a_sheet_declaring_more_columns_than_the_limit_is_refused_before_its_rows(tmp_path):
    path = excel_workbook(tmp_path / "livraisons.xlsx", [HEADER, ROW])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].replace(b"<sheetData>", b'<dimension ref="A1:XFD2"/><sheetData>')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**parts, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, data)
    with pytest.raises(ReadRefused) as refused:
        open_source(path)
    assert refused.value.code == "too_many_columns" and refused.value.details["found"] == "16384"
