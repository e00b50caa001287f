"""The in-memory shell around the mediation core, for replay: the same :func:`~holdoff.mediate.engine.decide`,
:func:`~holdoff.mediate.dispatch.dispatch` and :mod:`~holdoff.mediate.grouping` as the service, with state
in dictionaries and the durable timers (grace deadlines, chain steps, maintenance and quiet-hours ends,
incident messages, digests) in a heap, fired in time order by a simulated clock.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from holdoff.correlate.config import CorrelationConfig
from holdoff.mediate.dispatch import Destination, Routed, dispatch
from holdoff.mediate.engine import decide
from holdoff.mediate.grouping import PAGING_KINDS, IncidentRecord, flush, join, open_incident
from holdoff.mediate.inhibit import Inhibitor, identity
from holdoff.mediate.model import (
    OPEN_STATES,
    Action,
    AlertEvent,
    AlertRecord,
    AlertState,
    NotificationKind,
    Outcome,
    Resolution,
)
from holdoff.mediate.policy import Facts, Policy
from holdoff.mediate.routing import Plan
from holdoff.mediate.silence import match_labels
from holdoff.replay.correlation import Correlator

_OUTBOX, _DIGEST = Destination.OUTBOX, Destination.DIGEST
FINISH_HORIZON = timedelta(days=2)
"""How long after the last event :meth:`Simulator.finish` lets timers run."""
HELD_ON_PURPOSE = frozenset({"inhibited", "maintenance", "silenced", "quiet_hours"})
"""Hold-backs the policy asks for: an escalation they delay is not late."""


@dataclass(frozen=True)
class Message:
    """One message Holdoff would have sent (to each of ``channels``)."""

    at: datetime
    kind: NotificationKind
    channels: tuple[str, ...]
    alerts: tuple[str, ...]
    """Identities of the alerts it is about."""
    incident: int | None = None
    """The incident's number in this replay, for grouped messages."""
    correlated: int | None = None
    """The number of the incident that leads its correlated incident (itself when it leads one)."""

    @property
    def page(self) -> bool:
        return self.kind in PAGING_KINDS


@dataclass
class Stats:
    events: int = 0
    occurrences: int = 0
    transients: int = 0
    escalations: int = 0
    incidents: int = 0
    held: Counter[str] = field(default_factory=Counter)
    """Outcomes whose messages were held back, by reason."""
    digest_lines: int = 0
    late: list[dict[str, Any]] = field(default_factory=list)
    """Alerts first paged later than their policy allows (and not held back on purpose)."""


@dataclass
class _Occurrence:
    opened_at: datetime
    allowed: timedelta
    held: bool = False
    paged: bool = False


@dataclass
class _OpenIncident:
    number: int
    record: IncidentRecord


Sink = Callable[[dict[str, Any]], None]


