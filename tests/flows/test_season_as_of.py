"""Lineage by version: each review records the store versions it read, and `--as-of` reviews the store as it
was, reproducing the scores of the review that read that version; on a local disk and in an S3 bucket."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

from flows.intake import intake
from flows.season import season_review
from flows.settings import load_settings
from warehouse.db import get_engine
from warehouse.models import Run


def scores(result: dict) -> pd.DataFrame:
    """Every indicator's value and score, and each cluster's overall score, in a stable order."""
    review = result["review"]
    indicators = review.indicators.sort_values(["cluster_id", "indicator_id"]).reset_index(drop=True)
    overall = review.overall.sort_values("cluster_id").reset_index(drop=True)
    return pd.concat([indicators, overall], keys=["indicators", "overall"])


def read_versions(run_id: str) -> dict:
    engine = get_engine(load_settings().database_url)
    with engine.connect() as connection:
        return json.loads(connection.execute(select(Run.store_versions).where(Run.run_id == run_id)).scalar_one())


def review_correct_and_review_as_of(sample, tmp_path) -> None:
    intake(path=str(sample), expectations=False)
    first = season_review(deliver=False)
    read = read_versions(first["run_id"])
    assert read["store"] >= 1 and "deliveries" in read["tables"], "the review recorded what it read"

    deliveries = pd.read_csv(sample / "deliveries.csv", dtype=str, keep_default_na=False)
    season = first["season"]
    corrected = deliveries[deliveries["campaign"].str.endswith(season)].copy()
    corrected["accepted_kg"] = "0"  # every delivery of the season refused at reception: losses change the scores
    corrected.to_csv(tmp_path / "livraisons_correction.csv", index=False)
    intake(path=str(tmp_path / "livraisons_correction.csv"), expectations=False)
    second = season_review(season=season, deliver=False)
    assert not scores(second).equals(scores(first)), "the correction changed the scores"

    again = season_review(season=season, deliver=False, as_of=str(read["store"]))
    pd.testing.assert_frame_equal(scores(again), scores(first))
    assert read_versions(again["run_id"]) == read


def test_a_review_as_of_the_first_version_reproduces_the_first_scores(vigie_home, small_sample, tmp_path):
    review_correct_and_review_as_of(small_sample, tmp_path)


@pytest.mark.s3
def test_the_whole_intake_review_and_as_of_path_runs_on_s3(s3_store, small_sample, tmp_path):
    review_correct_and_review_as_of(small_sample, tmp_path)
    assert not (load_settings().home / "store").exists(), "nothing went to a local folder"
