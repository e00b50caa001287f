"""Log analysis: the verdict on each stored line, per-template per-minute counts, totals by severity,
operator marks, detector state, and the detectors' findings outbox.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from holdoff.store.types import Id, UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_lines") as batch:
        batch.add_column(sa.Column("severity", sa.String(16)))
        batch.add_column(sa.Column("critical", sa.Boolean))
        batch.add_column(sa.Column("score", sa.Float))
        batch.add_column(sa.Column("reason", sa.JSON))
        batch.add_column(sa.Column("model_version", sa.String(64)))
    op.create_index("ix_log_lines_critical_id", "log_lines", ["critical", "id"])
    op.create_table(
        "log_template_minutes",
        sa.Column("template_id", sa.String(32), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("minute", UTCDateTime, nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("critical", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("template_id", "service", "minute", name="pk_log_template_minutes"),
    )
    op.create_index("ix_log_template_minutes_minute", "log_template_minutes", ["minute"])
    op.create_table(
        "log_totals",
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("service", "severity", name="pk_log_totals"),
    )
    op.create_table(
        "log_marks",
        sa.Column("template_id", sa.String(32), nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("example", sa.Text, nullable=False),
        sa.Column("level", sa.String(64)),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("marked_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("template_id", name="pk_log_marks"),
    )
    op.create_table(
        "log_detector_state",
        sa.Column("detector", sa.String(100), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime),
        sa.PrimaryKeyConstraint("detector", "key", name="pk_log_detector_state"),
    )
    op.create_index("ix_log_detector_state_expires_at", "log_detector_state", ["expires_at"])
    op.create_table(
        "log_findings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("claimed_until", UTCDateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_log_findings_claimed_until", "log_findings", ["claimed_until"])


def downgrade() -> None:
    op.drop_index("ix_log_findings_claimed_until", table_name="log_findings")
    op.drop_table("log_findings")
    op.drop_index("ix_log_detector_state_expires_at", table_name="log_detector_state")
    op.drop_table("log_detector_state")
    op.drop_table("log_marks")
    op.drop_table("log_totals")
    op.drop_index("ix_log_template_minutes_minute", table_name="log_template_minutes")
    op.drop_table("log_template_minutes")
    op.drop_index("ix_log_lines_critical_id", table_name="log_lines")
    with op.batch_alter_table("log_lines") as batch:
        for name in ("model_version", "reason", "score", "critical", "severity"):
            batch.drop_column(name)
