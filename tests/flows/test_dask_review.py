"""The review on Dask (clusters in groups, one task each) gives exactly the local review's scores."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import pytest
from prefect import flow

from flows.scale import join_reviews, review_on_dask, split_clusters
from flows.settings import load_settings
from indicators import Review


def assert_same_review(left: Review, right: Review) -> None:
    assert left.campaign == right.campaign and left.grid_hash == right.grid_hash
    for item in fields(Review):
        value = getattr(left, item.name)
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, getattr(right, item.name), obj=item.name)


def test_split_clusters_keeps_every_cluster_once_in_sorted_groups():
    groups = split_clusters(["c", "a", "e", "b", "d", "a"], 2)
    assert groups == [["a", "b", "c"], ["d", "e"]]
    assert split_clusters(["b", "a"], 5) == [["a"], ["b"]]
    assert split_clusters([], 3) == []


def test_dask_review_equals_local_review(vigie_home, small_sample, monkeypatch):
    from flows.grids import grid_in_force
    from flows.season import compute_review, read_tables, validate_tables

    monkeypatch.setenv("VIGIE_TASK_RUNNER", "dask")
    monkeypatch.setenv("VIGIE_DASK_GROUPS", "2")
    settings = load_settings()

    @flow(name="dask-review-check")
    def both() -> tuple[Review, Review, int]:
        tables, _ = validate_tables.fn(read_tables.fn(str(small_sample)))
        local = compute_review.fn(tables, "2025", None, settings)
        on_dask = review_on_dask(tables, "2025", None, grid_in_force(settings), settings)
        return local, on_dask, len(tables["clusters"])

    local, on_dask, n_clusters = both()
    assert n_clusters >= 2, "the sample must give Dask more than one group"
    assert len(local.overall) == n_clusters and local.overall["score"].notna().any()
    assert_same_review(local, on_dask)


def test_join_reviews_of_one_group_is_that_review(small_sample, vigie_home):
    from flows.season import compute_review, read_tables, validate_tables

    tables, _ = validate_tables.fn(read_tables.fn(str(small_sample)))
    review = compute_review.fn(tables, "2025", None, load_settings())
    assert_same_review(join_reviews([review]), review)


def test_season_flow_stores_the_same_scores_with_either_runner(vigie_home, small_sample, monkeypatch):
    from flows.season import season_review
    from warehouse import store
    from warehouse.db import get_engine
    from warehouse.models import IndicatorValue, OverallScore

    stored = {}
    for runner in ("local", "dask"):
        monkeypatch.setenv("VIGIE_TASK_RUNNER", runner)
        monkeypatch.setenv("VIGIE_HOME", str(vigie_home / runner))
        season_review(data_dir=str(small_sample), season="2025", deliver=False)
        engine = get_engine(load_settings().database_url)
        stored[runner] = [
            store.read_table(engine, model).drop(columns=["id", "run_id"]).sort_values(key).reset_index(drop=True)
            for model, key in ((IndicatorValue, ["cluster_id", "indicator_id"]), (OverallScore, ["cluster_id"]))
        ]
    assert len(stored["local"][0]) > 0
    for local, on_dask in zip(stored["local"], stored["dask"], strict=True):
        pd.testing.assert_frame_equal(local, on_dask)


def stored_scores() -> list[pd.DataFrame]:
    """The warehouse's indicator values and overall scores, in a stable order, without run ids."""
    from warehouse import store
    from warehouse.db import get_engine
    from warehouse.models import IndicatorValue, OverallScore

    engine = get_engine(load_settings().database_url)
    return [
        store.read_table(engine, model).drop(columns=["id", "run_id"]).sort_values(key).reset_index(drop=True)
        for model, key in ((IndicatorValue, ["cluster_id", "indicator_id"]), (OverallScore, ["cluster_id"]))
    ]


