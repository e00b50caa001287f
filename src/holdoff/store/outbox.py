"""The notification outbox: rows written with the state change, claimed by senders under a lease.

A sender claims due rows by stamping them with its name and a lease expiry, commits, and only then
talks to the channel, so no database lock is held across network I/O. If the sender dies, its lease
runs out and another sender (or the same service after a restart) claims the rows again.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.store.tables import delivery_attempts, notifications


class Status(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up: not retryable, or still failing after the give-up age. Shown, never silently dropped."""


# Built once: the outbox insert is on the ingest path.
_ENQUEUE = {
    name: dialect_insert(notifications).on_conflict_do_nothing(index_elements=["dedup_key"])
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def row(
    *,
    alert_id: int | None = None,
    incident_id: int | None = None,
    occurrence: int,
    channel: str,
    message: Message,
    now: datetime,
    sequence: int = 0,
    dedup_key: str | None = None,
) -> dict[str, Any]:
    """One outbox row for one channel, for :func:`enqueue`. ``sequence`` tells repeated messages apart;
    the dedup key makes a message decided twice (a retried transaction) queue once."""
    if dedup_key is None:
        kind = message.kind.value if not sequence else f"{message.kind.value}#{sequence}"
        about = f"incident:{incident_id}" if incident_id is not None else f"alert:{alert_id}:{occurrence}"
        dedup_key = f"{about}:{kind}:{channel}"
    return {
        "alert_id": alert_id,
        "incident_id": incident_id,
        "occurrence": occurrence,
        "kind": message.kind.value,
        "channel": channel,
        "dedup_key": dedup_key,
        "message": message.model_dump(mode="json"),
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Queue messages; a row whose dedup key is already queued is skipped (idempotent)."""
    if rows:
        conn.execute(_ENQUEUE[conn.dialect.name], list(rows))


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    message: Message
    attempts: int
    created_at: datetime


_DUE = (
    select(
        notifications.c.id,
        notifications.c.channel,
        notifications.c.message,
        notifications.c.attempts,
        notifications.c.created_at,
    )
    .where(
        notifications.c.status == Status.PENDING.value,
        notifications.c.next_attempt_at <= bindparam("now"),
        or_(notifications.c.lease_expires_at.is_(None), notifications.c.lease_expires_at < bindparam("now")),
    )
    .order_by(notifications.c.next_attempt_at, notifications.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DUE_IN_CHANNEL = _DUE.where(notifications.c.channel == bindparam("channel"))
_DUE_ELSEWHERE = _DUE.where(notifications.c.channel.not_in(bindparam("known", expanding=True)))
_LEASE = (
    update(notifications)
    .where(notifications.c.id.in_(bindparam("ids", expanding=True)))
    .values(lease_owner=bindparam("owner"), lease_expires_at=bindparam("until"))
)
_ADD_ATTEMPT = delivery_attempts.insert()
_SETTLE = (
    update(notifications)
    .where(notifications.c.id == bindparam("notification_id"))
    .values(lease_owner=None, lease_expires_at=None)
)


def claim(
    conn: Connection,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    channel: str | None = None,
    not_in: Collection[str] | None = None,
) -> list[Claimed]:
    """Due pending messages not leased by a live sender, oldest first, now leased to ``owner``: those of
    ``channel``, or of channels not in ``not_in`` (messages for channels no longer configured), or any."""
    if channel is not None:
        rows = conn.execute(_DUE_IN_CHANNEL, {"now": now, "limit": limit, "channel": channel}).all()
    elif not_in:
        rows = conn.execute(_DUE_ELSEWHERE, {"now": now, "limit": limit, "known": list(not_in)}).all()
    else:
        rows = conn.execute(_DUE, {"now": now, "limit": limit}).all()
    if not rows:
        return []
    conn.execute(_LEASE, {"ids": [row.id for row in rows], "owner": owner, "until": now + lease})
    return [
        Claimed(
            id=row.id,
            channel=row.channel,
            message=Message.model_validate(row.message),
            attempts=row.attempts,
            created_at=row.created_at,
        )
        for row in rows
    ]


def release(conn: Connection, claimed: Sequence[Claimed]) -> None:
    """Give claimed messages back untried (in the transaction that claimed them): no lease, no attempt."""
    for item in claimed:
        conn.execute(_SETTLE, {"notification_id": item.id})


def release_owned(conn: Connection, owner: str) -> int:
    """Give back every message ``owner`` claimed and has not settled (a process that stops): other
    senders take them at once instead of when the lease runs out. How many were given back."""
    done = conn.execute(
        update(notifications)
        .where(notifications.c.lease_owner == owner, notifications.c.status == Status.PENDING.value)
        .values(lease_owner=None, lease_expires_at=None)
    )
    return int(done.rowcount)


def record_attempt(
    conn: Connection,
    claimed: Claimed,
    *,
    owner: str,
    result: DeliveryResult,
    now: datetime,
    retry_at: datetime | None,
) -> Status:
    """Store the attempt and move the message on: delivered, retried at ``retry_at``, or failed."""
    attempt = claimed.attempts + 1
    conn.execute(
        _ADD_ATTEMPT,
        {
            "notification_id": claimed.id,
            "attempt": attempt,
            "at": now,
            "ok": result.ok,
            "status_code": result.status_code,
            "error": result.error,
            "latency_ms": result.latency_ms,
            "worker": owner,
        },
    )
    if result.ok:
        status, next_attempt_at = Status.DELIVERED, now
    elif retry_at is not None:
        status, next_attempt_at = Status.PENDING, retry_at
    else:
        status, next_attempt_at = Status.FAILED, now
    conn.execute(
        _SETTLE,
        {
            "notification_id": claimed.id,
            "status": status.value,
            "attempts": attempt,
            "next_attempt_at": next_attempt_at,
            "delivered_at": now if result.ok else None,
            "last_error": result.error,
        },
    )
    return status


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: float


@dataclass(frozen=True)
class Delivery:
    id: int
    occurrence: int
    kind: str
    channel: str
    status: str
    title: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    attempts: list[Attempt]


def for_alert(conn: Connection, alert_id: int) -> list[Delivery]:
    """Every message decided for an alert, with every attempt to deliver it."""
    return _deliveries(conn, notifications.c.alert_id == alert_id)


def for_incident(conn: Connection, incident_id: int) -> list[Delivery]:
    """Every message decided for an incident, with every attempt to deliver it."""
    return _deliveries(conn, notifications.c.incident_id == incident_id)


def _deliveries(conn: Connection, where: ColumnElement[bool]) -> list[Delivery]:
    rows = conn.execute(select(notifications).where(where).order_by(notifications.c.id)).all()
    ids = [row.id for row in rows]
    attempts: dict[int, list[Attempt]] = {i: [] for i in ids}
    if ids:
        query = (
            select(delivery_attempts)
            .where(delivery_attempts.c.notification_id.in_(ids))
            .order_by(delivery_attempts.c.id)
        )
        for a in conn.execute(query):
            attempts[a.notification_id].append(
                Attempt(a.attempt, a.at, a.ok, a.status_code, a.error, a.latency_ms)
            )
    return [
        Delivery(
            id=row.id,
            occurrence=row.occurrence,
            kind=row.kind,
            channel=row.channel,
            status=row.status,
            title=str(row.message.get("title", "")),
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            next_attempt_at=row.next_attempt_at if row.status == Status.PENDING.value else None,
            last_error=row.last_error,
            attempts=attempts[row.id],
        )
        for row in rows
    ]
