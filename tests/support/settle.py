"""Wait until Holdoff has nothing left to send, instead of sleeping a while and hoping it is done.

A test that proves "nothing more arrived" used to sleep a fixed time (1.5-3 s) and then look at the
receivers: too short on a busy machine, always too long on a quiet one. Everything Holdoff may still
send without new input is in its database, so a test can ask it instead:

- messages in the outbox that are not delivered or given up (``pending``, leased or not);
- armed timers: an alert's grace deadline, its next escalation-chain step, the end of the
  maintenance window or quiet hours holding it back; an incident's next flush; a channel's digest;
- ends the scheduler has still to act on: a silence over (or muting an alert) and not yet handled,
  an alert inhibited by an alert that no longer inhibits it.

When none is left, every message the service will ever send for what it was given has been answered
by its receiver (the sender records a delivery only after the receiver answered), so the test can
assert on the receivers at once. ``timers_due_by`` leaves out timers armed for later than a moment
(a pending alert with a ten-minute grace window, say): those are not "more", they are not due yet.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, create_engine, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from holdoff.store.tables import alerts, digests, incidents, inhibitors, notifications, silences

POLL_SECONDS = 0.05


def _due(column: ColumnElement[datetime], by: datetime | None) -> ColumnElement[bool]:
    return column.is_not(None) if by is None else and_(column.is_not(None), column <= by)


def still_to_do(engine: Engine, timers_due_by: datetime | None = None) -> dict[str, int]:
    """What the service may still send without new input, by kind (only kinds with any)."""
    now = datetime.now(UTC)
    ended_or_muting = and_(
        silences.c.ended_handled_at.is_(None),
        or_(silences.c.ends_at <= now, exists().where(alerts.c.muted_by == silences.c.id)),
    )
    if timers_due_by is not None:
        ended_or_muting = and_(ended_or_muting, silences.c.ends_at <= timers_due_by)
    released = and_(
        alerts.c.inhibited_by.is_not(None), ~exists().where(inhibitors.c.source == alerts.c.inhibited_by)
    )
    counts = {
        "queued messages": select(func.count()).where(notifications.c.status == "pending"),
        "grace deadlines": select(func.count()).where(_due(alerts.c.deadline_at, timers_due_by)),
        "escalation chain steps": select(func.count()).where(_due(alerts.c.chain_next_at, timers_due_by)),
        "maintenance or quiet-hours ends": select(func.count()).where(
            _due(alerts.c.muted_until, timers_due_by)
        ),
        "incident flushes": select(func.count()).where(_due(incidents.c.flush_at, timers_due_by)),
        "digests": select(func.count()).where(_due(digests.c.due_at, timers_due_by)),
        "silence ends": select(func.count()).select_from(silences).where(ended_or_muting),
        "released inhibitions": select(func.count()).where(released),
    }
    with engine.connect() as conn:
        found = {what: int(conn.execute(query).scalar_one()) for what, query in counts.items()}
    return {what: n for what, n in found.items() if n}


def wait_until_every_deadline_passed(database_url: str, *, timeout: float = 30.0) -> None:
    """Return once the wall clock is past every alert's grace deadline (while the service is down, say)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            last = conn.execute(select(func.max(alerts.c.deadline_at))).scalar_one()
    finally:
        engine.dispose()
    if last is None:
        raise AssertionError("no alert has a grace deadline to wait for")
    if last.tzinfo is None:  # SQLite keeps naive UTC
        last = last.replace(tzinfo=UTC)
    deadline = time.monotonic() + timeout
    while datetime.now(UTC) <= last:
        if time.monotonic() >= deadline:
            raise AssertionError(f"the last deadline {last.isoformat()} is more than {timeout}s away")
        time.sleep(min(POLL_SECONDS, max((last - datetime.now(UTC)).total_seconds(), 0.001)))


def wait_until_settled(
    database_url: str, *, timeout: float = 15.0, timers_due_by: datetime | None = None
) -> None:
    """Return once the service at ``database_url`` has nothing left to send (see the module); fail
    with what is left after ``timeout`` seconds."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            left = still_to_do(engine, timers_due_by)
            if not left:
                return
            if time.monotonic() >= deadline:
                raise AssertionError(f"the service still had work after {timeout}s: {left}")
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()
