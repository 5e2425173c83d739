"""What the officer sees in the Prefect UI, read back through the Prefect API of the test harness (a real temporary
Prefect server): after an intake and a review, run names that say what ran, tags to filter by, and the artifacts
(the file's validation summary; the review's summary and its scores, linked to the site)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from uuid import UUID

import pandas as pd
import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    FlowRunFilterParentFlowRunId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort

from flows.intake import intake, submission_order
from flows.season import season_review

SITE = "https://vigie.example.bj/site"
pytestmark = pytest.mark.integration


def latest_run(name: str) -> FlowRun:
    """The latest flow run of that name."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])), sort=FlowRunSort.START_TIME_DESC
        )
    assert runs, f"no flow run named {name}"
    return runs[0]


def artifacts_of(run_id: UUID) -> dict[str, object]:
    """Key -> artifact of one flow run."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return {artifact.key: artifact for artifact in found}


@pytest.fixture
def submitted(vigie_home: Path, small_sample: Path, tmp_path: Path, monkeypatch) -> list[str]:
    """The sample taken in, with a published site: every table but the deliveries as one batch, then the
    deliveries as the file `livraisons_zou.csv`; the batch's files."""
    monkeypatch.setenv("VIGIE_SITE_URL", SITE)
    others = [str(p) for p in submission_order(small_sample) if p.name != "deliveries.csv"]  # clusters first
    intake(path=others)
    shutil.copy(small_sample / "deliveries.csv", tmp_path / "livraisons_zou.csv")
    summary = intake(path=str(tmp_path / "livraisons_zou.csv"))
    assert summary["status"] == "validated" and summary["rows_accepted"] > 0
    return others


def test_an_intake_run_is_named_after_its_file_tagged_and_shows_its_validation(submitted):
    run = latest_run("intake-livraisons_zou.csv")
    assert {"table:deliveries", "status:validated"} <= set(run.tags), run.tags
    assert any(tag.startswith("campaign:") for tag in run.tags) and any(t.startswith("value-chain:") for t in run.tags)
    artifact = artifacts_of(run.id)["intake-livraisons-zou-csv"]
    assert artifact.type == "markdown"
    assert artifact.data.startswith("# Dépôt « livraisons\\_zou.csv » : lu et vérifié")
    assert "Lignes acceptées" in artifact.data and "Problèmes les plus fréquents" in artifact.data
    assert f"]({SITE}/validation/" in artifact.data, "its validation page on the published site"
    batch = latest_run(f"intake-{Path(submitted[0]).name}+{len(submitted) - 1}")
    assert {"table:clusters", "table:actors"} <= set(batch.tags), batch.tags
    assert {"intake-clusters-csv", "intake-actors-csv"} <= set(artifacts_of(batch.id)), "one summary per file"


def test_a_review_run_is_named_by_season_tagged_and_shows_its_summary_and_scores(submitted, small_sample):
    result = season_review()
    season, run_id = result["season"], UUID(result["run_id"])
    with get_client(sync_client=True) as client:
        run = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))[0]
        delivery = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id]))
        )
    assert run.name == f"season-{season}", "renamed once the latest season is known"
    registry = pd.read_csv(small_sample / "clusters.csv", dtype=str).set_index("cluster_id")["value_chain"]
    chains = set(result["review"].overall["cluster_id"].map(registry))
    assert {f"season:{season}", *(f"value-chain:{c}" for c in chains)} <= set(run.tags), run.tags
    assert [d.name for d in delivery] == [f"deliver-season-{season}"]
    assert f"season:{season}" in delivery[0].tags
    found = artifacts_of(run_id)
    summary, scores = found[f"season-{season}"], found[f"season-{season}-scores"]
    assert summary.type == "markdown" and summary.data.startswith(f"# Bilan de la saison {season}")
    assert f"]({SITE}/officer.html)" in summary.data
    assert scores.type == "table"
    assert len(_rows(scores.data)) == len(result["review"].overall)
    assert all(row["Tableau de bord"].startswith(f"{SITE}/cluster-") for row in _rows(scores.data))


def _rows(data: object) -> list[dict]:
    """A table artifact's rows (the API gives them back as JSON text)."""
    return json.loads(data) if isinstance(data, str) else list(data)
