"""The outbox claimed channel by channel: an index that finds a channel's due messages without scanning
the messages of channels waiting for their rate limit.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_notifications_channel_status_next_attempt_at",
        "notifications",
        ["channel", "status", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_channel_status_next_attempt_at", table_name="notifications")
