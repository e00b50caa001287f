"""A detectors' outbox: alert events committed with the lines or samples that caused them, applied to
mediation afterwards by a worker of any process (:mod:`holdoff.service.findings_worker`). The log
detectors have one (``log_findings``), the metric detectors another (``metric_findings``).

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
from typing import Any

from sqlalchemy import Connection, Table, delete, func, or_, select, text, update

from holdoff.mediate.model import Action, AlertEvent, Severity
from holdoff.store import metric_tables, tables


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    events: list[AlertEvent]
    attempts: int


def event_json(event: AlertEvent) -> dict[str, Any]:
    """An event as stored in the outbox (what detectors set; no operator fields)."""
    return {
        "source": event.source,
        "fingerprint": event.fingerprint,
        "action": event.action.value,
        "name": event.name,
        "severity": event.severity.value if event.severity is not None else None,
        "labels": dict(event.labels),
        "annotations": dict(event.annotations),
        "links": dict(event.links),
        "starts_at": event.starts_at.isoformat() if event.starts_at else None,
        "ends_at": event.ends_at.isoformat() if event.ends_at else None,
    }


def event_from_json(data: dict[str, Any]) -> AlertEvent:
    return AlertEvent(
        source=data["source"],
        fingerprint=data["fingerprint"],
        action=Action(data["action"]),
        name=data.get("name") or "",
        severity=Severity(data["severity"]) if data.get("severity") else None,
        labels=dict(data.get("labels") or {}),
        annotations=dict(data.get("annotations") or {}),
        links=dict(data.get("links") or {}),
        starts_at=datetime.fromisoformat(data["starts_at"]) if data.get("starts_at") else None,
        ends_at=datetime.fromisoformat(data["ends_at"]) if data.get("ends_at") else None,
    )


class FindingsOutbox:
    """One outbox table; ``lock_key`` is its PostgreSQL advisory lock (one worker claims at a time)."""

    def __init__(self, table: Table, lock_key: int) -> None:
        self.table = table
        self.lock_key = lock_key

    def add(self, conn: Connection, events: Sequence[AlertEvent], now: datetime) -> None:
        """Queue ``events`` (one row: they are applied together, in this order)."""
        if events:
            rows = [event_json(e) for e in events]
            conn.execute(self.table.insert().values(created_at=now, events=rows, attempts=0))

    def claim(self, conn: Connection, now: datetime, lease: timedelta, limit: int = 200) -> list[Claimed]:
        """Lease the oldest pending rows, unless another worker's lease is live (then nothing)."""
        f = self.table.c
        if conn.dialect.name == "postgresql":
            locked = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": self.lock_key})
            if not locked.scalar():
                return []
        live = conn.execute(select(func.count()).where(f.claimed_until > now)).scalar_one()
        if live:
            return []
        rows = conn.execute(
            select(f.id, f.events, f.attempts)
            .where(or_(f.claimed_until.is_(None), f.claimed_until <= now))
            .order_by(f.id)
            .limit(limit)
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        conn.execute(update(self.table).where(f.id.in_(ids)).values(claimed_until=now + lease))
        return [Claimed(row.id, [event_from_json(item) for item in row.events], row.attempts) for row in rows]

    def done(self, conn: Connection, ids: Sequence[int]) -> None:
        if ids:
            conn.execute(delete(self.table).where(self.table.c.id.in_(list(ids))))

    def failed(self, conn: Connection, row_id: int, error: str, retry_at: datetime) -> None:
        """Keep the row for another try at ``retry_at`` (its lease is moved there)."""
        f = self.table.c
        conn.execute(
            update(self.table)
            .where(f.id == row_id)
            .values(claimed_until=retry_at, attempts=f.attempts + 1, last_error=error[:2000])
        )

    def release(self, conn: Connection, ids: Sequence[int]) -> None:
        """Give rows back unapplied (a worker stopping)."""
        if ids:
            conn.execute(update(self.table).where(self.table.c.id.in_(list(ids))).values(claimed_until=None))

    def pending(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(self.table)).scalar_one())


LOG_FINDINGS = FindingsOutbox(tables.log_findings, lock_key=0x686F6C646F6C6F67)  # "holdolog"
"""The log detectors' outbox: alert events committed with the lines that caused them."""
METRIC_FINDINGS = FindingsOutbox(metric_tables.metric_findings, lock_key=0x686F6C646F6D6574)  # "holdomet"
"""The metric detectors' outbox: alert events committed with the samples that caused them."""
