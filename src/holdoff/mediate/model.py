"""Plain data the mediation core works on.

Nothing here knows about HTTP, SQL or the wall clock: the shell loads an :class:`AlertRecord`,
hands it to :func:`holdoff.mediate.engine.decide` with an event and the current time, and stores
what comes back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


class AlertState(enum.StrEnum):
    """Where an alert is in its life."""

    PENDING = "pending"
    """Triggered and held inside its grace window; nobody has been paged."""
    ESCALATED = "escalated"
    """Still open when the grace window ended; people were notified."""
    ACKNOWLEDGED = "acknowledged"
    """Someone is on it; no further escalation."""
    SUPPRESSED = "suppressed"
    """Muted by an operator until it resolves; stored and shown, never notified."""
    RESOLVED = "resolved"


OPEN_STATES = frozenset(
    {AlertState.PENDING, AlertState.ESCALATED, AlertState.ACKNOWLEDGED, AlertState.SUPPRESSED}
)


class Resolution(enum.StrEnum):
    """How a resolved alert got there."""

    TRANSIENT = "transient"
    """Resolved inside the grace window: nobody was paged."""
    AFTER_ESCALATION = "after_escalation"
    """Resolved after people were paged."""
    BEFORE_ESCALATION = "before_escalation"
    """Acknowledged or suppressed inside the window, then resolved; nobody was paged."""
    UNMATCHED = "unmatched"
    """A resolve arrived for an alert Holdoff had never seen open."""


class Action(enum.StrEnum):
    """What an event says happened to an alert."""

    TRIGGERED = "triggered"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"
    DEADLINE_REACHED = "deadline_reached"
    CHAIN_STEP_DUE = "chain_step_due"
    """The wait of an escalation chain step is over."""
    MAINTENANCE_ENDED = "maintenance_ended"
    """The maintenance window that held back this alert's escalation has ended."""
    INHIBITION_ENDED = "inhibition_ended"
    """The alert that inhibited this alert's escalation has resolved."""
    SILENCE_ENDED = "silence_ended"
    """A silence that muted this alert's escalation has ended (expired or was lifted)."""


class NotificationKind(enum.StrEnum):
    """Why a message goes out; channels are chosen per kind."""

    TRANSIENT_RESOLVED = "transient_resolved"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REMINDER = "reminder"
    """A later step of an escalation chain: still firing, nobody has acknowledged it."""
    FLAPPING = "flapping"
    """One summary for an alert that keeps firing and clearing by itself."""
    ACKNOWLEDGED = "acknowledged"
    """Someone acknowledged an escalated alert: mirrored to channels that keep state (PagerDuty, Opsgenie)."""
    CORRELATED = "correlated"
    """An incident-group joined a correlated incident that already paged: an update of it, not a page."""
    DIGEST = "digest"
    """A channel's periodic summary of what was collected for it (noise rules, transients, quiet hours)."""


class Severity(enum.StrEnum):
    """One severity scale for every source, most urgent first."""

    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"
    LOW = "low"


ERROR_LOGS_LABEL = "holdoff_error_logs"
"""The evidence a route may ask for (``error_logs: true|false``), as a label only the decision sees: the
shell sets it to ``"true"`` or ``"false"`` from the alert's root-cause evidence when a timer fires (the
grace deadline), and leaves it out when nothing is known (replay, no evidence yet, the log store
failed). A route's condition is a matcher on it, so ``unknown`` matches neither ``true`` nor ``false``."""

RESERVED_LABELS = frozenset({ERROR_LOGS_LABEL})
"""Labels only Holdoff sets (what the root-cause evidence says, seen by the decision at a deadline); a
source that sends one has it dropped, so it cannot steer routing."""


@dataclass(frozen=True)
class AlertEvent:
    """One thing that happened to an alert, as a source or an operator reported it.

    ``source`` and ``fingerprint`` together are the alert's identity.
    """

    source: str
    fingerprint: str
    action: Action
    name: str = ""
    severity: Severity | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    """When the source says this occurrence began (Alertmanager ``startsAt``, CloudWatch state change
    time ...). Two events with the same identity and ``starts_at`` belong to the same occurrence, so
    a re-delivered webhook changes nothing and a late resolve of an older occurrence is ignored."""
    ends_at: datetime | None = None
    """When the source says it ended, for resolved events that carry it."""
    actor: str | None = None
    """Who did it, for operator actions (acknowledge, suppress, manual resolve)."""
    note: str | None = None
    raw: dict[str, Any] | None = None
    """The payload as received, kept for audit."""

    def __post_init__(self) -> None:
        if RESERVED_LABELS.intersection(self.labels):  # only Holdoff's own decision may set these
            kept = {name: value for name, value in self.labels.items() if name not in RESERVED_LABELS}
            object.__setattr__(self, "labels", kept)


