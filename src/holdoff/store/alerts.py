"""Queries for alerts and their timelines."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.edge import utc_in_range
from holdoff.mediate.model import AlertRecord, AlertState, Resolution, Severity, TimelineEntry
from holdoff.store.alert_search import AlertFilter, matches_all
from holdoff.store.tables import alert_events, alerts

_RECORD_COLUMNS = (
    "source",
    "fingerprint",
    "name",
    "state",
    "occurrence",
    "severity",
    "labels",
    "annotations",
    "links",
    "opened_at",
    "last_seen_at",
    "deadline_at",
    "escalated_at",
    "acknowledged_at",
    "acknowledged_by",
    "suppressed_at",
    "resolved_at",
    "resolution",
    "source_started_at",
    "muted_by",
    "inhibited_by",
    "muted_until",
    "muted_reason",
    "chain_step",
    "chain_round",
    "chain_next_at",
    "flapping_since",
    "flap_notified_at",
    "repeat_count",
    "flap_count",
)


def _to_record(row: Row[Any]) -> AlertRecord:
    m = row._mapping
    return AlertRecord(
        source=m["source"],
        fingerprint=m["fingerprint"],
        name=m["name"],
        state=AlertState(m["state"]),
        occurrence=m["occurrence"],
        severity=Severity(m["severity"]) if m["severity"] else None,
        labels=dict(m["labels"] or {}),
        annotations=dict(m["annotations"] or {}),
        links=dict(m["links"] or {}),
        opened_at=m["opened_at"],
        last_seen_at=m["last_seen_at"],
        deadline_at=m["deadline_at"],
        escalated_at=m["escalated_at"],
        acknowledged_at=m["acknowledged_at"],
        acknowledged_by=m["acknowledged_by"],
        suppressed_at=m["suppressed_at"],
        resolved_at=m["resolved_at"],
        resolution=Resolution(m["resolution"]) if m["resolution"] else None,
        source_started_at=m["source_started_at"],
        muted_by=m["muted_by"],
        inhibited_by=m["inhibited_by"],
        muted_until=m["muted_until"],
        muted_reason=m["muted_reason"],
        chain_step=m["chain_step"] or 0,
        chain_round=m["chain_round"] or 0,
        chain_next_at=m["chain_next_at"],
        flap_times=tuple(datetime.fromisoformat(t) for t in m["flap_times"] or ()),
        flapping_since=m["flapping_since"],
        flap_notified_at=m["flap_notified_at"],
        repeat_count=m["repeat_count"],
        flap_count=m["flap_count"],
    )


def _values(record: AlertRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _RECORD_COLUMNS}
    values["state"] = record.state.value
    values["severity"] = record.severity.value if record.severity else None
    values["resolution"] = record.resolution.value if record.resolution else None
    values["flap_times"] = [t.isoformat() for t in record.flap_times]
    return values


@dataclass(frozen=True)
class StoredAlert:
    id: int
    record: AlertRecord
    created_at: datetime
    updated_at: datetime


def _stored(row: Row[Any]) -> StoredAlert:
    m = row._mapping
    return StoredAlert(
        id=m["id"], record=_to_record(row), created_at=m["created_at"], updated_at=m["updated_at"]
    )


# Statements on the ingest path are built once and executed with parameters: building a statement
# per call costs more CPU than SQLite takes to run it.
_LOCK_BY_IDENTITY = (
    select(alerts)
    .where(alerts.c.source == bindparam("source"), alerts.c.fingerprint == bindparam("fingerprint"))
    .with_for_update()
)
# One source at a time: SQLite plans a row-value IN over (source, fingerprint) as a full table scan,
# while ``source = ? AND fingerprint IN (...)`` uses the unique index.
_LOCK_MANY = (
    select(alerts)
    .where(
        alerts.c.source == bindparam("source"),
        alerts.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
    )
    .order_by(alerts.c.id)
    .with_for_update()
)
_LOCK_BY_ID = select(alerts).where(alerts.c.id == bindparam("alert_id")).with_for_update()
_INSERT_NEW = {
    name: dialect_insert(alerts)
    .on_conflict_do_nothing(index_elements=["source", "fingerprint"])
    .returning(alerts.c.id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_INSERT_MANY = alerts.insert().returning(alerts.c.id, alerts.c.source, alerts.c.fingerprint)
_SAVE = update(alerts).where(alerts.c.id == bindparam("alert_id"))
_ADD_EVENT = alert_events.insert()


def stored_rows(rows: Iterable[Row[Any]]) -> list[StoredAlert]:
    return [_stored(row) for row in rows]


def lock_by_identity(conn: Connection, source: str, fingerprint: str) -> StoredAlert | None:
    """The alert with this identity, locked for the rest of the transaction (PostgreSQL)."""
    row = conn.execute(_LOCK_BY_IDENTITY, {"source": source, "fingerprint": fingerprint}).first()
    return _stored(row) if row is not None else None


def lock_many(
    conn: Connection, identities: Collection[tuple[str, str]]
) -> dict[tuple[str, str], StoredAlert]:
    """The alerts with these identities, locked source by source in id order (so batches do not deadlock)."""
    by_source: dict[str, list[str]] = {}
    for source, fingerprint in identities:
        by_source.setdefault(source, []).append(fingerprint)
    found: dict[tuple[str, str], StoredAlert] = {}
    for source in sorted(by_source):
        for row in conn.execute(_LOCK_MANY, {"source": source, "fingerprints": by_source[source]}):
            found[(row.source, row.fingerprint)] = _stored(row)
    return found


def lock_by_id(conn: Connection, alert_id: int) -> StoredAlert | None:
    row = conn.execute(_LOCK_BY_ID, {"alert_id": alert_id}).first()
    return _stored(row) if row is not None else None


def insert_new(conn: Connection, record: AlertRecord, now: datetime) -> int | None:
    """Insert a first-seen alert; None when a concurrent transaction inserted the same identity first."""
    params = {**_values(record), "created_at": now, "updated_at": now}
    return conn.execute(_INSERT_NEW[conn.dialect.name], params).scalar_one_or_none()


def insert_many(
    conn: Connection, records: Sequence[AlertRecord], now: datetime
) -> dict[tuple[str, str], int]:
    """Insert first-seen alerts in one statement; their ids by identity.

    Raises :class:`sqlalchemy.exc.IntegrityError` when another transaction inserted one of them
    first (the caller decides again on the row that now exists).
    """
    if not records:
        return {}
    params = [{**_values(record), "created_at": now, "updated_at": now} for record in records]
    rows = conn.execute(_INSERT_MANY, params)
    return {(row.source, row.fingerprint): row.id for row in rows}


def save_many(conn: Connection, changes: Sequence[tuple[int, AlertRecord]], now: datetime) -> None:
    if changes:
        conn.execute(
            _SAVE,
            [{**_values(record), "updated_at": now, "alert_id": alert_id} for alert_id, record in changes],
        )


def save(conn: Connection, alert_id: int, record: AlertRecord, now: datetime) -> None:
    save_many(conn, [(alert_id, record)], now)


def event_row(
    alert_id: int,
    entry: TimelineEntry,
    at: datetime,
    *,
    actor: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One timeline row, for :func:`add_events`."""
    return {
        "alert_id": alert_id,
        "at": at,
        "occurrence": entry.occurrence,
        "action": entry.action.value,
        "state_before": entry.state_before.value if entry.state_before else None,
        "state_after": entry.state_after.value,
        "summary": entry.summary,
        "actor": actor,
        "payload": payload,
    }


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_ADD_EVENT, list(rows))