def assert_same_reports_rows(overall: pd.DataFrame) -> None:
    """The rows per cluster and table the dashboards show are the same from the partition summaries as from the
    rows themselves; the flow's lean read holds no deliveries."""
    from flows.intake import read_store
    from flows.scale_store import ROWS, read_store_lean
    from reports.context_panels import rows_by_cluster

    whole, lean = read_store(load_settings())[0], read_store_lean(load_settings())[0]
    assert list(lean["deliveries"].columns) == ["campaign", "cluster_id", ROWS]
    assert len(lean["deliveries"]) < len(whole["deliveries"]) and set(lean) == set(whole)
    assert rows_by_cluster(lean, overall) == rows_by_cluster(whole, overall)
    assert rows_by_cluster(whole, overall)[overall["cluster_id"].iloc[0]]["deliveries"] > 0


def test_review_of_the_store_on_dask_reads_by_partition_and_equals_the_local_one(vigie_home, small_sample, monkeypatch):
    from flows import scale
    from flows.intake import intake
    from flows.season import season_review

    intake(path=str(small_sample), expectations=False)
    local = season_review(season="2025", deliver=False)
    local_scores = stored_scores()
    sent = []
    submit = scale.group_task
    monkeypatch.setattr(scale, "group_task", lambda *args: sent.append(submit(*args)) or sent[-1])
    monkeypatch.setenv("VIGIE_TASK_RUNNER", "dask")
    monkeypatch.setenv("VIGIE_DASK_GROUPS", "2")
    on_dask = season_review(season="2025", deliver=False)

    assert len(sent) == 2 and all(task is scale.review_stored_group for task, _ in sent)
    for _, parameters in sent:  # the store's URL and versions, never rows
        assert not any(
            isinstance(value, pd.DataFrame | dict) and "tables" in name for name, value in parameters.items()
        )
        assert set(parameters["versions"]) >= {"clusters", "deliveries"}
    assert_same_review(local["review"], on_dask["review"])
    assert on_dask["counts"] == local["counts"]
    assert_same_reports_rows(on_dask["review"].overall)
    for before, after in zip(local_scores, stored_scores(), strict=True):
        pd.testing.assert_frame_equal(before, after)


@pytest.mark.s3
def test_dask_review_of_a_past_store_version_on_s3_equals_the_local_review_of_it(
    s3_store, small_sample, tmp_path, monkeypatch
):
    from flows.intake import intake
    from flows.season import season_review
    from warehouse import store_log

    intake(path=str(small_sample), expectations=False)
    first = season_review(season="2025", deliver=False)
    version = store_log.load(load_settings().store_dir).version
    deliveries = pd.read_csv(small_sample / "deliveries.csv", dtype=str, keep_default_na=False)
    corrected = deliveries[deliveries["campaign"].str.endswith("2025")].assign(accepted_kg="0")
    corrected.to_csv(tmp_path / "livraisons_correction.csv", index=False)  # changes the scores (test_season_as_of)
    intake(path=str(tmp_path / "livraisons_correction.csv"), expectations=False)
    monkeypatch.setenv("VIGIE_TASK_RUNNER", "dask")
    monkeypatch.setenv("VIGIE_DASK_GROUPS", "2")
    again = season_review(season="2025", deliver=False, as_of=str(version))
    assert store_log.load(load_settings().store_dir).version > version
    assert_same_review(first["review"], again["review"])


def test_a_group_is_sent_its_rows_only_when_there_are_no_store_versions_to_read(vigie_home):
    from flows.scale import group_task, review_group, review_stored_group

    settings = load_settings()
    tables = {"clusters": pd.DataFrame({"cluster_id": ["a", "b"]}), "deliveries": pd.DataFrame({"cluster_id": ["a"]})}
    for read in (None, {"store": 0, "tables": {}}):  # a folder of CSV files; a store from before Delta Lake
        task, parameters = group_task(tables, "2025", ["b"], None, settings, read)
        assert task is review_group and parameters["tables"]["clusters"]["cluster_id"].tolist() == ["b"]
    read = {"store": 3, "tables": {"clusters": 1, "deliveries": 2, "sales": 5}}
    task, parameters = group_task(tables, "2025", ["b"], None, settings, read)
    assert task is review_stored_group and "tables" not in parameters
    assert parameters["versions"] == {"clusters": 1, "deliveries": 2}, "the tables with files, at their versions"
    assert parameters["store_url"] == str(settings.store_dir)
