"""Digests: lines collected per channel, and each channel's durable "send the digest" timer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.mediate.model import NotificationKind
from holdoff.store.tables import digest_items, digests


def _arm_statement(dialect_insert: Any) -> Any:
    # A channel's row stays once created; ``due_at`` NULL means "nothing collected". Arming waits for a
    # concurrent :func:`take` holding the row, so lines added meanwhile are never left without a timer.
    statement = dialect_insert(digests)
    return statement.on_conflict_do_update(
        index_elements=["channel"],
        set_={"due_at": func.coalesce(digests.c.due_at, statement.excluded.due_at)},
    )


_ARM = {"postgresql": _arm_statement(postgresql.insert), "sqlite": _arm_statement(sqlite.insert)}


@dataclass(frozen=True)
class DigestItem:
    id: int
    channel: str
    kind: NotificationKind
    alert_id: int | None
    line: str
    at: datetime


def item_row(
    channel: str, kind: NotificationKind, alert_id: int | None, line: str, at: datetime
) -> dict[str, Any]:
    return {"channel": channel, "kind": kind.value, "alert_id": alert_id, "line": line, "at": at}


def add(conn: Connection, rows: Sequence[dict[str, Any]], now: datetime, interval: timedelta) -> None:
    """Collect lines; a channel's first line since its last digest arms its timer ``interval`` from now."""
    if not rows:
        return
    conn.execute(digest_items.insert(), list(rows))
    channels = sorted({row["channel"] for row in rows})
    conn.execute(_ARM[conn.dialect.name], [{"channel": c, "due_at": now + interval} for c in channels])


def claim_due(conn: Connection, now: datetime, limit: int) -> list[str]:
    """Channels whose digest is due, locked; rows another process holds are skipped."""
    query = (
        select(digests.c.channel)
        .where(digests.c.due_at <= now)
        .order_by(digests.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(conn.execute(query).scalars())


def take(conn: Connection, channel: str) -> list[DigestItem]:
    """The channel's collected lines, removed, and its timer disarmed (in the caller's transaction).

    Only the lines read are deleted: one another transaction adds meanwhile stays, and that
    transaction's :func:`add` re-arms the timer once this one commits.
    """
    rows = conn.execute(
        select(digest_items).where(digest_items.c.channel == channel).order_by(digest_items.c.id)
    ).all()
    if rows:
        conn.execute(delete(digest_items).where(digest_items.c.id.in_([r.id for r in rows])))
    conn.execute(update(digests).where(digests.c.channel == channel).values(due_at=None))
    return [DigestItem(r.id, r.channel, NotificationKind(r.kind), r.alert_id, r.line, r.at) for r in rows]
