"""The schema of metrics, anomaly detection, change events and root-cause evidence (issue 14), on the
same metadata as :mod:`holdoff.store.tables`. :mod:`holdoff.store.schema` gathers both."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from holdoff.store.tables import metadata
from holdoff.store.types import Id, UTCDateTime

# Each series once: its name and labels by its stable id (holdoff.metrics.model.series_id).
metric_series = Table(
    "metric_series",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Index(None, "name"),
    Index(None, "last_seen"),
)

# Samples, kept for a bounded retention (training, backtests, evidence); one value per series and time.
metric_samples = Table(
    "metric_samples",
    metadata,
    Column("series_id", String(16), primary_key=True),
    Column("ts", UTCDateTime, primary_key=True),
    Column("value", Float, nullable=False),
    Index(None, "ts"),
)

# A detector's state per series (JSON it made), with what the dashboard shows of it.
metric_detector_state = Table(
    "metric_detector_state",
    metadata,
    Column("detector", String(100), primary_key=True),
    Column("series_id", String(16), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("phase", String(20), nullable=False),
    Column("missing_seconds", Float),
    Column("note", Text),
    Column("last_ts", UTCDateTime),
    Column("last_value", Float),
    Column("last_score", Float),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "series_id"),
)

# Alert events the metric detectors decided, committed with the samples that caused them (an outbox).
metric_findings = Table(
    "metric_findings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("events", JSON, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index(None, "claimed_until"),
)

# Scheduled pulls (Prometheus query_range, CloudWatch GetMetricData): one row per configured pull,
# claimed by one process at a time, backing off on errors.
metric_pulls = Table(
    "metric_pulls",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("next_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),
    Column("claimed_by", String(100)),
    Column("last_end", UTCDateTime),
    Column("last_ok_at", UTCDateTime),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_error", Text),
)

# Change events (POST /events): deploys, config changes, scaling.
change_events = Table(
    "change_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("type", String(32), nullable=False),
    Column("service", String(200)),
    Column("environment", String(100)),
    Column("at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("labels", JSON, nullable=False),
    Column("source", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index(None, "at"),
    Index(None, "service", "at"),
)

# Root-cause evidence of an alert's current occurrence: computed when it is held, updated until it
# escalates (then final).
alert_evidence = Table(
    "alert_evidence",
    metadata,
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("occurrence", Integer, nullable=False),
    Column("computed_at", UTCDateTime, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("error_logs", Boolean, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("next_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    Index(None, "next_at"),
)
