"""The unit of work around the core: one event, one transaction, state and outbox together."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from holdoff.clock import Clock
from holdoff.correlate.config import CorrelationConfig
from holdoff.links.signer import LinkSigner
from holdoff.mediate.dispatch import Destination, IncidentJoin, dispatch
from holdoff.mediate.engine import InvalidTransition, decide
from holdoff.mediate.inhibit import IDENTITY_SEPARATOR, Inhibitor, identity
from holdoff.mediate.model import (
    Action,
    AlertEvent,
    AlertRecord,
    AlertState,
    Notify,
    Outcome,
    Resolution,
)
from holdoff.mediate.policy import Policy
from holdoff.mediate.silence import Silence
from holdoff.notify.message import render
from holdoff.service import grouping
from holdoff.service.channel_set import ChannelSet
from holdoff.service.evidence import EvidenceHooks
from holdoff.service.grouping import Grouped, GroupRace
from holdoff.store import alerts as alert_store
from holdoff.store import digests as digest_store
from holdoff.store import incidents as incident_store
from holdoff.store import inhibitors as inhibitor_store
from holdoff.store import outbox, timers
from holdoff.store import silences as silence_store
from holdoff.store.db import Database
from holdoff.telemetry import Telemetry, process_telemetry
from holdoff.telemetry.decisions import record_accepted, record_decisions

log = logging.getLogger(__name__)

SILENCE_REFRESH_SECONDS = 1.0
RACE_ATTEMPTS = 3
"""Tries of a write that raced another process (an insert of the same alert, an incident opened for the
same group): the other process has committed by the next try, which decides again on its rows."""

_HOW_TO_ENABLE = {
    "teams": "set TEAMS_WEBHOOK_URL",
    "email": "set EMAIL_TO, EMAIL_FROM and HOLDOFF_SMTP_HOST",
}
_T = TypeVar("_T")


class AlertNotFound(LookupError):
    """No alert has this id."""


class IncidentNotFound(LookupError):
    """No incident has this id."""


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


@dataclass(frozen=True)
class _Step:
    """One decided event, ready to be written."""

    alert_id: int
    outcome: Outcome
    event: AlertEvent
    inserted: bool = False
    """The alert row was just inserted with the outcome's state (nothing left to save)."""
    evidence: str | None = None
    """The summary of the alert's root-cause evidence, for its messages (timers only)."""


class _InsertRace(Exception):
    """A concurrent transaction inserted an identity this batch meant to insert."""


_RACES = (_InsertRace, GroupRace)


def _retrying(attempt: Callable[[], _T]) -> _T:
    """``attempt()``, tried again (up to :data:`RACE_ATTEMPTS` in all) while it races another process."""
    for _ in range(RACE_ATTEMPTS - 1):
        try:
            return attempt()
        except _RACES:
            continue
    return attempt()


