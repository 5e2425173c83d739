"""The officers' count of the committees' action plans across clusters: plans missing, actions overdue, targets
met (issue 17). Officers only: names of clusters appear here, never in a committee's message."""

from __future__ import annotations

import pandas as pd

from reports.words import counted

TOTALS = ("actions", "done", "overdue", "targets", "targets_met")


def plan_facts(counts: pd.DataFrame, follow: pd.DataFrame, names: dict[str, str]) -> dict:
    """JSON-ready facts: the clusters without a plan, those with overdue actions (and how many), the totals
    (`n_actions`, `n_done`, `n_overdue`, `n_targets`, `n_targets_met`) across the reviewed clusters."""
    rows = counts.assign(name=counts["cluster_id"].map(names).fillna(counts["cluster_id"]).astype(str))
    late = rows[rows["overdue"] > 0].sort_values("name")
    return {
        "clusters": int(len(rows)),
        "missing": sorted(rows.loc[~rows["has_plan"].astype(bool), "name"]),
        "overdue": [{"name": name, "n": int(n)} for name, n in zip(late["name"], late["overdue"], strict=True)],
        **{f"n_{key}": int(rows[key].sum()) for key in TOTALS},
    }


def plans_panel(facts: dict | None, t: dict, language: str = "fr") -> dict | None:
    """What the officers' partial shows: one summary line, the clusters without a plan, those with overdue
    actions; None when the review did not look at plans."""
    if not facts:
        return None
    summary = t["officer_plans_summary"].format(
        with_plan=counted(facts["clusters"] - len(facts["missing"]), "officer_plans_with", t, language,
                          of=facts["clusters"]),
        overdue=counted(facts["n_overdue"], "officer_plans_overdue", t, language),
        met=counted(facts["n_targets_met"], "plan_met", t, language, of=facts["n_targets"]),
    )  # fmt: skip
    late = [t["officer_plans_late_item"].format(name=item["name"], n=item["n"]) for item in facts["overdue"]]
    return {
        "summary": summary,
        "missing": t["officer_plans_missing"].format(names=", ".join(facts["missing"])) if facts["missing"] else "",
        "late": t["officer_plans_late"].format(items=", ".join(late)) if late else "",
    }
