"""``GET /metrics``: Holdoff's figures for Prometheus to scrape, in the text exposition format.

Every figure is read from the database when scraped (one read transaction, a few small queries), not
kept in process memory: every process of a scaled-out Holdoff answers the same, and
``holdoff_log_lines_total`` keeps counting across restarts. Each scrape builds its own
:class:`~prometheus_client.CollectorRegistry` with one :class:`HoldoffCollector`; nothing is registered
in prometheus_client's global default registry.

Scraping needs the viewer role, as reading anything else does: Prometheus sends an API token
(``authorization: {credentials: hld_...}`` in its scrape config; docs/logs-prometheus.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from holdoff import __version__
from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.logs.model import LogSeverity
from holdoff.mediate.model import OPEN_STATES
from holdoff.store import log_counts
from holdoff.store import metrics as alert_metrics
from holdoff.store.db import Database

router = APIRouter(tags=["metrics"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)

SEVERITIES = tuple(severity.label for severity in LogSeverity)
OPEN = tuple(sorted(state.value for state in OPEN_STATES))


@dataclass(frozen=True, slots=True)
class Figures:
    """What one scrape reports, as read from the database."""

    log_lines: dict[tuple[str, str], int]
    """Lines ever received per (service, assessed severity)."""
    alerts: dict[str, int]
    """Alerts in each state now."""
    templates: int


def read_figures(db: Database) -> Figures:
    """The figures, read in one snapshot (every query is an index or small-table scan)."""
    with db.read() as conn:
        return Figures(
            log_lines=log_counts.totals(conn),
            alerts=alert_metrics.open_state_counts(conn),
            templates=log_counts.templates_known(conn),
        )


def families(figures: Figures) -> list[Metric]:
    """Pure: the metric families of these figures. Every severity of a service that sent lines is a
    series from its first line on (0 until one comes), so ``increase()`` sees the first critical line."""
    lines = CounterMetricFamily(
        "holdoff_log_lines",
        "Log lines received, by service and Holdoff's assessed severity.",
        labels=["service", "severity"],
    )
    for service in sorted({service for service, _ in figures.log_lines}):
        for severity in SEVERITIES:
            lines.add_metric([service, severity], figures.log_lines.get((service, severity), 0))
    alerts = GaugeMetricFamily("holdoff_alerts", "Open alerts, by state.", labels=["state"])
    for state in OPEN:
        alerts.add_metric([state], figures.alerts.get(state, 0))
    templates = GaugeMetricFamily(
        "holdoff_log_templates", "Log templates known (merged templates counted once)."
    )
    templates.add_metric([], figures.templates)
    build = GaugeMetricFamily("holdoff_build_info", "The Holdoff version answering.", labels=["version"])
    build.add_metric([__version__], 1)
    return [lines, alerts, templates, build]


class HoldoffCollector:
    """A prometheus_client collector that reads Holdoff's figures from the database when collected."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> list[Metric]:
        return families(Figures(log_lines={}, alerts={}, templates=0))

    def collect(self) -> Iterator[Metric]:
        yield from families(read_figures(self.db))


def exposition(db: Database) -> bytes:
    """The text exposition of a registry made for this scrape (blocking: it reads the database)."""
    registry = CollectorRegistry()
    registry.register(HoldoffCollector(db))
    return generate_latest(registry)


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
    """Figures for Prometheus: ``holdoff_log_lines_total{service,severity}`` (a counter that survives
    restarts), ``holdoff_alerts{state}`` (open alerts), ``holdoff_log_templates`` and
    ``holdoff_build_info``. Needs the viewer role (an API token in the scrape config)."""
    body = await run_in_threadpool(exposition, runtime.db)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
