"""`vigie quarantine list|export`: an officer sees the refused rows and gets them back in a spreadsheet."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from flows.cli import main
from flows.intake_run import ingest_file
from flows.settings import load_settings
from schemas.readers.source import open_source
from schemas.tables import columns_of
from warehouse.db import get_engine

ROWS = [
    "CL-1,Cluster riz,riz,paddy,Zou,Zogbodomey,Rizerie,comite@c.bj,,fr,10-01,06-30,Africa/Porto-Novo",
    "CL-2,Cluster maïs,maïs,grain,Alibori,Gogounou,Unité,comite@c.bj,,xx,08-01,05-31,Africa/Porto-Novo",
    "CL-3,Cluster soja,soja,grain,Plateau,Kétou,Unité,pas-un-email,,fr,13-01,05-31,Africa/Porto-Novo",
]


def submit_bad_clusters(tmp_path) -> str:
    path = tmp_path / "clusters.csv"
    path.write_text("\n".join([",".join(columns_of("clusters")), *ROWS]) + "\n", encoding="utf-8")
    settings = load_settings()
    summary = ingest_file(path, None, settings, get_engine(settings.database_url), date(2026, 11, 22), False)
    assert (summary.rows_accepted, summary.rows_quarantined) == (1, 2)
    return summary.submission_id


def test_quarantine_list_shows_file_row_and_reasons(vigie_home, tmp_path):
    submission = submit_bad_clusters(tmp_path)
    listed = CliRunner().invoke(main, ["quarantine", "list"])
    assert listed.exit_code == 0, listed.output
    assert "clusters.csv row 2: language: must be one of fr, en (got 'xx')" in listed.output
    assert "row 3:" in listed.output and "2 row(s)." in listed.output
    as_json = json.loads(CliRunner().invoke(main, ["quarantine", "list", "--json", "--submission", submission]).output)
    assert [r["row_number"] for r in as_json] == [2, 3]
    wrong = CliRunner().invoke(main, ["quarantine", "list", "--table", "harvests"])
    assert wrong.exit_code != 0 and "not a table" in wrong.output


def test_quarantine_export_writes_a_workbook_to_fix_and_submit_again(vigie_home, tmp_path):
    submit_bad_clusters(tmp_path)
    out = tmp_path / "corrections.xlsx"
    exported = CliRunner().invoke(main, ["quarantine", "export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output and out.exists()
    source = open_source(out)
    assert [p.table for p in source.parts] == ["clusters"]
    cells = next(source.parts[0].read()).cells.to_pylist()
    assert [row["c0"] for row in cells] == ["CL-2", "CL-3"]
    assert "n'est pas une valeur permise" in cells[0][f"c{len(columns_of('clusters'))}"], "reasons in French"
    folder = tmp_path / "csv"
    assert CliRunner().invoke(main, ["quarantine", "export", "--out", str(folder), "--lang", "en"]).exit_code == 0
    assert (folder / "clusters_a_corriger.csv").read_text(encoding="utf-8-sig").count("\n") == 3