@dataclass
class _Rows:
    """What one batch of decisions writes, gathered to be written with a few multi-row statements."""

    changes: list[tuple[int, AlertRecord]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    digest: list[dict[str, Any]] = field(default_factory=list)
    grouped: list[Grouped] = field(default_factory=list)


CORRELATION_OFF = CorrelationConfig(enabled=False)
"""What a mediator constructed without a ``correlation:`` section does: pages go out as grouped."""


class Mediator:
    """Runs events through :func:`holdoff.mediate.engine.decide` and commits what it decided."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        *,
        channels: ChannelSet,
        links: LinkSigner,
        public_url: str,
        clock: Clock,
        outbox_signal: threading.Event | None = None,
        evidence: EvidenceHooks | None = None,
        correlation: CorrelationConfig | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.db = db
        self.telemetry = telemetry if telemetry is not None else process_telemetry()
        self.policy = policy
        self.channels = channels
        self.links = links
        """Makes the action links of the messages that page, an alert's or an incident's."""
        self.public_url = public_url
        self.clock = clock
        self.outbox_signal = outbox_signal
        self.correlation = correlation if correlation is not None else CORRELATION_OFF
        """The ``correlation:`` section incidents' pages go through (:mod:`holdoff.service.correlation`)."""
        self.evidence = evidence
        """Schedules evidence for the alerts a transaction holds; gives timers' decisions what it says."""
        self._silences: list[Silence] = []
        self._silences_fresh_until = 0.0

    def apply(self, event: AlertEvent) -> Applied:
        """Apply a source's or operator's event to the alert with the event's identity."""
        return _retrying(lambda: self._apply_one(event))

    def _apply_one(self, event: AlertEvent) -> Applied:
        now = self.clock()
        with self.db.transaction() as conn:
            silences, inhibitors = self._mutes(conn, now)
            stored = alert_store.lock_by_identity(conn, event.source, event.fingerprint)
            if stored is not None:
                outcome = decide(stored.record, event, now, self.policy, silences, inhibitors)
                applied = self._write(conn, [_Step(stored.id, outcome, event)], now)[0]
            else:
                outcome = decide(None, event, now, self.policy, silences, inhibitors)
                new_id = alert_store.insert_new(conn, outcome.alert, now)
                if new_id is None:
                    # Another process inserted this identity a moment ago: decide again on its row.
                    stored = alert_store.lock_by_identity(conn, event.source, event.fingerprint)
                    assert stored is not None
                    outcome = decide(stored.record, event, now, self.policy, silences, inhibitors)
                    applied = self._write(conn, [_Step(stored.id, outcome, event)], now)[0]
                else:
                    applied = self._write(conn, [_Step(new_id, outcome, event, inserted=True)], now)[0]
        self._signal(applied.queued)
        return applied

    def apply_groups(self, groups: Sequence[Sequence[AlertEvent]]) -> list[list[Applied] | Exception]:
        """Apply groups of events in order; each group (one webhook) is all or nothing.

        Under load this is how webhooks are committed: one transaction and a few multi-row
        statements for many webhooks instead of a transaction per event. If the groups cannot
        commit together (a bad value, a race with another process), each group is applied in a
        transaction of its own, so that one bad webhook fails alone and no webhook half-applies.
        """
        if len(groups) > 1:
            try:
                applied = self._apply_together([event for group in groups for event in group])
            except Exception as exc:
                log.info(
                    "%d webhooks failed to commit together (%s); applying them one by one", len(groups), exc
                )
            else:
                self._signal(sum(a.queued for a in applied))
                record_accepted(self.telemetry, (event for group in groups for event in group))
                results: list[list[Applied] | Exception] = []
                for group in groups:
                    results.append(applied[: len(group)])
                    del applied[: len(group)]
                return results
        return [self._apply_group(group) for group in groups]

    def _apply_group(self, events: Sequence[AlertEvent]) -> list[Applied] | Exception:
        try:
            applied = _retrying(lambda: self._apply_together(events))
        except _RACES:
            return RuntimeError("kept racing with other processes inserting the same alerts; try again")
        except Exception as exc:
            return exc
        self._signal(sum(a.queued for a in applied))
        record_accepted(self.telemetry, events)
        return applied

    def _apply_together(self, events: Sequence[AlertEvent]) -> list[Applied]:
        now = self.clock()
        with self.db.transaction() as conn:
            silences, inhibitors = self._mutes(conn, now)
            stored = alert_store.lock_many(conn, {(e.source, e.fingerprint) for e in events})
            current = {key: alert.record for key, alert in stored.items()}
            decided: list[tuple[tuple[str, str], Outcome, AlertEvent]] = []
            for event in events:
                key = (event.source, event.fingerprint)
                outcome = decide(current.get(key), event, now, self.policy, silences, inhibitors)
                current[key] = outcome.alert
                decided.append((key, outcome, event))
            ids = {key: alert.id for key, alert in stored.items()}
            first_seen = [record for key, record in current.items() if key not in ids]
            try:
                ids.update(alert_store.insert_many(conn, first_seen, now))
            except IntegrityError as exc:
                raise _InsertRace("another process inserted one of these alerts first") from exc
            # Each alert row is written once, with its final state; every event gets its timeline row.
            changed = [(ids[key], current[key]) for key in stored if current[key] != stored[key].record]
            alert_store.save_many(conn, changed, now)
            steps = [_Step(ids[key], outcome, event) for key, outcome, event in decided]
            return self._write(conn, steps, now, save=False)

    def apply_to(
        self,
        alert_id: int,
        action: Action,
        *,
        actor: str | None,
        note: str | None = None,
        within: Callable[[Connection, AlertRecord], None] | None = None,
    ) -> Applied:
        """An operator's action on an alert picked by id (acknowledge, suppress, resolve).

        ``within`` runs in the same transaction once the alert is locked (an action link records its
        token as used there, and may refuse by raising): the action and its record commit together.
        """
        return _retrying(lambda: self._apply_to(alert_id, action, actor=actor, note=note, within=within))

    def _apply_to(
        self,
        alert_id: int,
        action: Action,
        *,
        actor: str | None,
        note: str | None,
        within: Callable[[Connection, AlertRecord], None] | None,
    ) -> Applied:
        now = self.clock()
        with self.db.transaction() as conn:
            silences, inhibitors = self._mutes(conn, now)
            stored = alert_store.lock_by_id(conn, alert_id)
            if stored is None:
                raise AlertNotFound(f"no alert with id {alert_id}")
            if within is not None:
                within(conn, stored.record)
            event = AlertEvent(
                source=stored.record.source,
                fingerprint=stored.record.fingerprint,
                action=action,
                actor=actor,
                note=note,
            )
            outcome = decide(stored.record, event, now, self.policy, silences, inhibitors)
            applied = self._write(conn, [_Step(alert_id, outcome, event)], now)[0]
        self._signal(applied.queued)
        return applied

    def acknowledge_incident(self, incident_id: int, *, actor: str) -> tuple[list[int], list[int]]:
        """Acknowledge every firing alert of an incident; the ids acknowledged, and those left as they were
        (already acknowledged, or suppressed). Each alert is its own transaction, as if acknowledged by hand."""
        with self.db.read() as conn:
            stored = incident_store.get(conn, incident_id)
            if stored is None:
                raise IncidentNotFound(f"no incident with id {incident_id}")
            members = alert_store.by_identities(
                conn,
                [tuple(key.split(IDENTITY_SEPARATOR, 1)) for key in stored.record.firing],  # type: ignore[misc]
            )
        done: list[int] = []
        unchanged: list[int] = []
        for member in members:
            if member.record.state not in (AlertState.PENDING, AlertState.ESCALATED):
                unchanged.append(member.id)
                continue
            try:
                self.apply_to(member.id, Action.ACKNOWLEDGED, actor=actor, note=f"incident #{incident_id}")
            except InvalidTransition:
                unchanged.append(member.id)  # it resolved or changed meanwhile
            else:
                done.append(member.id)
        return done, unchanged

    def fire_due(self, limit: int = 100) -> int:
        """Fire every timer that has passed; returns how many alerts changed plus messages queued for
        incidents and digests.

        The claimed rows stay locked until the transaction commits, so several processes sharing
        one PostgreSQL never fire the same deadline twice; a process that dies mid-way releases
        them by its transaction ending.
        """
        now = self.clock()
        with self.db.transaction() as conn:
            silences, inhibitors = self._mutes(conn, now)
            steps: list[_Step] = []
            for stored_id, record, event in timers.fired_due(conn, now, limit):
                seen, evidence = (
                    self.evidence.seen_by_core(conn, stored_id, record) if self.evidence else (record, None)
                )
                outcome = decide(seen, event, now, self.policy, silences, inhibitors)
                if seen is not record:
                    outcome = EvidenceHooks.as_stored(outcome, record)
                if event.action is Action.DEADLINE_REACHED and not outcome.changed:
                    # A deadline left on a row that is no longer pending: clear it so it is not claimed again.
                    if record.deadline_at is not None and record.state is not AlertState.PENDING:
                        alert_store.save(conn, stored_id, replace(outcome.alert, deadline_at=None), now)
                    continue
                steps.append(_Step(stored_id, outcome, event, evidence=evidence))
            queued = sum(applied.queued for applied in self._write(conn, steps, now))
            collected = grouping.flush_due(
                conn,
                now,
                limit,
                public_url=self.public_url,
                channels=self.channels,
                links=self.links,
                correlation=self.correlation,
            )
            collected += grouping.send_digests(
                conn, now, limit, public_url=self.public_url, channels=self.channels
            )
            outbox.enqueue(conn, collected)
        record_decisions(self.telemetry, (), collected)
        self._signal(queued + len(collected))
        return len(steps) + len(collected)

    def _write(
        self, conn: Connection, steps: Sequence[_Step], now: datetime, *, save: bool = True
    ) -> list[Applied]:
        """Store what the core decided: new alert states, timeline rows, and each message where
        :func:`~holdoff.mediate.dispatch.dispatch` sends it (outbox, incident, digest), together."""
        rows = _Rows()
        results = [self._gather(step, now, rows) for step in steps]
        if save:
            alert_store.save_many(conn, rows.changes, now)
        self._sync_inhibitors(conn, steps)
        alert_store.add_events(conn, rows.timeline)
        # Digests before incidents: an incident's page takes the correlation lock, and no row another
        # process may hold while it waits for that lock (a channel's digest timer) is written after it.
        digest_store.add(conn, rows.digest, now, self.policy.digest_interval)
        if rows.grouped:
            rows.outbox += grouping.fold(
                conn,
                rows.grouped,
                now,
                public_url=self.public_url,
                channels=self.channels,
                links=self.links,
                correlation=self.correlation,
            )
        outbox.enqueue(conn, rows.outbox)
        if self.evidence is not None:
            self.evidence.written(conn, [(step.alert_id, step.outcome) for step in steps], now)
        record_decisions(self.telemetry, (step.outcome for step in steps), rows.outbox)
        return results

    def _gather(self, step: _Step, now: datetime, rows: _Rows) -> Applied:
        """Add one decided event's rows to ``rows``; what its caller learns."""
        outcome = step.outcome
        alert = outcome.alert
        if outcome.changed and not step.inserted:
            rows.changes.append((step.alert_id, alert))
        facts = self.policy.facts(alert)
        routed = dispatch(outcome, facts, self.channels)
        if routed.joins:
            rows.grouped.append(Grouped(step.alert_id, outcome, IncidentJoin.of(facts, routed.opens)))
        summary = outcome.timeline.summary
        queued = 0
        unconfigured: list[str] = []
        for item in routed.messages:
            if item.destination is Destination.DIGEST:
                rows.digest += grouping.digest_rows(step.alert_id, alert, item, now, self.public_url)
            elif item.destination is Destination.OUTBOX:
                rows.outbox += self._outbox_rows(
                    step.alert_id, alert, item.notify, item.channels, now, evidence=step.evidence
                )
                queued += len(item.channels)
            unconfigured += [
                f"{name} ({_HOW_TO_ENABLE.get(name, 'not configured')})" for name in item.unconfigured
            ]
        if unconfigured:
            summary += "; not sent, channel not configured: " + ", ".join(unconfigured)
            log.debug("alert %s: %s", step.alert_id, summary)
        if outcome.recorded or step.inserted:
            rows.timeline.append(
                alert_store.event_row(
                    step.alert_id,
                    replace(outcome.timeline, summary=summary),
                    now,
                    actor=step.event.actor,
                    payload=step.event.raw,
                )
            )
        return Applied(
            alert_id=step.alert_id,
            state=alert.state,
            occurrence=alert.occurrence,
            resolution=alert.resolution,
            summary=summary,
            queued=queued,
        )

    def _outbox_rows(
        self,
        alert_id: int,
        alert: AlertRecord,
        notify: Notify,
        channels: Sequence[str],
        now: datetime,
        *,
        evidence: str | None = None,
    ) -> list[dict[str, Any]]:
        """One message about one alert, rendered once (with its action links if it pages), per channel."""
        message = render(alert_id, alert, notify.kind, now, self.public_url, evidence=evidence)
        message.actions = self.links.for_alert(notify.kind, alert_id, alert.occurrence, now)
        return [
            outbox.row(
                alert_id=alert_id,
                occurrence=alert.occurrence,
                channel=channel,
                message=message,
                now=now,
                sequence=notify.sequence,
            )
            for channel in channels
        ]

    def _mutes(self, conn: Connection, now: datetime) -> tuple[list[Silence], list[Inhibitor]]:
        """What may mute notifications now: silences and, if rules exist, inhibiting alerts.

        Silences are read at most once per :data:`SILENCE_REFRESH_SECONDS` (a query per batch cost
        ~10% of ingest); this process's own silence changes apply at once (:meth:`silences_changed`),
        another process's within that interval. The list holds every silence not yet ended, so one
        that starts or ends in between is still judged at the right moment.
        """
        if time.monotonic() >= self._silences_fresh_until:
            self._silences = silence_store.not_ended(conn, now)
            self._silences_fresh_until = time.monotonic() + SILENCE_REFRESH_SECONDS
        inhibitors = inhibitor_store.active(conn) if self.policy.inhibit_rules else []
        return self._silences, inhibitors

    def silences_changed(self) -> None:
        """A silence was created, changed or lifted: read them again for the next event."""
        self._silences_fresh_until = 0.0

    def _sync_inhibitors(self, conn: Connection, steps: Sequence[_Step]) -> None:
        """Record which keys each changed alert now inhibits (none once it resolves)."""
        if not self.policy.inhibit_rules:
            return
        final = {step.alert_id: step.outcome.alert for step in steps if step.outcome.changed or step.inserted}
        for alert in final.values():
            inhibitor_store.replace_keys(conn, identity(alert), self.policy.inhibitor_keys(alert))

    def _signal(self, queued: int) -> None:
        if queued and self.outbox_signal is not None:
            self.outbox_signal.set()
