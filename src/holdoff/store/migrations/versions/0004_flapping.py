"""Flapping: recent re-trigger times, since when an alert flaps, when it was last summarised.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("flap_times", sa.JSON))
        batch.add_column(sa.Column("flapping_since", UTCDateTime))
        batch.add_column(sa.Column("flap_notified_at", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("flap_notified_at")
        batch.drop_column("flapping_since")
        batch.drop_column("flap_times")
