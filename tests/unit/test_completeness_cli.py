"""`vigie completeness`: the tables each cluster has not sent (or sent thin) for its campaign, said before any
review, and nothing scored, stored or sent."""

from __future__ import annotations

import json

from click.testing import CliRunner

from flows.cli import main
from synthetic import generate


def test_it_names_the_missing_table_and_scores_nothing(vigie_home, tmp_path):
    folder = tmp_path / "sample"
    generate(str(folder), clusters=2, campaigns=2, seed=3, deliveries_per_cluster_campaign=30)
    (folder / "sales.csv").unlink()  # nobody sent the sales
    result = CliRunner().invoke(main, ["completeness", "--data-dir", str(folder), "--season", "2025"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and all("manquent ventes" in line for line in lines)
    assert not (vigie_home / "outbox").exists() and not (vigie_home / "vigie.db").exists()
    as_json = CliRunner().invoke(main, ["completeness", "--data-dir", str(folder), "--json", "--lang", "en"])
    rows = json.loads(as_json.output)["tables"]
    assert {row["status"] for row in rows if row["table"] == "sales"} == {"missing"}
    assert {
        row["status"] for row in rows if row["table"] == "clusters"
    } == set()  # the registry is not a campaign table


def test_an_unknown_cluster_is_refused_in_one_line(vigie_home, tmp_path):
    folder = tmp_path / "sample"
    generate(str(folder), clusters=1, campaigns=1, seed=3, deliveries_per_cluster_campaign=10)
    result = CliRunner().invoke(main, ["completeness", "--data-dir", str(folder), "--cluster", "CL-NOPE"])
    assert result.exit_code == 1 and "CL-NOPE" in result.output
