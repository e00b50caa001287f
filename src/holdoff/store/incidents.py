"""Queries for incidents: one open incident per group key, and the durable timer of its next message."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from holdoff.mediate.grouping import IncidentRecord, IncidentState, Pending
from holdoff.mediate.model import NotificationKind
from holdoff.store.tables import incidents


@dataclass(frozen=True)
class StoredIncident:
    id: int
    record: IncidentRecord
    created_at: datetime
    updated_at: datetime


def _pending(items: list[dict[str, Any]]) -> tuple[Pending, ...]:
    return tuple(
        Pending(
            alert=item["alert"],
            name=item["name"],
            kind=NotificationKind(item["kind"]),
            channels=tuple(item["channels"]),
            at=datetime.fromisoformat(item["at"]),
            severity=item.get("severity"),
        )
        for item in items
    )


def _stored(row: Row[Any]) -> StoredIncident:
    m = row._mapping
    record = IncidentRecord(
        key=m["key"],
        route=m["route"],
        labels=dict(m["labels"]),
        title=m["title"],
        state=IncidentState(m["state"]),
        opened_at=m["opened_at"],
        resolved_at=m["resolved_at"],
        firing=frozenset(m["firing"]),
        alerts=m["alerts"],
        pending=_pending(m["pending"]),
        flush_at=m["flush_at"],
        notified_at=m["notified_at"],
        paged_at=m["paged_at"],
        sequence=m["sequence"],
    )
    return StoredIncident(m["id"], record, m["created_at"], m["updated_at"])


def _values(record: IncidentRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "open_key": record.key if record.is_open else None,
        "route": record.route,
        "labels": record.labels,
        "title": record.title,
        "state": record.state.value,
        "opened_at": record.opened_at,
        "resolved_at": record.resolved_at,
        "firing": sorted(record.firing),
        "alerts": record.alerts,
        "pending": [
            {
                "alert": p.alert,
                "name": p.name,
                "kind": p.kind.value,
                "channels": list(p.channels),
                "at": p.at.isoformat(),
                "severity": p.severity,
            }
            for p in record.pending
        ],
        "flush_at": record.flush_at,
        "notified_at": record.notified_at,
        "paged_at": record.paged_at,
        "sequence": record.sequence,
    }


def lock_open(conn: Connection, keys: Collection[str]) -> dict[str, StoredIncident]:
    """The open incidents of these group keys, locked for this transaction."""
    if not keys:
        return {}
    query = select(incidents).where(incidents.c.open_key.in_(sorted(keys))).with_for_update()
    return {row.key: _stored(row) for row in conn.execute(query)}


def insert(conn: Connection, record: IncidentRecord, now: datetime) -> int:
    """A new open incident; raises IntegrityError if another process opened one for the key first."""
    result = conn.execute(
        incidents.insert().values(**_values(record), created_at=now, updated_at=now).returning(incidents.c.id)
    )
    return int(result.scalar_one())


def save(conn: Connection, incident_id: int, record: IncidentRecord, now: datetime) -> None:
    conn.execute(
        update(incidents).where(incidents.c.id == incident_id).values(**_values(record), updated_at=now)
    )


def claim_due(conn: Connection, now: datetime, limit: int) -> list[StoredIncident]:
    """Incidents whose collected messages are due, locked; rows another process holds are skipped."""
    query = (
        select(incidents)
        .where(incidents.c.flush_at <= now)
        .order_by(incidents.c.flush_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_stored(row) for row in conn.execute(query)]


def get(conn: Connection, incident_id: int) -> StoredIncident | None:
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    return _stored(row) if row is not None else None


def page(conn: Connection, *, state: IncidentState | None, limit: int) -> list[StoredIncident]:
    """The most recently changed incidents first."""
    query = select(incidents).order_by(incidents.c.updated_at.desc(), incidents.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(incidents.c.state == state.value)
    return [_stored(row) for row in conn.execute(query)]
