"""Escalation chains: the last step notified and when the next one is due (a durable timer).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("chain_step", sa.Integer))
        batch.add_column(sa.Column("chain_round", sa.Integer))
        batch.add_column(sa.Column("chain_next_at", UTCDateTime))
    op.create_index("ix_alerts_chain_next_at", "alerts", ["chain_next_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_chain_next_at", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("chain_next_at")
        batch.drop_column("chain_round")
        batch.drop_column("chain_step")
