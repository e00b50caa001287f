"""The schema of correlation (issue 15), on the same metadata as :mod:`holdoff.store.tables`:
which correlated incident each group incident joined, the operators' splits and merges, and the
dependencies learned from history. :mod:`holdoff.store.schema` gathers it with the others."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table

from holdoff.store.tables import metadata
from holdoff.store.types import Id, UTCDateTime

# One row per group incident correlation saw page: the correlated incident it belongs to (its lead's
# group-incident id; the lead's own row has lead_id == incident_id), the member as correlation saw it,
# and why it joined. ``joined_by``: None when correlation decided, else the operator who merged it.
incident_members = Table(
    "incident_members",
    metadata,
    Column("incident_id", Id, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("lead_id", Id, nullable=False),
    Column("member", JSON, nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("joined_by", String(255)),
    Index(None, "lead_id"),
)

# The operators' splits and merges, by group key (kept forever: a split pair never joins again).
correlation_feedback = Table(
    "correlation_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("a_key", String(64), nullable=False),
    Column("b_key", String(64), nullable=False),
    Column("a_incident", Id, nullable=False),
    Column("b_incident", Id, nullable=False),
    Column("by", String(255), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

# Dependencies learned from history, by unordered pair of services (a < b); replaced as a whole.
correlation_learned = Table(
    "correlation_learned",
    metadata,
    Column("a", String(200), primary_key=True),
    Column("b", String(200), primary_key=True),
    Column("together", Integer, nullable=False),
    Column("expected", Float, nullable=False),
    Column("lift", Float, nullable=False),
    Column("a_first", Integer, nullable=False),
    Column("b_first", Integer, nullable=False),
    Column("learned_at", UTCDateTime, nullable=False),
)
