"""How each channel's deliveries have gone lately, from ``delivery_attempts`` and the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select

from holdoff.store.outbox import Status
from holdoff.store.tables import delivery_attempts, notifications


@dataclass(frozen=True)
class ChannelDeliveries:
    channel: str
    last_attempt_at: datetime | None = None
    last_ok: bool | None = None
    """Whether the most recent attempt succeeded; None before any attempt."""
    last_error: str | None = None
    """The error of the most recent failed attempt, if any failed."""
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None
    failures_in_a_row: int = 0
    """Failed attempts since the last success (all of them if none succeeded)."""
    queued: int = 0
    """Messages waiting to be delivered (pending in the outbox)."""


_A, _N = delivery_attempts.c, notifications.c
_JOINED = delivery_attempts.join(notifications, _N.id == _A.notification_id)


def _last_ids(conn: Connection, *where: ColumnElement[bool]) -> dict[str, int]:
    query = select(_N.channel, func.max(_A.id)).select_from(_JOINED).where(*where).group_by(_N.channel)
    return {channel: int(last) for channel, last in conn.execute(query)}


def by_channel(conn: Connection) -> dict[str, ChannelDeliveries]:
    """Delivery health of every channel that has had a message, keyed by channel name."""
    last = _last_ids(conn)
    last_ok = _last_ids(conn, _A.ok.is_(True))
    last_failed = _last_ids(conn, _A.ok.is_(False))
    ids = sorted({*last.values(), *last_ok.values(), *last_failed.values()})
    attempts = (
        {row.id: row for row in conn.execute(select(_A.id, _A.at, _A.ok, _A.error).where(_A.id.in_(ids)))}
        if ids
        else {}
    )
    pending = select(_N.channel, func.count()).where(_N.status == Status.PENDING.value).group_by(_N.channel)
    queued: dict[str, int] = {channel: int(count) for channel, count in conn.execute(pending)}
    found: dict[str, ChannelDeliveries] = {}
    for channel in sorted({*last, *queued}):
        failures = select(func.count()).select_from(_JOINED).where(_N.channel == channel, _A.ok.is_(False))
        if channel in last_ok:
            failures = failures.where(_A.id > last_ok[channel])
        latest = attempts.get(last[channel]) if channel in last else None
        ok = attempts.get(last_ok[channel]) if channel in last_ok else None
        failed = attempts.get(last_failed[channel]) if channel in last_failed else None
        found[channel] = ChannelDeliveries(
            channel=channel,
            last_attempt_at=latest.at if latest is not None else None,
            last_ok=latest.ok if latest is not None else None,
            last_error=failed.error if failed is not None else None,
            last_failure_at=failed.at if failed is not None else None,
            last_success_at=ok.at if ok is not None else None,
            failures_in_a_row=int(conn.execute(failures).scalar_one()) if channel in last else 0,
            queued=int(queued.get(channel, 0)),
        )
    return found