class Simulator:
    """Feed it stream events in time order; read :attr:`messages` and :attr:`stats` afterwards."""

    def __init__(
        self,
        policy: Policy,
        *,
        decisions: Sink | None = None,
        on_message: Callable[[Message], None] | None = None,
        correlation: CorrelationConfig | None = None,
    ) -> None:
        self.policy = policy
        self.correlator = (
            Correlator(correlation, sink=decisions)
            if correlation is not None and correlation.enabled
            else None
        )
        self._on_message = on_message
        self.records: dict[str, AlertRecord] = {}
        self.messages: list[Message] = []
        self.stats = Stats()
        self.now: datetime | None = None
        self._sink = decisions
        self._timers: list[tuple[datetime, int, str, str]] = []
        self._serial = 0
        self._incidents: dict[str, _OpenIncident] = {}
        self._inhibits: dict[str, frozenset[str]] = {}
        self._inhibitor_list: list[Inhibitor] | None = []
        self._inhibited: dict[str, set[str]] = {}
        self._digests: dict[str, list[tuple[datetime, str]]] = {}
        self._occurrences: dict[str, _Occurrence] = {}

    # --- driving ----------------------------------------------------------------------------------

    def feed(self, at: datetime, event: AlertEvent, key: str | None = None) -> None:
        """Advance the clock to ``at`` (firing every timer due by then), then apply ``event``.

        ``key`` is the alert's identity (``source``, unit separator, ``fingerprint``) if the caller has it.
        """
        timers = self._timers
        if timers and timers[0][0] <= at:
            self.advance(at)
        elif self.now is None or at > self.now:
            self.now = at
        self.stats.events += 1
        self._apply(key or f"{event.source}\x1f{event.fingerprint}", event, at)

    def advance(self, until: datetime) -> None:
        """Fire, in order, every timer due at or before ``until``."""
        timers = self._timers
        while timers and timers[0][0] <= until:
            due, _, kind, ref = heapq.heappop(timers)
            self.now = due
            self._fire(kind, ref, due)
        if self.now is None or until > self.now:
            self.now = until

    def finish(self, horizon: timedelta = FINISH_HORIZON) -> None:
        """Let every timer left run out (at most ``horizon`` after the last event)."""
        if self.now is not None:
            self.advance(self.now + horizon)

    # --- the core, per event -----------------------------------------------------------------------

    def _apply(self, key: str, event: AlertEvent, now: datetime) -> None:
        before = self.records.get(key)
        inhibitors = self._inhibitor_list
        if inhibitors is None:
            inhibitors = self._inhibitors()
        outcome = decide(before, event, now, self.policy, (), inhibitors)
        after = outcome.alert
        if not outcome.changed and not outcome.notifications:
            if self._sink is not None:
                self._record(now, key, event.action, outcome)
            return
        self.records[key] = after
        facts = self.policy.facts(after)
        was_open = before is not None and before.state in OPEN_STATES
        is_open = after.state in OPEN_STATES
        self._count(key, before, was_open, is_open, outcome, facts.plan, now)
        # Durable timers of the service are these fields; arm each one that is new or moved.
        due = after.deadline_at
        if due is not None and (before is None or before.deadline_at != due):
            self._push(due, "deadline", key)
        due = after.chain_next_at
        if due is not None and (before is None or before.chain_next_at != due):
            self._push(due, "chain", key)
        due = after.muted_until
        if due is not None and (before is None or before.muted_until != due):
            self._push(due, "muted", key)
        if self.policy.inhibit_rules and (
            before is None or was_open != is_open or before.labels is not after.labels
        ):
            self._sync_inhibitors(key, after, facts.inhibits_keys if is_open else frozenset(), now)
        if after.inhibited_by is not None:
            self._inhibited.setdefault(after.inhibited_by, set()).add(key)
        if self._sink is not None:
            self._record(now, key, event.action, outcome)
        messages, joins, opens = dispatch(outcome, facts)
        if messages:
            for item in messages:
                if item.destination is _OUTBOX:
                    self._send(Message(now, item.notify.kind, item.channels, (key,)))
                elif item.destination is _DIGEST:
                    self._digest(item, after.name, now)
        if joins:
            self._group(key, facts, opens, outcome, now)

    def _count(
        self,
        key: str,
        before: AlertRecord | None,
        was_open: bool,
        is_open: bool,
        outcome: Outcome,
        plan: Plan,
        now: datetime,
    ) -> None:
        after = outcome.alert
        stats = self.stats
        if is_open and not was_open:
            stats.occurrences += 1
            grouping = plan.grouping
            slack = max(grouping.wait, grouping.interval) if grouping is not None else timedelta(0)
            self._occurrences[key] = _Occurrence(now, plan.grace + slack)
        elif was_open and not is_open and after.resolution is Resolution.TRANSIENT:
            stats.transients += 1
        elif (
            after.state is AlertState.ESCALATED and before is not None and before.state is AlertState.PENDING
        ):
            stats.escalations += 1
        if outcome.held is not None:
            stats.held[outcome.held] += 1
            occurrence = self._occurrences.get(key)
            if occurrence is not None and outcome.held in HELD_ON_PURPOSE:
                occurrence.held = True

    def _push(self, due: datetime, kind: str, ref: str) -> None:
        self._serial += 1
        heapq.heappush(self._timers, (due, self._serial, kind, ref))

    def _fire(self, kind: str, ref: str, now: datetime) -> None:
        if kind == "flush":
            self._flush_incident(ref, now)
            return
        if kind == "digest":
            self._send_digest(ref, now)
            return
        record = self.records.get(ref)
        if record is None or getattr(record, _FIELDS[kind]) != now:
            return  # superseded: the alert moved on since this timer was set
        action = {
            "deadline": Action.DEADLINE_REACHED,
            "chain": Action.CHAIN_STEP_DUE,
            "muted": Action.MAINTENANCE_ENDED,
        }[kind]
        self._apply(ref, AlertEvent(record.source, record.fingerprint, action), now)

    # --- inhibition --------------------------------------------------------------------------------

    def _inhibitors(self) -> list[Inhibitor]:
        if self._inhibitor_list is None:
            self._inhibitor_list = [
                Inhibitor(key, source) for source, keys in self._inhibits.items() for key in sorted(keys)
            ]
        return self._inhibitor_list

    def _sync_inhibitors(self, key: str, alert: AlertRecord, keys: frozenset[str], now: datetime) -> None:
        """``keys``: the inhibit keys ``alert`` holds now (none once it is closed)."""
        previous = self._inhibits.get(key, frozenset())
        if keys == previous:
            return
        self._inhibitor_list = None
        if keys:
            self._inhibits[key] = keys
            return
        self._inhibits.pop(key, None)
        # It stopped inhibiting: alerts it kept from escalating escalate now if they still fire.
        for target in sorted(self._inhibited.pop(identity(alert), set())):
            record = self.records.get(target)
            if record is not None and record.inhibited_by == identity(alert):
                self._apply(
                    target, AlertEvent(record.source, record.fingerprint, Action.INHIBITION_ENDED), now
                )

    # --- messages ----------------------------------------------------------------------------------

    def _digest(self, routed: Routed, name: str, now: datetime) -> None:
        """Queue a digest message's line on its channels' next digests."""
        for channel in routed.channels:
            queue = self._digests.setdefault(channel, [])
            if not queue:
                self._push(now + self.policy.digest_interval, "digest", channel)
            queue.append((now, f"{routed.notify.kind.value}: {name}"))
            self.stats.digest_lines += 1

    def _group(self, key: str, facts: Facts, opens: bool, outcome: Outcome, now: datetime) -> None:
        """Fold ``outcome`` into the incident of its group (opening one if ``opens`` allows)."""
        gkey = facts.group_key
        plan = facts.plan
        assert gkey is not None and plan.grouping is not None
        current = self._incidents.get(gkey)
        if current is None:
            if not opens:
                return
            self.stats.incidents += 1
            labels = match_labels(outcome.alert)
            current = _OpenIncident(
                self.stats.incidents,
                open_incident(plan.grouping, plan.group_route, outcome.alert, labels, now),
            )
            self._incidents[gkey] = current
            if self.correlator is not None:
                self.correlator.opened(current.number)
        before = current.record.flush_at
        current.record = join(current.record, plan.grouping, key, outcome, now)
        due = current.record.flush_at
        if due is not None and due <= now:
            self._flush_incident(gkey, now)
        elif due is not None and due != before:
            self._push(due, "flush", gkey)
        elif not current.record.is_open:
            self._close(gkey, current.number)

    def _flush_incident(self, gkey: str, now: datetime) -> None:
        current = self._incidents.get(gkey)
        if current is None or current.record.flush_at is None or current.record.flush_at > now:
            return
        current.record, messages = flush(current.record, now)
        lead = None
        if self.correlator is not None and messages:
            messages, lead = self.correlator.step(
                current.number, current.record, messages, self.records.get, now
            )
        for notify in messages:
            alerts = tuple(dict.fromkeys(item.alert for item in notify.alerts))
            self._send(Message(now, notify.kind, notify.channels, alerts, current.number, lead))
        if not current.record.is_open:
            self._close(gkey, current.number)

    def _close(self, gkey: str, number: int) -> None:
        del self._incidents[gkey]
        if self.correlator is not None:
            self.correlator.closed(number)

    def _send_digest(self, channel: str, now: datetime) -> None:
        lines = self._digests.pop(channel, [])
        if lines:
            self._send(Message(now, NotificationKind.DIGEST, (channel,), ()))

    def _send(self, message: Message) -> None:
        self.messages.append(message)
        if self._on_message is not None:
            self._on_message(message)
        if message.page:
            for key in message.alerts:
                occurrence = self._occurrences.get(key)
                if occurrence is None or occurrence.paged:
                    continue
                occurrence.paged = True
                delay = message.at - occurrence.opened_at
                if delay > occurrence.allowed + LATE_TOLERANCE and not occurrence.held:
                    self.stats.late.append(
                        {
                            "alert": key.replace("\x1f", "/"),
                            "paged_after_s": delay.total_seconds(),
                            "allowed_s": occurrence.allowed.total_seconds(),
                        }
                    )
        if self._sink is not None:
            self._sink(
                {
                    "type": "message",
                    "at": message.at.isoformat(),
                    "kind": message.kind.value,
                    "channels": list(message.channels),
                    "alerts": [key.replace("\x1f", "/") for key in message.alerts],
                    "incident": message.incident,
                    "correlated": message.correlated,
                    "page": message.page,
                }
            )

    def _record(self, now: datetime, key: str, action: Action, outcome: Outcome) -> None:
        if self._sink is None or not outcome.recorded:
            return
        self._sink(
            {
                "type": "event",
                "at": now.isoformat(),
                "alert": key.replace("\x1f", "/"),
                "action": action.value,
                "state": outcome.alert.state.value,
                "summary": outcome.timeline.summary,
                "held": outcome.held,
            }
        )


LATE_TOLERANCE = timedelta(seconds=1)
_FIELDS = {"deadline": "deadline_at", "chain": "chain_next_at", "muted": "muted_until"}


def run(
    policy: Policy,
    events: Iterable[tuple[datetime, AlertEvent]],
    *,
    decisions: Sink | None = None,
    correlation: CorrelationConfig | None = None,
) -> Simulator:
    """Replay ``events`` (time-ordered) and let the timers run out."""
    simulator = Simulator(policy, decisions=decisions, correlation=correlation)
    for at, event in events:
        simulator.feed(at, event)
    simulator.finish()
    return simulator
