"""Maintenance windows: when the window that held back an alert's escalation ends (a durable timer).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("muted_until", UTCDateTime))
    op.create_index("ix_alerts_muted_until", "alerts", ["muted_until"])


def downgrade() -> None:
    op.drop_index("ix_alerts_muted_until", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("muted_until")
