"""Queries behind the live alert feed: what changed after a position, and the snapshot a client starts from.

A position is ``(updated_at, id)``, the order of the ``(updated_at, id)`` index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from holdoff.mediate.model import OPEN_STATES
from holdoff.store.alerts import StoredAlert, stored_rows
from holdoff.store.tables import alerts

Position = tuple[datetime, int]


def latest_position(conn: Connection) -> Position | None:
    """The position of the most recent change, None when there are no alerts."""
    row = conn.execute(
        select(alerts.c.updated_at, alerts.c.id)
        .order_by(alerts.c.updated_at.desc(), alerts.c.id.desc())
        .limit(1)
    ).first()
    return (row.updated_at, row.id) if row is not None else None


def keys_since(conn: Connection, since: datetime, limit: int) -> list[Position]:
    """Positions of alerts changed at or after ``since``, oldest first (index only: no row is decoded)."""
    query = (
        select(alerts.c.updated_at, alerts.c.id)
        .where(alerts.c.updated_at >= since)
        .order_by(alerts.c.updated_at, alerts.c.id)
        .limit(limit)
    )
    return [(row.updated_at, row.id) for row in conn.execute(query)]


def keys_after(conn: Connection, after: Position, limit: int) -> list[Position]:
    """Positions strictly after ``after``, oldest first."""
    stamp, last_id = after
    query = (
        select(alerts.c.updated_at, alerts.c.id)
        .where(or_(alerts.c.updated_at > stamp, and_(alerts.c.updated_at == stamp, alerts.c.id > last_id)))
        .order_by(alerts.c.updated_at, alerts.c.id)
        .limit(limit)
    )
    return [(row.updated_at, row.id) for row in conn.execute(query)]


def by_ids(conn: Connection, ids: Sequence[int]) -> list[StoredAlert]:
    """These alerts as they are now, in the order of their last change."""
    found: list[StoredAlert] = []
    for start in range(0, len(ids), 500):
        chunk = sorted(set(ids[start : start + 500]))
        found += stored_rows(conn.execute(select(alerts).where(alerts.c.id.in_(chunk))))
    return sorted(found, key=lambda stored: (stored.updated_at, stored.id))


def snapshot(conn: Connection, *, recent: int, open_limit: int) -> tuple[list[StoredAlert], bool]:
    """The open alerts (the ``open_limit`` most recently changed of them) and the ``recent`` most recently
    changed alerts of any state, most recent first; and whether open alerts were left out."""
    order = (alerts.c.updated_at.desc(), alerts.c.id.desc())
    open_query = select(alerts).where(alerts.c.state.in_([s.value for s in OPEN_STATES]))
    open_rows = stored_rows(conn.execute(open_query.order_by(*order).limit(open_limit + 1)))
    latest = stored_rows(conn.execute(select(alerts).order_by(*order).limit(recent)))
    merged = {stored.id: stored for stored in (*open_rows[:open_limit], *latest)}
    ordered = sorted(merged.values(), key=lambda stored: (stored.updated_at, stored.id), reverse=True)
    return ordered, len(open_rows) > open_limit
