"""A Vigie flow run that failed, crashed or timed out, as the officers hear of it (rule `run_failed`, pure code).

The `run-failed-alert` deployment (flows/run_failed.py) is started by the Prefect event of such a run. The run is
kept in the warehouse's `runs` table (its own row, keyed by its flow run id: status `failed`, `crashed` or
`timed_out`, when, the state's message with its secrets masked) and raises one `run_failed` alert for the officers
(cluster `*`), keyed like every alert by rule, cluster, campaign and subject: the subject names the run and ends
with the random end of its flow run id, so the same run never alerts twice."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from flows.cli_errors import mask_secrets
from reports.i18n import catalogue

RULE = "run_failed"
ALERT_FLOW = "run-failed-alert"
VIGIE_FLOWS = (
    "intake", "season-review", "season-review-calendar", "in-season-monitor", "submission-deadlines",
    "missing-submission", "deliver-outbox", "pull-sources",
)  # fmt: skip
"""The flows whose failures are alerted (prefect.yaml's trigger names the same ones); never the alert flow itself."""
STATES = {"Failed": "failed", "Crashed": "crashed", "TimedOut": "timed_out"}
"""Prefect state name of the event (`prefect.flow-run.<name>`) -> the run's status in the warehouse."""
OFFICERS = "*"
NO_CAMPAIGN = "-"
MESSAGE_CHARS = 300
NAME_CHARS = 48
TIMEZONE = "Africa/Porto-Novo"


@dataclass(frozen=True)
class FailedRun:
    """What the officers are told of one failed run; `message` is already masked and cut."""

    flow_run_id: str
    name: str
    flow: str
    state: str
    at: datetime
    message: str

    @property
    def status(self) -> str:
        """`failed`, `crashed` or `timed_out` (the runs table's status)."""
        return STATES.get(self.state, "failed")


def failed_run(
    flow_run_id: str, name: str | None, flow: str | None, state: str | None, at: str | datetime | None,
    message: str | None,
) -> FailedRun:  # fmt: skip
    """The facts of an event's fields (`prefect.flow-run.<id>` or the bare id, its name, flow, state name, state
    timestamp, state message): the id checked, the time in UTC (now when unknown), the message masked and cut."""
    run_id = str(uuid.UUID(str(flow_run_id).removeprefix("prefect.flow-run.")))
    when = at if isinstance(at, datetime) else datetime.fromisoformat(at) if at else datetime.now(UTC)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return FailedRun(run_id, str(name or run_id), str(flow or ""), str(state or "Failed"), when, short(message))


def short(message: str | None, limit: int = MESSAGE_CHARS) -> str:
    """A state message fit for a mail: secrets masked, on one line, cut at a word within `limit` characters."""
    text = re.sub(r"\s+", " ", mask_secrets(str(message or ""))).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def alerted(run: FailedRun) -> bool:
    """Whether a run's failure is alerted at all: a Vigie flow's, never the alert flow's own (no loop)."""
    return run.flow in VIGIE_FLOWS


def subject(run: FailedRun) -> str:
    """`intake-livraisons_zou.csv (9f1c2a7b3e40)`: the run's name and the random end of its id (64 characters)."""
    return f"{run.name[:NAME_CHARS]} ({run.flow_run_id[-12:]})"


def alert_frame(run: FailedRun) -> pd.DataFrame:
    """The run's one `run_failed` alert for the officers, keyed by rule, cluster `*`, campaign `-`, subject."""
    return pd.DataFrame(
        [{"rule": RULE, "cluster_id": OFFICERS, "campaign": NO_CAMPAIGN, "subject": subject(run),
          "severity": "high", "value": None, "previous": None}]
    )  # fmt: skip


def run_row(run: FailedRun) -> dict:
    """The run's row of the `runs` table (kind: its flow; finished_at: its final state's time)."""
    return {"run_id": run.flow_run_id, "kind": run.flow[:32] or "flow", "season": None, "status": run.status,
            "started_at": run.at, "finished_at": run.at, "error": run.message or None,
            "flow_run_id": run.flow_run_id}  # fmt: skip


def run_failed_context(alert: dict, run: dict | None, url: str | None, language: str = "fr") -> dict:
    """The part of the officers' message about one failed run: which run, when, how it ended, why, where to look.

    `run` is its row of the `runs` table (None when gone: the alert's subject still names it), `url` its page in
    the Prefect UI (None when PREFECT_UI_URL is not known)."""
    t = catalogue(language)
    run = run or {}
    name = str(alert["subject"]).rsplit(" (", 1)[0]
    status = str(run.get("status") or "failed")
    when = pd.Timestamp(run.get("finished_at") or alert.get("raised_at"))
    when = (when.tz_localize("UTC") if when.tzinfo is None else when).tz_convert(ZoneInfo(TIMEZONE))
    state = t.get(f"run_failed_state_{status}", t["run_failed_state_failed"])
    text = t["run_failed_text"].format(
        n=name, state=state, when=t["run_failed_when"].format(day=when.strftime(t["run_failed_day"]),
                                                             time=when.strftime("%H:%M")),
    )  # fmt: skip
    message = short(run.get("error"))
    flow_run_id = str(run.get("flow_run_id") or alert.get("run_id") or "")
    where = t["run_failed_where"].format(url=url) if url else t["run_failed_where_no_ui"].format(id=flow_run_id)
    line = {
        "rule": RULE,
        "subject": str(alert["subject"]),
        "text": text,
        "meaning": t["meaning_run_failed"],
        "severity": t["severity_high"],
        "how_much": t["run_failed_reason"].format(message=message) if message else t["run_failed_no_reason"],
        "where": where,
        "colour": "#c0392b",
    }
    context = {
        "lang": language,
        "t": t,
        "cluster": {"cluster_id": OFFICERS, "name": t["run_failed_cluster"], "value_chain": "", "commune": ""},
        "campaign": NO_CAMPAIGN,
        "alert": line,
        "footer": t["alert_footer"].format(run_id=flow_run_id or "-"),
        "subject": t["alert_subject"].format(cluster=t["run_failed_cluster"], what=f"{name} {state}"),
    }
    return {**context, "alerts": [line]}
