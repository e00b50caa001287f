"""The unit of work around the core: one event, one transaction, state and outbox together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.mediate.engine import Policy, decide
from holdoff.mediate.model import Action, AlertEvent, AlertState, Outcome, Resolution
from holdoff.notify.message import render
from holdoff.store import alerts as alert_store
from holdoff.store import outbox
from holdoff.store.db import Database

log = logging.getLogger(__name__)

_HOW_TO_ENABLE = {
    "teams": "set TEAMS_WEBHOOK_URL",
    "email": "set EMAIL_TO, EMAIL_FROM and HOLDOFF_SMTP_HOST",
}


class AlertNotFound(LookupError):
    """No alert has this id."""


@dataclass(frozen=True)
class Applied:
    """What the caller learns about the event it handed in."""

    alert_id: int
    state: AlertState
    occurrence: int
    resolution: Resolution | None
    summary: str
    queued: int
    """Messages added to the outbox by this event."""


class Mediator:
    """Runs events through :func:`holdoff.mediate.engine.decide` and commits what it decided."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        *,
        channels: Collection[str],
        public_url: str,
        clock: Clock,
        outbox_signal: threading.Event | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        self.channels = frozenset(channels)
        self.public_url = public_url
        self.clock = clock
        self.outbox_signal = outbox_signal

    def apply(self, event: AlertEvent) -> Applied:
        """Apply a source's or operator's event to the alert with the event's identity."""
        now = self.clock()
        with self.db.transaction() as conn:
            stored = alert_store.lock_by_identity(conn, event.source, event.fingerprint)
            if stored is not None:
                applied = self._commit(
                    conn, stored.id, decide(stored.record, event, now, self.policy), event, now
                )
            else:
                outcome = decide(None, event, now, self.policy)
                new_id = alert_store.insert_new(conn, outcome.alert, now)
                if new_id is None:
                    # Another process inserted this identity a moment ago: decide again on its row.
                    stored = alert_store.lock_by_identity(conn, event.source, event.fingerprint)
                    assert stored is not None
                    outcome = decide(stored.record, event, now, self.policy)
                    applied = self._commit(conn, stored.id, outcome, event, now)
                else:
                    applied = self._commit(conn, new_id, outcome, event, now, inserted=True)
        self._signal(applied.queued)
        return applied

    def apply_to(
        self, alert_id: int, action: Action, *, actor: str | None, note: str | None = None
    ) -> Applied:
        """An operator's action on an alert picked by id (acknowledge, suppress, resolve)."""
        now = self.clock()
        with self.db.transaction() as conn:
            stored = alert_store.lock_by_id(conn, alert_id)
            if stored is None:
                raise AlertNotFound(f"no alert with id {alert_id}")
            event = AlertEvent(
                source=stored.record.source,
                fingerprint=stored.record.fingerprint,
                action=action,
                actor=actor,
                note=note,
            )
            applied = self._commit(conn, alert_id, decide(stored.record, event, now, self.policy), event, now)
        self._signal(applied.queued)
        return applied

    def fire_due(self, limit: int = 100) -> int:
        """Fire every grace deadline that has passed; returns how many alerts escalated or changed.

        The claimed rows stay locked until the transaction commits, so several processes sharing
        one PostgreSQL never fire the same deadline twice; a process that dies mid-way releases
        them by its transaction ending.
        """
        now = self.clock()
        fired = 0
        queued = 0
        with self.db.transaction() as conn:
            for stored in alert_store.claim_due(conn, now, limit):
                event = AlertEvent(stored.record.source, stored.record.fingerprint, Action.DEADLINE_REACHED)
                outcome = decide(stored.record, event, now, self.policy)
                if not outcome.changed:
                    # A deadline left on a row that is no longer pending: clear it so it is not claimed again.
                    if (
                        stored.record.deadline_at is not None
                        and stored.record.state is not AlertState.PENDING
                    ):
                        alert_store.save(conn, stored.id, replace(outcome.alert, deadline_at=None), now)
                    continue
                queued += self._commit(conn, stored.id, outcome, event, now).queued
                fired += 1
        self._signal(queued)
        return fired

    def _commit(
        self,
        conn: Connection,
        alert_id: int,
        outcome: Outcome,
        event: AlertEvent,
        now: datetime,
        *,
        inserted: bool = False,
    ) -> Applied:
        summary = outcome.timeline.summary
        queued = 0
        if outcome.changed or inserted:
            if not inserted:
                alert_store.save(conn, alert_id, outcome.alert, now)
            skipped: list[str] = []
            for decision in outcome.notifications:
                message = render(alert_id, outcome.alert, decision.kind, now, self.public_url)
                for channel in decision.channels:
                    if channel not in self.channels:
                        skipped.append(f"{channel} ({_HOW_TO_ENABLE.get(channel, 'not configured')})")
                        continue
                    queued += outbox.enqueue(
                        conn,
                        alert_id=alert_id,
                        occurrence=outcome.alert.occurrence,
                        channel=channel,
                        message=message,
                        now=now,
                    )
            if skipped:
                summary += "; not sent, channel not configured: " + ", ".join(skipped)
                log.debug("alert %s: %s", alert_id, summary)
            timeline = replace(outcome.timeline, summary=summary)
            alert_store.add_event(conn, alert_id, timeline, now, actor=event.actor, payload=event.raw)
        return Applied(
            alert_id=alert_id,
            state=outcome.alert.state,
            occurrence=outcome.alert.occurrence,
            resolution=outcome.alert.resolution,
            summary=summary,
            queued=queued,
        )

    def _signal(self, queued: int) -> None:
        if queued and self.outbox_signal is not None:
            self.outbox_signal.set()
