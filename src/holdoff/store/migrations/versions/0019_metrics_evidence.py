"""Metrics and anomaly detection, change events and root-cause evidence: series and samples, detector
state per series, the metric findings outbox, scheduled pulls, change events, evidence per alert.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_series",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metric_series"),
    )
    op.create_index("ix_metric_series_name", "metric_series", ["name"])
    op.create_index("ix_metric_series_last_seen", "metric_series", ["last_seen"])
    op.create_table(
        "metric_samples",
        sa.Column("series_id", sa.String(16), nullable=False),
        sa.Column("ts", UTCDateTime, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("series_id", "ts", name="pk_metric_samples"),
    )
    op.create_index("ix_metric_samples_ts", "metric_samples", ["ts"])
    op.create_table(
        "metric_detector_state",
        sa.Column("detector", sa.String(100), nullable=False),
        sa.Column("series_id", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("missing_seconds", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("last_ts", UTCDateTime),
        sa.Column("last_value", sa.Float),
        sa.Column("last_score", sa.Float),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("detector", "series_id", name="pk_metric_detector_state"),
    )
    op.create_index("ix_metric_detector_state_series_id", "metric_detector_state", ["series_id"])
    op.create_table(
        "metric_findings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_metric_findings_claimed_until", "metric_findings", ["claimed_until"])
    op.create_table(
        "metric_pulls",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("last_end", UTCDateTime),
        sa.Column("last_ok_at", UTCDateTime),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("name", name="pk_metric_pulls"),
    )
    op.create_table(
        "change_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("service", sa.String(200)),
        sa.Column("environment", sa.String(100)),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_change_events_at", "change_events", ["at"])
    op.create_index("ix_change_events_service_at", "change_events", ["service", "at"])
    op.create_table(
        "alert_evidence",
        sa.Column("alert_id", Id, nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("error_logs", sa.Boolean, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("next_at", UTCDateTime),
        sa.Column("claimed_until", UTCDateTime),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_alert_evidence_alert_id_alerts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("alert_id", name="pk_alert_evidence"),
    )
    op.create_index("ix_alert_evidence_next_at", "alert_evidence", ["next_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_evidence_next_at", table_name="alert_evidence")
    op.drop_table("alert_evidence")
    op.drop_index("ix_change_events_service_at", table_name="change_events")
    op.drop_index("ix_change_events_at", table_name="change_events")
    op.drop_table("change_events")
    op.drop_table("metric_pulls")
    op.drop_index("ix_metric_findings_claimed_until", table_name="metric_findings")
    op.drop_table("metric_findings")
    op.drop_index("ix_metric_detector_state_series_id", table_name="metric_detector_state")
    op.drop_table("metric_detector_state")
    op.drop_index("ix_metric_samples_ts", table_name="metric_samples")
    op.drop_table("metric_samples")
    op.drop_index("ix_metric_series_last_seen", table_name="metric_series")
    op.drop_index("ix_metric_series_name", table_name="metric_series")
    op.drop_table("metric_series")
