"""Prefect events that Vigie emits, so delivery and other deployments can react to them.

Only `vigie.outbox.queued` starts a delivery (the `deliver-outbox` deployment's trigger): a flow run sends it once,
at its end, when it queued messages or stored alerts that are mailed on their own. The other events say what
happened (per review, alert or cluster) for people and for other automations; none of them starts a delivery."""

from __future__ import annotations

import pandas as pd
from prefect.events import emit_event

SCORES_COMPUTED = "vigie.scores.computed"
ALERT_RAISED = "vigie.alert.raised"
OUTBOX_QUEUED = "vigie.outbox.queued"
OUTBOX_RESOURCE = "vigie.outbox"


def announce_scores(run_id: str, season: str, overall: pd.DataFrame, grid_hash: str) -> None:
    """One `vigie.scores.computed` event per review run, about the season reviewed (each alert's event carries
    its cluster's own campaign)."""
    emit_event(
        event=SCORES_COMPUTED,
        resource={"prefect.resource.id": f"vigie.review.{season}", "vigie.season": season},
        payload={
            "run_id": run_id,
            "season": season,
            "grid_hash": grid_hash,
            "clusters": sorted(overall["cluster_id"].astype(str)),
        },
    )


def announce_alerts(run_id: str, alerts: pd.DataFrame) -> None:
    """One `vigie.alert.raised` event per alert raised for the first time."""
    for alert in alerts.to_dict("records"):
        emit_event(
            event=ALERT_RAISED,
            resource={
                "prefect.resource.id": f"vigie.cluster.{alert['cluster_id']}",
                "vigie.campaign": str(alert["campaign"]),
            },
            payload={
                "run_id": run_id,
                "rule": alert["rule"],
                "subject": str(alert["subject"]),
                "severity": str(alert.get("severity", "")),
            },
        )


def request_delivery(source: str, run_id: str, messages: int, alerts: int = 0) -> None:
    """The one `vigie.outbox.queued` event of the flow run `run_id` of `source`, which queued `messages` and stored
    `alerts` to be mailed on their own: it starts the deliver-outbox deployment."""
    emit_event(
        event=OUTBOX_QUEUED,
        resource={"prefect.resource.id": OUTBOX_RESOURCE, "vigie.source": source},
        payload={"source": source, "run_id": run_id, "messages": int(messages), "alerts": int(alerts)},
    )
