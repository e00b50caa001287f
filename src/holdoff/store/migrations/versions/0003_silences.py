"""Silences, and the silence that muted an alert's escalation.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("muted_by", sa.Integer))
    op.create_index("ix_alerts_muted_by", "alerts", ["muted_by"])
    op.create_table(
        "silences",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("matchers", sa.JSON, nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("ended_handled_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_silences"),
    )
    op.create_index("ix_silences_ends_at", "silences", ["ends_at"])
    op.create_index("ix_silences_ended_handled_at_ends_at", "silences", ["ended_handled_at", "ends_at"])


def downgrade() -> None:
    op.drop_table("silences")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("muted_by")
