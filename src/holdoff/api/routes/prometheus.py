"""``GET /metrics``: Holdoff's figures for Prometheus to scrape, in the text exposition format.

Two kinds of figure, in one exposition. What is read from the database when scraped, here (one read
transaction, a few small queries, each an index or small-table scan): open alerts, log lines, the
outbox's depth and lag, how late the scheduler is. Every process answers the same, right even if its
own loops are stuck, and ``holdoff_log_lines_total`` keeps counting across restarts. And what the
processes counted since they started (alerts received, decisions, deliveries, latencies), summed over
the worker processes (:mod:`holdoff.telemetry`). Each scrape reads them through collectors made for it;
nothing is registered in prometheus_client's global registry.

Scraping needs the viewer role, as reading anything else does: Prometheus sends an API token
(``authorization: {credentials: hld_...}`` in its scrape config; docs/logs-prometheus.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import Column, Connection, func, select

from holdoff import __version__
from holdoff.api.auth import AUTH_RESPONSES, by_method
from holdoff.api.deps import RuntimeDep
from holdoff.clock import Clock
from holdoff.logs.model import LogSeverity
from holdoff.mediate.model import OPEN_STATES
from holdoff.store import log_counts
from holdoff.store import metrics as alert_metrics
from holdoff.store.db import Database
from holdoff.store.outbox import Status
from holdoff.store.tables import alerts, digests, incidents, notifications
from holdoff.telemetry import process_telemetry
from holdoff.telemetry.scrape import exposition

router = APIRouter(tags=["metrics"], dependencies=[Depends(by_method)], responses=AUTH_RESPONSES)

SEVERITIES = tuple(severity.label for severity in LogSeverity)
OPEN = tuple(sorted(state.value for state in OPEN_STATES))
TIMERS: tuple[Column[datetime], ...] = (
    alerts.c.deadline_at,
    alerts.c.chain_next_at,
    alerts.c.muted_until,
    incidents.c.flush_at,
    digests.c.due_at,
)
"""Every durable timer the scheduler loop fires (each column is indexed)."""


@dataclass(frozen=True, slots=True)
class Figures:
    """What one scrape reports of the alerts and logs, as read from the database."""

    log_lines: dict[tuple[str, str], int]
    """Lines ever received per (service, assessed severity)."""
    alerts: dict[str, int]
    """Alerts in each state now."""
    templates: int


@dataclass(frozen=True, slots=True)
class Work:
    """The work waiting, as read from the database."""

    outbox: dict[str, int] = field(default_factory=dict)
    """Messages waiting to be delivered (queued or to be retried), by channel."""
    outbox_lag: float = 0.0
    """Seconds since the oldest message that is due now became due (0: none is)."""
    scheduler_lag: float = 0.0
    """Seconds since the oldest timer that is due now (grace deadline, chain step, incident or digest
    flush) passed (0: none has)."""


def read_figures(db: Database) -> Figures:
    """The figures, read in one snapshot."""
    with db.read() as conn:
        return Figures(
            log_lines=log_counts.totals(conn),
            alerts=alert_metrics.open_state_counts(conn),
            templates=log_counts.templates_known(conn),
        )


def read_work(db: Database, now: datetime) -> Work:
    """The outbox and the timers, in one snapshot."""
    pending = notifications.c.status == Status.PENDING.value
    with db.read() as conn:
        depth = conn.execute(
            select(notifications.c.channel, func.count()).where(pending).group_by(notifications.c.channel)
        )
        oldest_message = conn.execute(
            select(func.min(notifications.c.next_attempt_at)).where(
                pending, notifications.c.next_attempt_at <= now
            )
        ).scalar()
        return Work(
            outbox={channel: count for channel, count in depth},
            outbox_lag=_since(oldest_message, now),
            scheduler_lag=max(_since(_oldest_due(conn, column, now), now) for column in TIMERS),
        )


def _oldest_due(conn: Connection, column: Column[datetime], now: datetime) -> datetime | None:
    oldest: datetime | None = conn.execute(select(func.min(column)).where(column <= now)).scalar()
    return oldest


def _since(then: datetime | None, now: datetime) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


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
    open_alerts = GaugeMetricFamily("holdoff_alerts", "Open alerts, by state.", labels=["state"])
    for state in OPEN:
        open_alerts.add_metric([state], figures.alerts.get(state, 0))
    templates = GaugeMetricFamily(
        "holdoff_log_templates", "Log templates known (merged templates counted once)."
    )
    templates.add_metric([], figures.templates)
    build = GaugeMetricFamily("holdoff_build_info", "The Holdoff version answering.", labels=["version"])
    build.add_metric([__version__], 1)
    return [lines, open_alerts, templates, build]


def work_families(work: Work, channels: tuple[str, ...] = ()) -> list[Metric]:
    """Pure: the metric families of the work waiting. Each of ``channels`` (those configured) is a
    series even with nothing waiting, so an alert rule on it sees 0 rather than no data."""
    depth = GaugeMetricFamily(
        "holdoff_outbox_messages",
        "Messages waiting in the outbox to be delivered, by channel.",
        labels=["channel"],
    )
    for channel in sorted(set(channels) | set(work.outbox)):
        depth.add_metric([channel], work.outbox.get(channel, 0))
    outbox_lag = GaugeMetricFamily(
        "holdoff_outbox_lag_seconds", "Seconds since the oldest message due for delivery became due."
    )
    outbox_lag.add_metric([], work.outbox_lag)
    scheduler_lag = GaugeMetricFamily(
        "holdoff_scheduler_lag_seconds",
        "Seconds since the oldest timer due (grace deadline, chain step, incident or digest) passed.",
    )
    scheduler_lag.add_metric([], work.scheduler_lag)
    return [depth, outbox_lag, scheduler_lag]


class DatabaseCollector:
    """A prometheus_client collector that reads the figures and the work from the database when
    collected."""

    def __init__(self, db: Database, clock: Clock, channels: tuple[str, ...] = ()) -> None:
        self.db = db
        self.clock = clock
        self.channels = channels

    def describe(self) -> list[Metric]:
        return families(Figures(log_lines={}, alerts={}, templates=0)) + work_families(Work())

    def collect(self) -> Iterator[Metric]:
        yield from families(read_figures(self.db))
        yield from work_families(read_work(self.db, self.clock()), self.channels)


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
    database = DatabaseCollector(runtime.db, runtime.clock, tuple(runtime.channels))
    body = await run_in_threadpool(exposition, database, process_telemetry())
    return Response(body, media_type=CONTENT_TYPE_LATEST)
