"""Incidents (grouping), digests, quiet hours: the ``incidents``, ``digest_items`` and ``digests`` tables,
outbox rows about an incident or a digest (``alert_id`` optional, ``incident_id``), and
``alerts.muted_reason``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("open_key", sa.String(64)),
        sa.Column("route", sa.String(100), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("firing", sa.JSON, nullable=False),
        sa.Column("alerts", sa.Integer, nullable=False),
        sa.Column("pending", sa.JSON, nullable=False),
        sa.Column("flush_at", UTCDateTime),
        sa.Column("notified_at", UTCDateTime),
        sa.Column("paged_at", UTCDateTime),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("open_key", name="uq_incidents_open_key"),
    )
    op.create_index("ix_incidents_flush_at", "incidents", ["flush_at"])
    op.create_index("ix_incidents_key", "incidents", ["key"])
    op.create_index("ix_incidents_state_updated_at_id", "incidents", ["state", "updated_at", "id"])
    op.create_table(
        "digest_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "alert_id",
            Id,
            sa.ForeignKey("alerts.id", ondelete="CASCADE", name="fk_digest_items_alert_id_alerts"),
        ),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_items"),
    )
    op.create_index("ix_digest_items_channel_id", "digest_items", ["channel", "id"])
    op.create_table(
        "digests",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("due_at", UTCDateTime),
        sa.PrimaryKeyConstraint("channel", name="pk_digests"),
    )
    op.create_index("ix_digests_due_at", "digests", ["due_at"])
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("alert_id", existing_type=Id, nullable=True)
        batch.add_column(sa.Column("incident_id", Id))
        batch.create_foreign_key(
            "fk_notifications_incident_id_incidents", "incidents", ["incident_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index("ix_notifications_incident_id", "notifications", ["incident_id"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("muted_reason", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("muted_reason")
    op.drop_index("ix_notifications_incident_id", "notifications")
    op.execute("DELETE FROM notifications WHERE alert_id IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("fk_notifications_incident_id_incidents", type_="foreignkey")
        batch.drop_column("incident_id")
        batch.alter_column("alert_id", existing_type=Id, nullable=False)
    op.drop_table("digests")
    op.drop_table("digest_items")
    op.drop_table("incidents")
