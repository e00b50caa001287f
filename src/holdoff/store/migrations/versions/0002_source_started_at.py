"""The source's own start time of an alert's current occurrence (for idempotent re-delivery).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("source_started_at", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("source_started_at")