def claim_due(conn: Connection, now: datetime, limit: int) -> list[StoredAlert]:
    """Alerts whose grace deadline has passed, locked; rows another process holds are skipped."""
    query = (
        select(alerts)
        .where(alerts.c.deadline_at <= now)
        .order_by(alerts.c.deadline_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_stored(row) for row in conn.execute(query)]


def _claim_by(column: ColumnElement[Any], now: datetime, limit: int) -> Select[Any]:
    return select(alerts).where(column <= now).order_by(column).limit(limit).with_for_update(skip_locked=True)


def claim_maintenance_over(conn: Connection, now: datetime, limit: int) -> list[StoredAlert]:
    """Alerts whose maintenance window has ended while their escalation was held back, locked."""
    return [_stored(row) for row in conn.execute(_claim_by(alerts.c.muted_until, now, limit))]


def claim_chain_due(conn: Connection, now: datetime, limit: int) -> list[StoredAlert]:
    """Alerts whose next escalation chain step is due, locked (rows other processes hold are skipped)."""
    return [_stored(row) for row in conn.execute(_claim_by(alerts.c.chain_next_at, now, limit))]


def lock_muted_by(conn: Connection, silence_id: int) -> list[StoredAlert]:
    """Alerts whose escalation this silence muted, locked."""
    query = select(alerts).where(alerts.c.muted_by == silence_id).order_by(alerts.c.id).with_for_update()
    return [_stored(row) for row in conn.execute(query)]


def by_identities(conn: Connection, identities: Collection[tuple[str, str]]) -> list[StoredAlert]:
    """The alerts with these (source, fingerprint) identities, without locking them."""
    found: list[StoredAlert] = []
    by_source: dict[str, list[str]] = {}
    for source, fingerprint in identities:
        by_source.setdefault(source, []).append(fingerprint)
    for source, fingerprints in sorted(by_source.items()):
        query = select(alerts).where(
            alerts.c.source == source, alerts.c.fingerprint.in_(sorted(fingerprints))
        )
        found += [_stored(row) for row in conn.execute(query)]
    return sorted(found, key=lambda stored: stored.id)


def get(conn: Connection, alert_id: int) -> StoredAlert | None:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    return _stored(row) if row is not None else None


class InvalidCursor(ValueError):
    """A pagination cursor that this server did not hand out."""


def encode_cursor(alert: StoredAlert) -> str:
    return encode_position(alert.updated_at, alert.id)


def encode_position(updated_at: datetime, alert_id: int) -> str:
    """An opaque cursor for the position (``updated_at``, ``id``) in the alert list or change feed."""
    raw = f"{updated_at.isoformat()}|{alert_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position in a cursor from :func:`encode_position`; :class:`InvalidCursor` if it is not one."""
    return _decode_cursor(cursor)


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, number = raw.rsplit("|", 1)
        moment, alert_id = datetime.fromisoformat(stamp), int(number)
        if moment.tzinfo is None or not 0 <= alert_id < 2**62:
            raise ValueError("not a position this server makes")
        return utc_in_range(moment), alert_id
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("cursor is not one this server returned; start again without it") from exc


def page(
    conn: Connection,
    *,
    states: Sequence[AlertState] = (),
    limit: int = 50,
    cursor: str | None = None,
    where: AlertFilter | None = None,
) -> tuple[list[StoredAlert], str | None]:
    """Alerts with the most recent activity first, and the cursor of the next page (None at the end)."""
    query = select(alerts).order_by(alerts.c.updated_at.desc(), alerts.c.id.desc()).limit(limit + 1)
    if states:
        query = query.where(alerts.c.state.in_([state.value for state in states]))
    if where is not None and (matched := matches_all(where, conn.dialect.name)) is not None:
        query = query.where(matched)
    if cursor is not None:
        stamp, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(alerts.c.updated_at < stamp, and_(alerts.c.updated_at == stamp, alerts.c.id < last_id))
        )
    rows = [_stored(row) for row in conn.execute(query)]
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if has_more and rows else None)


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    occurrence: int
    action: str
    state_before: str | None
    state_after: str
    summary: str
    actor: str | None


def timeline(conn: Connection, alert_id: int) -> list[Event]:
    query = (
        select(
            alert_events.c.id,
            alert_events.c.at,
            alert_events.c.occurrence,
            alert_events.c.action,
            alert_events.c.state_before,
            alert_events.c.state_after,
            alert_events.c.summary,
            alert_events.c.actor,
        )
        .where(alert_events.c.alert_id == alert_id)
        .order_by(alert_events.c.id)
    )
    return [Event(**row._mapping) for row in conn.execute(query)]
