"""The `run-failed-alert` flow: the officers hear once of a Vigie flow run that failed, crashed or timed out.

Its deployment (prefect.yaml) is started by `prefect.flow-run.Failed`, `.Crashed` and `.TimedOut` events whose
related flow is one of Vigie's (flows/failed_runs.py, VIGIE_FLOWS; never this flow). The run is recorded in the
`runs` table, one `run_failed` alert is stored under its natural key (the same run never alerts twice, however
many events or reruns), the officers' message of the day is queued (flows/alert_mail.py) and one
`vigie.outbox.queued` event asks deliver-outbox to send it (flows/handoff.py)."""

from __future__ import annotations

import uuid

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from sqlalchemy import select, update

from flows.adapters import engine_for
from flows.alert_mail import queue_stored_alerts
from flows.events import announce_alerts
from flows.failed_runs import ALERT_FLOW, RULE, FailedRun, alert_frame, alerted, failed_run, run_row
from flows.handoff import hand_over
from flows.settings import FLOW_TIMEOUT_S, load_settings
from warehouse import store
from warehouse.models import Run
from warehouse.upsert import insert_new

DELIVERY_FLOW = "deliver-outbox"


def alert_run_name() -> str:
    """`run-failed-intake-livraisons_zou.csv`: the alert run is named after the run it is about."""
    parameters = flow_run.parameters or {}
    return f"run-failed-{parameters.get('flow_run_name') or parameters.get('flow_run_id') or 'run'}"


@flow(name=ALERT_FLOW, flow_run_name=alert_run_name, timeout_seconds=FLOW_TIMEOUT_S)
def run_failed_alert(
    flow_run_id: str,
    flow_run_name: str | None = None,
    flow_name: str | None = None,
    state_name: str | None = None,
    state_timestamp: str | None = None,
    state_message: str | None = None,
) -> int:
    """Alert the officers that a Vigie flow run did not finish (once per run); how many alerts were new (0 or 1).

    Args:
        flow_run_id: The flow run that failed (its id, or `prefect.flow-run.<id>` as its event names it).
        flow_run_name: Its name, e.g. intake-livraisons_zou.csv (leave empty: read from the Prefect API).
        flow_name: Its flow, e.g. intake (leave empty: read from the Prefect API).
        state_name: Failed, Crashed or TimedOut (leave empty: its state, read from the Prefect API).
        state_timestamp: When it reached that state (ISO date and time).
        state_message: The state's message (its secrets are masked before anything is stored or mailed).
    """
    logger = get_run_logger()
    given = (flow_run_name, flow_name, state_name, state_timestamp, state_message)
    if not (flow_run_name and flow_name and state_name):  # started by hand with an id only
        given = _from_api(flow_run_id, given)
    run = failed_run(flow_run_id, *given)
    if not alerted(run):
        logger.info("%s (flow %r) is not a Vigie flow run alerted on failure", run.name, run.flow)
        return 0
    settings = load_settings()
    engine = engine_for(settings)
    record_failed_run(engine, run)
    new = store.save_alerts(engine, run.flow_run_id, alert_frame(run))
    if new.empty:
        logger.info("%s: already alerted", run.name)
        return 0
    own_id = str(flow_run.id or uuid.uuid4())
    announce_alerts(own_id, new)
    kinds = queue_stored_alerts(settings, engine, (RULE,))
    if run.flow == DELIVERY_FLOW:  # asking a failing delivery to send its own failure could loop: the next one will
        logger.warning("%s %s: the officers' message waits for the next delivery", run.name, run.status)
    else:
        hand_over(ALERT_FLOW, own_id, len(kinds))
    logger.info("%s %s: run_failed alert stored, %d officers' message(s) queued", run.name, run.status, len(kinds))
    return len(new)


def record_failed_run(engine, run: FailedRun) -> None:
    """Keep the run in `runs`: inserted when the run kept no row of its own, else its status and end brought up to
    date (an error it recorded itself is kept)."""
    row = run_row(run)
    with engine.begin() as connection:
        if insert_new(connection, Run.__table__, [row], ["run_id"]):
            return
        error = connection.execute(select(Run.error).where(Run.run_id == run.flow_run_id)).scalar()
        connection.execute(
            update(Run)
            .where(Run.run_id == run.flow_run_id)
            .values(status=run.status, finished_at=run.at, error=error or row["error"], flow_run_id=run.flow_run_id)
        )


def _from_api(flow_run_id: str, given: tuple) -> tuple:
    """The name, flow, state name, time and message of a flow run as the Prefect API has them now (for a rerun
    by hand); what was given wins."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        found = client.read_flow_run(uuid.UUID(str(flow_run_id).removeprefix("prefect.flow-run.")))
        flow_name = client.read_flow(found.flow_id).name
    state = found.state
    read = (found.name, flow_name, state and state.name, state and state.timestamp, state and state.message)
    return tuple(mine or theirs for mine, theirs in zip(given, read, strict=True))
