"""Queries for inhibition: the keys open alerts inhibit, and targets whose inhibitor has resolved."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, delete, exists, select

from holdoff.mediate.inhibit import Inhibitor
from holdoff.store.alerts import StoredAlert, stored_rows
from holdoff.store.tables import alerts, inhibitors


def active(conn: Connection) -> list[Inhibitor]:
    return [Inhibitor(key=row.key, source=row.source) for row in conn.execute(select(inhibitors))]


def replace_keys(conn: Connection, source: str, keys: Collection[str]) -> None:
    """Make ``keys`` the exact set the alert ``source`` inhibits (empty when it no longer inhibits)."""
    conn.execute(delete(inhibitors).where(inhibitors.c.source == source))
    if keys:
        conn.execute(inhibitors.insert(), [{"key": key, "source": source} for key in sorted(keys)])


def lock_released(conn: Connection, limit: int) -> list[StoredAlert]:
    """Alerts kept from escalating by an alert that inhibits nothing any more, locked (others skipped)."""
    still_inhibiting = exists().where(inhibitors.c.source == alerts.c.inhibited_by)
    query = (
        select(alerts)
        .where(alerts.c.inhibited_by.is_not(None), ~still_inhibiting)
        .order_by(alerts.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return stored_rows(conn.execute(query))
