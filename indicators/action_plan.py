"""The committee's action plan, followed up at the review of its campaign: was each action done by its due date,
did its indicator reach the target; and the target of every indicator, from the plan or the committee's grid."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.tables import columns_of

FOLLOW_UP_COLUMNS = [
    "cluster_id", "campaign", "action_id", "indicator_id", "action", "owner", "due_on", "action_status", "done_on",
    "note", "timing", "target_score", "target_value", "target_reached", "score", "value",
]  # fmt: skip
TIMINGS = ("on_time", "late", "done", "overdue", "not_due", "dropped")
"""Done by its due date, done after it, done (no date given), not done and past due at the campaign's end, not
due yet, given up."""
TARGET_COLUMNS = ["cluster_id", "indicator_id", "target_score", "target_value", "target_from"]
KEY = ["cluster_id", "indicator_id"]


def reviewed_plan(plan: pd.DataFrame | None, campaigns: dict[str, str]) -> pd.DataFrame:
    """The actions of each reviewed cluster's plan for its reviewed campaign (`campaigns`: cluster -> campaign)."""
    if plan is None or plan.empty:
        return pd.DataFrame(columns=columns_of("action_plan"))
    wanted = pd.DataFrame({"cluster_id": list(campaigns), "campaign": list(campaigns.values())}, dtype="str")
    rows = plan.astype({"cluster_id": "str", "campaign": "str"}).merge(
        wanted, how="inner", on=["cluster_id", "campaign"]
    )
    return rows.sort_values(["cluster_id", "action_id"]).reset_index(drop=True)


def indicator_targets(actions: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster and indicator with a target (TARGET_COLUMNS): the plan's (its highest score, or the
    first value given, when several actions aim at one indicator) else the grid's standing target."""
    aimed = actions[actions["target_score"].notna() | actions["target_value"].notna()]
    planned = (
        aimed.sort_values([*KEY, "action_id"])
        .groupby(KEY, as_index=False)
        .agg(target_score=("target_score", "max"), target_value=("target_value", "first"))
        .assign(target_from="plan")
    )
    planned = planned.assign(target_value=planned["target_value"].where(planned["target_score"].isna()))
    standing = bands[bands["target_score"].notna() | bands["target_value"].notna()][[*KEY, *TARGET_COLUMNS[2:4]]]
    standing = standing.assign(target_from="grid")
    if not planned.empty:
        keys = standing[KEY].merge(planned[KEY], how="left", on=KEY, indicator=True)["_merge"].eq("left_only")
        standing = standing[keys.to_numpy()]
    frames = [frame for frame in (planned, standing) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    both = pd.concat(frames, ignore_index=True).astype({"target_score": "Float64", "target_value": "Float64"})
    return both[TARGET_COLUMNS].sort_values(KEY).reset_index(drop=True)


def reached(targets: pd.DataFrame, indicators: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """`targets` with the indicator's score and value and `target_reached`: True, False, or NA when the indicator
    could not be scored (a score target) or has no value (a value target). A value target reads the way the
    indicator's bands read: at least the target when higher is better, at most when lower is."""
    facts = indicators[[*KEY, "score", "value"]].merge(bands[[*KEY, "direction"]], how="left", on=KEY)
    rows = targets.merge(facts, how="left", on=KEY)
    score = pd.to_numeric(rows["score"], errors="coerce").astype("float64")
    value = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    goal_score = pd.to_numeric(rows["target_score"], errors="coerce").astype("float64")
    goal_value = pd.to_numeric(rows["target_value"], errors="coerce").astype("float64")
    lower = rows["direction"].astype("str").eq("lower")
    by_value = np.where(lower, value <= goal_value, value >= goal_value)
    met = np.where(goal_score.notna(), score >= goal_score, by_value)
    known = np.where(goal_score.notna(), score.notna(), value.notna() & goal_value.notna())
    return rows.assign(target_reached=pd.array(np.where(known, met, None), dtype="boolean")).drop(columns="direction")


def follow_up(actions: pd.DataFrame, indicators: pd.DataFrame, bands: pd.DataFrame, as_of: dict) -> pd.DataFrame:
    """Per action (FOLLOW_UP_COLUMNS): its timing against its due date, judged at `as_of` (cluster -> the day the
    review looks from, the campaign's last day), and whether its own target was reached."""
    if actions.empty:
        return pd.DataFrame(columns=FOLLOW_UP_COLUMNS)
    due = pd.to_datetime(actions["due_on"])
    done_on = pd.to_datetime(actions["done_on"])
    looked = pd.to_datetime(actions["cluster_id"].map(as_of))
    status = actions["action_status"].astype("str")
    timing = np.select(
        [status.eq("dropped"), status.eq("done") & done_on.isna(), status.eq("done") & (done_on <= due),
         status.eq("done"), due < looked],
        ["dropped", "done", "on_time", "late", "overdue"],
        "not_due",
    )  # fmt: skip
    own = actions[[*KEY, "action_id", "target_score", "target_value"]]
    result = reached(own, indicators, bands)[["action_id", *KEY, "target_reached", "score", "value"]]
    rows = actions.assign(timing=pd.array(timing, dtype="str")).merge(result, how="left", on=["action_id", *KEY])
    return rows[FOLLOW_UP_COLUMNS].reset_index(drop=True)


def plan_counts(follow: pd.DataFrame, clusters: list[str]) -> pd.DataFrame:
    """Per reviewed cluster: has_plan, actions, done, overdue, targets (actions with one) and targets_met."""
    counts = pd.DataFrame({"cluster_id": clusters}, dtype="str")
    if follow.empty:
        return counts.assign(has_plan=False, actions=0, done=0, overdue=0, targets=0, targets_met=0)
    per = follow.assign(
        done=follow["timing"].isin(["on_time", "late", "done"]),
        overdue=follow["timing"].eq("overdue"),
        targets=follow["target_score"].notna() | follow["target_value"].notna(),
        targets_met=follow["target_reached"].fillna(False).astype(bool),
    ).groupby("cluster_id", as_index=False).agg(
        actions=("action_id", "size"), done=("done", "sum"), overdue=("overdue", "sum"),
        targets=("targets", "sum"), targets_met=("targets_met", "sum"),
    )  # fmt: skip
    counts = counts.merge(per, how="left", on="cluster_id")
    numbers = ["actions", "done", "overdue", "targets", "targets_met"]
    counts[numbers] = counts[numbers].fillna(0).astype("int64")
    return counts.assign(has_plan=counts["actions"] > 0)[["cluster_id", "has_plan", *numbers]]
