"""Issue 17 on the demo sample: every committee dashboard opens with its priorities, the generated action plan is
followed up (overdue actions listed, targets beside the scores), the cluster without a plan is told so, and the
officers' digest counts plans missing, actions overdue and targets met."""

from __future__ import annotations

import re

import pandas as pd

from flows.season import season_review
from reports.i18n import catalogue
from reports.recipients import addresses
from synthetic.plans import WITHOUT_PLAN_EVERY
from tests.flows.test_one_message import outbox_rows, text_of


def test_the_demo_dashboards_open_with_priorities_and_follow_the_generated_plan(vigie_home, demo_sample):
    season_review(data_dir=str(demo_sample), deliver=False)
    clusters = pd.read_csv(demo_sample / "clusters.csv", dtype=str).reset_index()
    outbox = outbox_rows()
    without = {row.cluster_id for row in clusters.itertuples() if row.index % WITHOUT_PLAN_EVERY == 4}
    assert len(without) == 1, "the demo has one cluster without a plan"
    met = 0
    for row in clusters.itertuples():
        t = catalogue(row.language if row.language in ("fr", "en") else "fr")
        mime = outbox.loc[outbox["recipient"] == addresses(row.committee_emails)[0], "mime"].iloc[0]
        text = text_of(mime)
        opening = text[: text.index(t["alerts"])]
        assert t["priorities_title"] in opening, f"{row.cluster_id}: the dashboard opens with its priorities"
        follow = text[text.index(t["plan_title"]) : text.index(t["axes_vs_previous"])]
        if row.cluster_id in without:
            assert t["plan_none"].split("{")[0] in follow
            assert not re.search(t["target_text"].split(" {")[0] + r" \S+ · ", text), "no plan, no target"
            continue
        assert t["plan_overdue_title"] in follow, f"{row.cluster_id}: its overdue action is listed"
        assert re.search(t["target_text"].split(" {")[0] + r" \S+ · ", text), "a target stands beside its score"
        met += text.count(t["target_met"])
    assert met >= 1, "at least one target of the demo's plans is met"
    digest = text_of(outbox.loc[outbox["kind"] == "officer_dashboard", "mime"].iloc[0])
    fr = catalogue("fr")
    assert fr["officer_plans_title"] in digest
    assert f"{len(clusters) - 1} clusters sur {len(clusters)} ont envoyé un plan" in digest
    name = clusters.set_index("cluster_id").loc[next(iter(without)), "name"]
    assert fr["officer_plans_missing"].format(names=name) in digest
    assert re.search(r"\d+ actions? en retard", digest) and re.search(r"\d+ cibles? atteintes? sur\s\d+", digest)
