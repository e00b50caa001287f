"""Read-only queries of correlation for the API, the dashboard and the learned-dependencies job: the
stored feedback and learned pairs as rows (with who and when), and the alert starts learning reads.

The writes (memberships, splits, merges, the learned pairs) are in :mod:`holdoff.store.correlation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from holdoff.correlate.model import LearnedDependency
from holdoff.mediate.model import Action, AlertState
from holdoff.store.correlation_tables import correlation_feedback, correlation_learned
from holdoff.store.tables import alert_events, alerts

SERVICE_LABEL = "service"


@dataclass(frozen=True)
class FeedbackRow:
    """One split or merge an operator made."""

    id: int
    kind: str
    """``split`` or ``merge``."""
    a_key: str
    b_key: str
    a_incident: int
    b_incident: int
    by: str
    at: datetime


@dataclass(frozen=True)
class LearnedRow:
    """One learned dependency and when it was learned."""

    dependency: LearnedDependency
    learned_at: datetime


def feedback_rows(conn: Connection, *, limit: int) -> list[FeedbackRow]:
    """The operators' splits and merges, newest first."""
    query = select(correlation_feedback).order_by(correlation_feedback.c.id.desc()).limit(limit)
    return [FeedbackRow(**row._mapping) for row in conn.execute(query)]


def learned_rows(conn: Connection) -> list[LearnedRow]:
    """The learned dependencies, the strongest (highest lift) first."""
    table = correlation_learned
    query = select(table).order_by(table.c.lift.desc(), table.c.a, table.c.b)
    return [
        LearnedRow(
            LearnedDependency(row.a, row.b, row.together, row.expected, row.lift, row.a_first, row.b_first),
            row.learned_at,
        )
        for row in conn.execute(query)
    ]


def last_learned_at(conn: Connection) -> datetime | None:
    """When the stored pairs were learned (None: nothing stored)."""
    return conn.execute(select(func.max(correlation_learned.c.learned_at))).scalar_one_or_none()


def alert_starts(conn: Connection, since: datetime) -> list[tuple[str, datetime]]:
    """``(service, start)`` of every alert occurrence that started at or after ``since`` and whose alert
    has a ``service`` label, in start order.

    An occurrence starts with its first ``triggered`` event (a new alert, or one that had resolved); its
    start is when Holdoff received it, or the source's own start time for an alert's current occurrence
    when the source gave one (Alertmanager's ``startsAt``)."""
    events = alert_events
    query = (
        select(
            events.c.at,
            events.c.occurrence,
            alerts.c.occurrence.label("current"),
            alerts.c.source_started_at,
            alerts.c.labels,
        )
        .join(alerts, alerts.c.id == events.c.alert_id)
        .where(
            events.c.action == Action.TRIGGERED.value,
            or_(events.c.state_before.is_(None), events.c.state_before == AlertState.RESOLVED.value),
            events.c.at >= since,
        )
    )
    starts: list[tuple[str, datetime]] = []
    for row in conn.execute(query):
        service = (row.labels or {}).get(SERVICE_LABEL)
        if not isinstance(service, str) or not service:
            continue
        started = row.at
        if row.occurrence == row.current and row.source_started_at is not None:
            started = row.source_started_at
        starts.append((service, started))
    starts.sort(key=lambda item: item[1])
    return starts
