"""Alerts, their timeline, the notification outbox and delivery attempts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(255), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),
        sa.Column("severity", sa.String(16)),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("annotations", sa.JSON, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("opened_at", UTCDateTime),
        sa.Column("last_seen_at", UTCDateTime),
        sa.Column("deadline_at", UTCDateTime),
        sa.Column("escalated_at", UTCDateTime),
        sa.Column("acknowledged_at", UTCDateTime),
        sa.Column("acknowledged_by", sa.String(255)),
        sa.Column("suppressed_at", UTCDateTime),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("resolution", sa.String(32)),
        sa.Column("repeat_count", sa.Integer, nullable=False),
        sa.Column("flap_count", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("source", "fingerprint", name="uq_alerts_source_fingerprint"),
    )
    op.create_index("ix_alerts_deadline_at", "alerts", ["deadline_at"])
    op.create_index("ix_alerts_updated_at_id", "alerts", ["updated_at", "id"])
    op.create_index("ix_alerts_state_updated_at_id", "alerts", ["state", "updated_at", "id"])

    op.create_table(
        "alert_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("alert_id", Id, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("state_before", sa.String(16)),
        sa.Column("state_after", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("actor", sa.String(255)),
        sa.Column("payload", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_alert_events"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_alert_events_alert_id_alerts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_alert_events_alert_id_id", "alert_events", ["alert_id", "id"])

    op.create_table(
        "notifications",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("alert_id", Id, nullable=False),
        sa.Column("occurrence", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedup_key", name="uq_notifications_dedup_key"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_notifications_alert_id_alerts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_notifications_status_next_attempt_at", "notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notifications_alert_id", "notifications", ["alert_id"])

    op.create_table(
        "delivery_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("notification_id", Id, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name="fk_delivery_attempts_notification_id_notifications",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_delivery_attempts_notification_id", "delivery_attempts", ["notification_id"])


def downgrade() -> None:
    op.drop_table("delivery_attempts")
    op.drop_table("notifications")
    op.drop_table("alert_events")
    op.drop_table("alerts")
