"""``GET /metrics``: Holdoff's figures for Prometheus to scrape, in the text exposition format.

Two kinds of figure, in one exposition (:mod:`holdoff.telemetry.scrape`): what is read from the
database when scraped (open alerts, log lines, outbox depth, scheduler lag: the same from every
process; :mod:`holdoff.telemetry.figures`), and what the processes counted since they started
(alerts received, decisions, deliveries, latencies: summed over the worker processes;
:mod:`holdoff.telemetry.metrics`). Nothing is registered in prometheus_client's global registry.

Scraping needs the viewer role, as reading anything else does: Prometheus sends an API token
(``authorization: {credentials: hld_...}`` in its scrape config; docs/logs-prometheus.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.telemetry import process_telemetry
from holdoff.telemetry.figures import Figures, families
from holdoff.telemetry.scrape import exposition

__all__ = ["Figures", "families", "router"]

router = APIRouter(tags=["metrics"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        }
    },
)
async def get_metrics(runtime: RuntimeDep) -> Response:
    """Figures for Prometheus (every metric: docs/operations.md, "Holdoff's own metrics"), among them
    ``holdoff_alerts_received_total``, ``holdoff_decisions_total``, ``holdoff_notifications_sent_total``,
    ``holdoff_webhook_duration_seconds``, ``holdoff_outbox_messages``, ``holdoff_scheduler_lag_seconds``
    and ``holdoff_log_lines_total`` (a counter that survives restarts). Needs the viewer role (an API
    token in the scrape config)."""
    body = await run_in_threadpool(
        exposition, runtime.db, runtime.clock, process_telemetry(), tuple(runtime.channels)
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST)
