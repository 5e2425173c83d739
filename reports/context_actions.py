"""What a committee dashboard says to drive action: its priorities with their levers, the targets beside the
scores, and the follow-up of the campaign's action plan (issue 17). Every word from the catalogue."""

from __future__ import annotations

import pandas as pd

from reports.formatting import measure, missing
from reports.words import counted

DONE = ("on_time", "late", "done")


def priorities_panel(
    priorities: pd.DataFrame | None, items: list[dict], bands: pd.DataFrame | None, language: str, t: dict
) -> list[dict] | None:
    """The cluster's priorities in rank order: the indicator's mark and label, why in one sentence, and the
    levers its grid gives (the committee's own text when its override sets one). None without priorities data."""
    if priorities is None:
        return None
    by_id = {item["id"]: item for item in items}
    levers = {} if bands is None else dict(zip(bands["indicator_id"], bands[f"levers_{language}"], strict=True))
    panel = []
    for row in priorities.sort_values("rank").to_dict("records"):
        item = by_id.get(row["indicator_id"])
        if item is None:
            continue
        lever = levers.get(item["id"])
        shown = {k: item[k] for k in ("id", "label", "mark", "colour")}
        panel.append({**shown, "why": _why(row, item, t), "levers": "" if missing(lever) else str(lever)})
    return panel


def _why(row: dict, item: dict, t: dict) -> str:
    """One plain sentence: the level (or the missing data and why), then the fall since last campaign."""
    score, previous = row["score"], row["previous_score"]
    if missing(score):
        reason = item.get("reason_text")
        return t["priority_no_data"].format(reason=reason) if reason else t["priority_no_data_plain"]
    level = (
        t["priority_critical"]
        if int(score) <= 1
        else t["priority_low"].format(score=int(score), word=item["score_text"])
    )
    sentence = f" {item['sentence']}." if item.get("sentence") else ""
    if not missing(previous) and int(previous) > int(score):
        level = f"{level} {t['priority_decline'].format(previous=int(previous), score=int(score))}"
    return f"{level}{sentence}".replace("..", ".")


def target_words(row: dict, unit: str | None, language: str) -> str:
    """A target as a reader says it: a score (`3`) or a value in the indicator's unit (`75 %`)."""
    if not missing(row.get("target_score")):
        return str(int(row["target_score"]))
    return measure(row.get("target_value"), unit, language)


def with_targets(items: list[dict], targets: pd.DataFrame | None, units: dict, language: str, t: dict) -> list[dict]:
    """The indicator items, each with `target_text` ("cible 3 · atteint 2", "· cible atteinte" when met) where
    the committee set a target; new dicts."""
    found = {} if targets is None else {row["indicator_id"]: row for row in targets.to_dict("records")}
    rows = []
    for item in items:
        row = found.get(item["id"])
        text = ""
        if row is not None:
            target = target_words(row, units.get(item["id"]), language)
            by_score = not missing(row.get("target_score"))
            reached = item["mark"] if by_score else measure(row.get("value"), units.get(item["id"]), language)
            if (by_score and missing(row.get("score"))) or (not by_score and missing(row.get("value"))):
                text = t["target_text_none"].format(target=target)
            else:
                text = t["target_text"].format(target=target, reached=reached)
                text += f" · {t['target_met']}" if row.get("target_reached") is True else ""
        rows.append({**item, "target_text": text})
    return rows


def plan_panel(follow: pd.DataFrame | None, campaign: str, units: dict, language: str, t: dict) -> dict | None:
    """The follow-up of the campaign's plan: a summary, the overdue actions, then the others, each with its
    timing and target; `none` says no plan was received. None when the plan was not looked at."""
    if follow is None:
        return None
    if follow.empty:
        return {"none": t["plan_none"].format(campaign=campaign), "summary": "", "overdue": [], "others": []}
    actions = [_action(row, units, language, t) for row in follow.sort_values("action_id").to_dict("records")]
    targets = follow["target_score"].notna() | follow["target_value"].notna()
    summary = t["plan_summary"].format(
        actions=counted(len(follow), "plan_actions", t, language),
        done=counted(int(follow["timing"].isin(DONE).sum()), "plan_done", t, language),
        overdue=int(follow["timing"].eq("overdue").sum()),
        met=counted(int(follow["target_reached"].fillna(False).astype(bool).sum()), "plan_met", t, language,
                    of=int(targets.sum())),
    )  # fmt: skip
    return {
        "none": "",
        "intro": t["plan_intro"].format(campaign=campaign),
        "summary": summary,
        "overdue": [action for action in actions if action["timing"] == "overdue"],
        "others": [action for action in actions if action["timing"] != "overdue"],
    }


def _action(row: dict, units: dict, language: str, t: dict) -> dict:
    """One action: what, who and when, its timing, and its target's outcome."""
    day = lambda value: pd.Timestamp(value).strftime(t["plan_day"]) if not missing(value) else ""  # noqa: E731
    timing = t[f"plan_timing_{row['timing']}"].format(done=day(row.get("done_on")))
    outcome = ""
    if not (missing(row.get("target_score")) and missing(row.get("target_value"))):
        target = target_words(row, units.get(row["indicator_id"]), language)
        by_score = not missing(row.get("target_score"))
        reached = row.get("score") if by_score else row.get("value")
        said = (
            str(int(reached))
            if by_score and not missing(reached)
            else measure(reached, units.get(row["indicator_id"]), language)
        )
        key = "unknown" if missing(row.get("target_reached")) else ("met" if row["target_reached"] else "missed")
        outcome = t[f"plan_target_{key}"].format(indicator=row["indicator_id"], target=target, reached=said)
    return {
        "id": row["action_id"],
        "indicator": row["indicator_id"],
        "text": str(row["action"]),
        "who_when": t["plan_owner_due"].format(owner=row["owner"], due=day(row["due_on"])),
        "timing": row["timing"],
        "timing_text": timing,
        "outcome": outcome,
        "note": "" if missing(row.get("note")) else str(row["note"]),
    }
