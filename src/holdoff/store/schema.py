"""The whole schema: every table module on one metadata (what Alembic's migrations create)."""

from __future__ import annotations

from holdoff.store import correlation_tables, metric_tables, tables

metadata = tables.metadata

__all__ = ["correlation_tables", "metadata", "metric_tables"]
