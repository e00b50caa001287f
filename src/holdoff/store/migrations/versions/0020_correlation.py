"""Correlation: the correlated incident each group incident joined (``incident_members``), the
operators' splits and merges (``correlation_feedback``), dependencies learned from history
(``correlation_learned``).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_members",
        sa.Column("incident_id", Id, nullable=False),
        sa.Column("lead_id", Id, nullable=False),
        sa.Column("member", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("joined_by", sa.String(255)),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_members_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incident_members"),
    )
    op.create_index("ix_incident_members_lead_id", "incident_members", ["lead_id"])
    op.create_table(
        "correlation_feedback",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("a_key", sa.String(64), nullable=False),
        sa.Column("b_key", sa.String(64), nullable=False),
        sa.Column("a_incident", Id, nullable=False),
        sa.Column("b_incident", Id, nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "correlation_learned",
        sa.Column("a", sa.String(200), nullable=False),
        sa.Column("b", sa.String(200), nullable=False),
        sa.Column("together", sa.Integer, nullable=False),
        sa.Column("expected", sa.Float, nullable=False),
        sa.Column("lift", sa.Float, nullable=False),
        sa.Column("a_first", sa.Integer, nullable=False),
        sa.Column("b_first", sa.Integer, nullable=False),
        sa.Column("learned_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("a", "b", name="pk_correlation_learned"),
    )


def downgrade() -> None:
    op.drop_table("correlation_learned")
    op.drop_table("correlation_feedback")
    op.drop_index("ix_incident_members_lead_id", table_name="incident_members")
    op.drop_table("incident_members")
