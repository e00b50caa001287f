"""Change events (``POST /events``): deploys, config changes, scaling, kept for evidence and listed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from holdoff.evidence.model import Change
from holdoff.store.metric_tables import change_events

_C = change_events.c
MAX_LISTED = 1000


def add(conn: Connection, changes: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    """Store change events (``type``, ``service``, ``environment``, ``at``, ``summary``, ``labels``,
    ``source``); their ids, in order."""
    ids: list[int] = []
    for change in changes:
        # One statement each: a batch is a handful of events, and each id is given back.
        result = conn.execute(insert(change_events).values(**change, received_at=now).returning(_C.id))
        ids.append(int(result.scalar_one()))
    return ids


def _change(row: Any) -> Change:
    return Change(
        id=row.id,
        type=row.type,
        service=row.service,
        environment=row.environment,
        at=row.at,
        summary=row.summary,
        labels=row.labels or {},
        source=row.source,
    )


def between(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    service: str | None = None,
    type: str | None = None,
    limit: int = MAX_LISTED,
) -> list[Change]:
    """Change events in ``[since, until]`` (either open), newest first."""
    query = select(change_events)
    if since is not None:
        query = query.where(_C.at >= since)
    if until is not None:
        query = query.where(_C.at <= until)
    if service is not None:
        query = query.where(_C.service == service)
    if type is not None:
        query = query.where(_C.type == type)
    rows = conn.execute(query.order_by(_C.at.desc(), _C.id.desc()).limit(limit))
    return [_change(row) for row in rows]
