"""The metric detectors' outbox: alert events committed with the samples that caused them, applied to
mediation afterwards by a worker of any process.

Rows are applied in the order they were written, by one worker at a time: :func:`claim` leases every
pending row (up to a limit) only when no other lease is live, so a resolve can never overtake the
trigger it ends. On PostgreSQL a transaction-level advisory lock makes that check and the lease one
step; SQLite serialises writers already. A worker that dies leaves a lease that runs out, and the rows
are claimed again: applying an event twice changes nothing (same identity, same ``starts_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, or_, select, text, update

from holdoff.mediate.model import AlertEvent
from holdoff.store.log_findings import event_from_json, event_json
from holdoff.store.metric_tables import metric_findings

_F = metric_findings.c
_PG_LOCK_KEY = 0x686F6C646F6D6574  # "holdomet"


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    events: list[AlertEvent]
    attempts: int


def add(conn: Connection, events: Sequence[AlertEvent], now: datetime) -> None:
    """Queue ``events`` (one row: they are applied together, in this order)."""
    if events:
        conn.execute(
            metric_findings.insert().values(
                created_at=now, events=[event_json(e) for e in events], attempts=0
            )
        )


def claim(conn: Connection, now: datetime, lease: timedelta, limit: int = 200) -> list[Claimed]:
    """Lease the oldest pending rows, unless another worker's lease is live (then nothing)."""
    if conn.dialect.name == "postgresql":
        locked = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}).scalar()
        if not locked:
            return []
    live = conn.execute(select(func.count()).where(_F.claimed_until > now)).scalar_one()
    if live:
        return []
    rows = conn.execute(
        select(_F.id, _F.events, _F.attempts)
        .where(or_(_F.claimed_until.is_(None), _F.claimed_until <= now))
        .order_by(_F.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    conn.execute(update(metric_findings).where(_F.id.in_(ids)).values(claimed_until=now + lease))
    return [Claimed(row.id, [event_from_json(item) for item in row.events], row.attempts) for row in rows]


def done(conn: Connection, ids: Sequence[int]) -> None:
    if ids:
        conn.execute(delete(metric_findings).where(_F.id.in_(list(ids))))


def failed(conn: Connection, row_id: int, error: str, retry_at: datetime) -> None:
    """Keep the row for another try at ``retry_at`` (its lease is moved there)."""
    conn.execute(
        update(metric_findings)
        .where(_F.id == row_id)
        .values(claimed_until=retry_at, attempts=_F.attempts + 1, last_error=error[:2000])
    )


def release(conn: Connection, ids: Sequence[int]) -> None:
    """Give rows back unapplied (a worker stopping)."""
    if ids:
        conn.execute(update(metric_findings).where(_F.id.in_(list(ids))).values(claimed_until=None))


def pending(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(metric_findings)).scalar_one())
