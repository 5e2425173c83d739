"""Progress shows on a terminal only: rows read while a file is taken in; nothing on a pipe."""

from __future__ import annotations

import io

from flows import progress
from flows.adapters import engine_for
from flows.intake_run import ingest_file
from flows.settings import load_settings


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ingest(tmp_path):
    from synthetic import generate

    generate(tmp_path / "s", clusters=1, campaigns=1, seed=1, deliveries_per_cluster_campaign=20)
    settings = load_settings()
    return ingest_file(tmp_path / "s" / "clusters.csv", None, settings, engine_for(settings), expectations=False)


def test_rows_read_show_on_a_terminal_and_the_line_is_cleared_after(vigie_home, tmp_path):
    terminal = Terminal()
    with progress.on_terminal(terminal):
        _ingest(tmp_path)
    shown = terminal.getvalue()
    assert "clusters.csv: 1 rows read" in shown and shown.endswith(progress.CLEAR_LINE)


def test_nothing_shows_on_a_pipe(vigie_home, tmp_path):
    pipe = io.StringIO()
    with progress.on_terminal(pipe):
        _ingest(tmp_path)
        progress.report("12 clusters scored")
    assert pipe.getvalue() == ""
