"""Who delivers a review's messages: the `deliver-outbox` deployment when the Prefect server has it (one
`vigie.outbox.queued` event hands the work over), else the review's own process. Exactly one of the two delivers:
`vigie season` without a server still sends its emails, and with `vigie serve` running it leaves them to the
deployment (whose concurrency limit of 1 drops the runs it does not need)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

from flows.delivery import deliver_outbox
from flows.events import OUTBOX_QUEUED, request_delivery

DELIVERY_DEPLOYMENT = "deliver-outbox/deliver-outbox"


def delivery_deployed() -> bool:
    """Whether the Prefect API in use has the deliver-outbox deployment, not paused, with an enabled automation
    that runs it on `vigie.outbox.queued`. An API that cannot say counts as no (the process then delivers itself:
    the outbox claim keeps a message from going twice)."""
    try:
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name(DELIVERY_DEPLOYMENT)
            automations = client.read_resource_related_automations(f"prefect.deployment.{deployment.id}")
    except (ObjectNotFound, PrefectHTTPStatusError, httpx.HTTPError):
        return False
    reacts = (a.enabled and OUTBOX_QUEUED in (getattr(a.trigger, "expect", None) or ()) for a in automations)
    return not deployment.paused and any(reacts)


def hand_over(
    source: str, run_id: str, queued: int, here: Callable[[], dict[str, int]] | None = None
) -> tuple[str, dict[str, int] | None]:
    """Deliver what waits in the outbox after `source`'s run queued `queued` messages: `("deployment", None)` when
    asked of the server's deliver-outbox deployment (once), else `("here", counts by outcome)` once sent from this
    process (by `here`, a named delivery subflow, when given)."""
    if delivery_deployed():
        request_delivery(source, run_id, queued)
        get_run_logger().info("delivery asked of the deliver-outbox deployment (%d new messages)", queued)
        return "deployment", None
    return "here", (here or deliver_outbox)()
