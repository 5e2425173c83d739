"""Prefect events that Vigie emits, so delivery and other deployments can react to them."""

from __future__ import annotations

import pandas as pd
from prefect.events import emit_event

SCORES_COMPUTED = "vigie.scores.computed"
ALERT_RAISED = "vigie.alert.raised"


def announce_scores(run_id: str, campaign: str, overall: pd.DataFrame, grid_hash: str) -> None:
    """One `vigie.scores.computed` event per review run."""
    emit_event(
        event=SCORES_COMPUTED,
        resource={"prefect.resource.id": f"vigie.review.{campaign}", "vigie.campaign": campaign},
        payload={
            "run_id": run_id,
            "campaign": campaign,
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
