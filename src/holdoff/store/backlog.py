"""Counts of work waiting in the database, bounded so that a deep backlog costs no more than its bound
to count (what :class:`holdoff.service.admission.Backlog` reads, at most once a second)."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from holdoff.store.outbox import Status
from holdoff.store.tables import notifications


def undelivered(conn: Connection, at_most: int) -> int:
    """Outbox rows not delivered yet (waiting or retrying), counted up to ``at_most``."""
    waiting = (
        select(notifications.c.id)
        .where(notifications.c.status == Status.PENDING.value)
        .limit(at_most)
        .subquery()
    )
    return int(conn.execute(select(func.count()).select_from(waiting)).scalar_one())