@dataclass(frozen=True)
class AlertRecord:
    """The core's view of one alert identity and its current occurrence."""

    source: str
    fingerprint: str
    name: str
    state: AlertState
    occurrence: int
    """1 for the first time it fired; each re-trigger after resolution adds one. 0: never open."""
    severity: Severity | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    opened_at: datetime | None = None
    last_seen_at: datetime | None = None
    deadline_at: datetime | None = None
    """When the grace window of a pending alert ends; None when no timer runs."""
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    suppressed_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: Resolution | None = None
    source_started_at: datetime | None = None
    """The source's own start time of the current occurrence (``AlertEvent.starts_at``), if it gave one."""
    repeat_count: int = 0
    """TRIGGERED events received for the current occurrence after the first."""
    flap_count: int = 0
    """How often the alert fired again after it had resolved."""
    flap_times: tuple[datetime, ...] = ()
    """When the alert re-triggered recently (within the flapping window)."""
    flapping_since: datetime | None = None
    flap_notified_at: datetime | None = None
    chain_step: int = 0
    chain_round: int = 0
    chain_next_at: datetime | None = None
    """When the next step of the escalation chain is due (a durable timer); None: no step pending."""
    muted_until: datetime | None = None
    """End of the maintenance window (or quiet hours) that held back this occurrence's escalation
    (a durable timer)."""
    muted_reason: str | None = None
    """What set :attr:`muted_until`: ``maintenance window NAME`` or ``quiet hours``."""
    inhibited_by: str | None = None
    """The alert (source and fingerprint) whose inhibition kept this occurrence from escalating."""
    muted_by: int | None = None
    """The silence that muted this occurrence's escalation; when it ends and the alert still fires,
    the escalation goes out then."""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def open_for(self, now: datetime) -> timedelta:
        """How long the current occurrence has been (or was) open."""
        if self.opened_at is None:
            return timedelta(0)
        end = self.resolved_at if self.resolved_at is not None else now
        return max(end - self.opened_at, timedelta(0))


@dataclass(frozen=True)
class Notify:
    """A decision to tell people something, on the channels the policy names for its kind."""

    kind: NotificationKind
    channels: tuple[str, ...]
    sequence: int = 0
    """Tells apart repeated messages of one kind in one occurrence (escalation chain reminders)."""
    digest: bool = False
    """Collect it into the channels' next digest instead of sending it on its own."""


@dataclass(frozen=True, init=False)
class TimelineEntry:
    """One line of an alert's history, as the core describes it."""

    action: Action
    summary: str
    state_before: AlertState | None
    state_after: AlertState
    occurrence: int

    def __init__(
        self,
        action: Action,
        summary: str,
        state_before: AlertState | None,
        state_after: AlertState,
        occurrence: int,
    ) -> None:
        # One per event: filled in directly (the generated frozen __init__ sets each field through
        # object.__setattr__, twice as slow); tests/mediate/test_model.py holds it to the fields.
        fields = self.__dict__
        fields["action"] = action
        fields["summary"] = summary
        fields["state_before"] = state_before
        fields["state_after"] = state_after
        fields["occurrence"] = occurrence


@dataclass(frozen=True, init=False)
class Outcome:
    """What the core decided for one event."""

    alert: AlertRecord
    notifications: tuple[Notify, ...]
    timeline: TimelineEntry
    changed: bool
    """False when the event left the alert exactly as it was (a stale timer, a duplicate operator action)."""
    noteworthy: bool = False
    """Record the timeline entry even though nothing changed (e.g. a late resolve that was ignored)."""
    held: str | None = None
    """Why messages this event would have caused were not sent on their own: ``dropped``, ``digest``,
    ``inhibited``, ``maintenance``, ``silenced``, ``quiet_hours`` or ``flapping``; None: nothing held."""

    def __init__(
        self,
        alert: AlertRecord,
        notifications: tuple[Notify, ...],
        timeline: TimelineEntry,
        changed: bool,
        noteworthy: bool = False,
        held: str | None = None,
    ) -> None:
        # One per event: filled in directly (the generated frozen __init__ sets each field through
        # object.__setattr__, twice as slow); tests/mediate/test_model.py holds it to the fields.
        fields = self.__dict__
        fields["alert"] = alert
        fields["notifications"] = notifications
        fields["timeline"] = timeline
        fields["changed"] = changed
        fields["noteworthy"] = noteworthy
        fields["held"] = held

    @property
    def recorded(self) -> bool:
        """Whether this event gets a line in the alert's timeline."""
        return self.changed or self.noteworthy
