"""Holdoff's own counters and histograms: what this process did since it started.

One :class:`Telemetry` per process, its metrics registered in its own
:class:`~prometheus_client.CollectorRegistry` (never prometheus_client's global one). Components get it
in their constructor and call its small methods; ``GET /metrics`` collects it, or, when ``holdoff serve``
runs several worker processes, the files every worker writes (:mod:`holdoff.telemetry.multiprocess`).
What is read from the database when scraped (open alerts, outbox depth, scheduler lag) is in
:mod:`holdoff.api.routes.prometheus` instead.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

WEBHOOK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: a webhook is answered in milliseconds when the database keeps up."""
DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Seconds: one call to a channel (Teams, SMTP, Slack ...)."""
DELAY_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
"""Seconds from a message being queued to it being delivered (retries and rate limits included)."""


class Outcome(enum.StrEnum):
    """What became of what a source sent."""

    ACCEPTED = "accepted"
    """An alert event committed (one per alert of a batch webhook)."""
    REFUSED = "refused"
    """A webhook answered 4xx or 5xx (one per request: the alerts of a body refused are not counted)."""


class Decision(enum.StrEnum):
    """What the mediation decided for an alert, as counted in ``holdoff_decisions_total``."""

    HELD = "held"
    """Triggered and held in its grace window."""
    TRANSIENT = "transient"
    """Resolved inside its grace window: nobody paged."""
    ESCALATED = "escalated"
    """Still firing when its window ended: paged."""
    SILENCED = "silenced"
    INHIBITED = "inhibited"
    DROPPED = "dropped"
    """Its messages dropped by a noise rule."""
    MAINTENANCE = "maintenance"
    QUIET_HOURS = "quiet_hours"
    FLAPPING = "flapping"
    DIGEST = "digest"
    """Its message collected into a channel's digest by a noise rule."""
    CORRELATED = "correlated"
    """An incident's page turned into a CORRELATED update of an incident that already paged."""


class Telemetry:
    """This process's self-metrics (see docs/operations.md, "Holdoff's own metrics")."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.alerts_received = Counter(
            "holdoff_alerts_received",
            "Alerts received, by source and outcome (accepted: alert events committed; refused: webhooks "
            "answered 4xx/5xx).",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "holdoff_decisions",
            "Decisions the mediation made, by decision (held, transient, escalated, silenced, ...).",
            ["decision"],
            registry=self.registry,
        )
        self.notifications_sent = Counter(
            "holdoff_notifications_sent",
            "Messages a channel accepted, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.notifications_failed = Counter(
            "holdoff_notifications_failed",
            "Delivery attempts that failed, by channel and whether the message is tried again.",
            ["channel", "retrying"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "holdoff_webhook_duration_seconds",
            "Time to answer a source's webhook, by source (every change committed before the answer).",
            ["source"],
            buckets=WEBHOOK_BUCKETS,
            registry=self.registry,
        )
        self.delivery_seconds = Histogram(
            "holdoff_delivery_duration_seconds",
            "Time of one delivery attempt to a channel, by channel.",
            ["channel"],
            buckets=DELIVERY_BUCKETS,
            registry=self.registry,
        )
        self.delivery_delay_seconds = Histogram(
            "holdoff_delivery_delay_seconds",
            "Time from a message being queued to a channel accepting it, by channel.",
            ["channel"],
            buckets=DELAY_BUCKETS,
            registry=self.registry,
        )
        self.database_errors = Counter(
            "holdoff_database_errors",
            "Database transactions that ended in a database error, by kind of transaction.",
            ["transaction"],
            registry=self.registry,
        )
        self.anomalies = Counter(
            "holdoff_metric_anomalies",
            "Anomalies the metric detectors found (alerts they opened), by detector entry.",
            ["detector"],
            registry=self.registry,
        )
        # Every decision a series from the start, so rate() sees the first; the children are kept, as
        # looking one up by its labels costs more than counting (this is on the ingest path).
        self._decided = {decision: self.decisions.labels(decision.value) for decision in Decision}
        self._accepted: dict[str, Any] = {}
        self._webhook: dict[str, Any] = {}
        for transaction in ("read", "write"):
            self.database_errors.labels(transaction)

    def sources(self, names: Iterable[str]) -> None:
        """Make the series of these sources (at 0) before their first alert."""
        for name in names:
            for outcome in Outcome:
                self.alerts_received.labels(name, outcome.value)

    def channels(self, names: Iterable[str]) -> None:
        """Make the series of these channels (at 0) before their first message, so a rule on the
        failures of a channel sees 0 rather than no data."""
        for name in names:
            self.notifications_sent.labels(name)
            for retrying in ("true", "false"):
                self.notifications_failed.labels(name, retrying)

    def detectors(self, names: Iterable[str]) -> None:
        """Make the series of these detector entries (at 0) before their first anomaly."""
        for name in names:
            self.anomalies.labels(name)

    def accepted(self, source: str, count: int = 1) -> None:
        child = self._accepted.get(source)
        if child is None:
            child = self._accepted[source] = self.alerts_received.labels(source, Outcome.ACCEPTED.value)
        child.inc(count)

    def refused(self, source: str) -> None:
        self.alerts_received.labels(source, Outcome.REFUSED.value).inc()

    def webhook_answered(self, source: str, seconds: float) -> None:
        child = self._webhook.get(source)
        if child is None:
            child = self._webhook[source] = self.webhook_seconds.labels(source)
        child.observe(seconds)

    def decided(self, decision: Decision, count: int = 1) -> None:
        self._decided[decision].inc(count)

    def delivered(self, channel: str, *, ok: bool, retrying: bool, seconds: float, delay: float) -> None:
        """One delivery attempt: its duration, and either the delay since queued (sent) or the failure."""
        self.delivery_seconds.labels(channel).observe(seconds)
        if ok:
            self.notifications_sent.labels(channel).inc()
            self.delivery_delay_seconds.labels(channel).observe(max(delay, 0.0))
        else:
            self.notifications_failed.labels(channel, "true" if retrying else "false").inc()

    def database_error(self, transaction: str) -> None:
        self.database_errors.labels(transaction).inc()

    def anomaly(self, detector: str, count: int = 1) -> None:
        self.anomalies.labels(detector).inc(count)
