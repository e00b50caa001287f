"""Alembic environment: always run by :func:`holdoff.store.migrate.upgrade` with a live connection."""

from __future__ import annotations

from alembic import context

from holdoff.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `holdoff serve` or holdoff.store.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
