"""Channel rate limits shared by every process: when each rate-limited channel may send next.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_slots",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("channel", name="pk_channel_slots"),
    )


def downgrade() -> None:
    op.drop_table("channel_slots")
