"""Grouping alerts into incidents: what people are told about is the incident, not each alert.

A route with grouping puts alerts whose ``by`` labels have the same values (``("...",)``: all labels)
into one **incident**. The alert state machine (:mod:`holdoff.mediate.engine`) still decides, per
alert, what deserves a message (after grace windows, silences, inhibition, noise rules ...); here
those decisions are collected on the incident and sent together, as Alertmanager does:

- the first message of an incident waits ``wait`` to collect the alerts that escalate with it;
- later ones go out at most once per ``interval``, each listing what changed (new escalations,
  reminders, resolutions, transients), with counts;
- the incident resolves when all its alerts have resolved and its last message has gone out.

Pure and deterministic like the engine: the shell stores :class:`IncidentRecord` and arms its
``flush_at`` as a durable timer; replay keeps it in memory.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.mediate.evolve import evolve, evolve_with
from holdoff.mediate.model import AlertRecord, NotificationKind, Outcome

ALL_LABELS = "..."
PAGING_KINDS = frozenset({NotificationKind.ESCALATED, NotificationKind.REMINDER})
"""Message kinds that interrupt someone."""
_KIND_ORDER = (
    NotificationKind.ESCALATED,
    NotificationKind.REMINDER,
    NotificationKind.RESOLVED,
    NotificationKind.FLAPPING,
    NotificationKind.TRANSIENT_RESOLVED,
)


@dataclass(frozen=True)
class Grouping:
    by: tuple[str, ...]
    """Labels whose values make the group key; ``("...",)`` groups by every label; ``()`` turns grouping
    off (on a route, for it and its children)."""
    wait: timedelta = timedelta(seconds=30)
    """How long an incident's first message waits for more alerts to join it."""
    interval: timedelta = timedelta(minutes=5)
    """At least this long between two messages of one incident."""

    def labels(self, alert_labels: Mapping[str, str]) -> dict[str, str]:
        """The alert's labels that make its group key."""
        if ALL_LABELS in self.by:
            return dict(sorted(alert_labels.items()))
        return {name: alert_labels.get(name, "") for name in self.by}


def group_key(route: str, labels: Mapping[str, str]) -> str:
    """A short stable key for (route, group labels): the same group always gets the same key."""
    text = route + "\x1e" + "\x1e".join(f"{name}\x1f{value}" for name, value in labels.items())
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class IncidentState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Pending:
    """One alert's message, waiting for its incident's next message."""

    alert: str
    """The alert's identity (source and fingerprint)."""
    name: str
    kind: NotificationKind
    channels: tuple[str, ...]
    at: datetime
    severity: str | None = None


@dataclass(frozen=True)
class IncidentRecord:
    key: str
    route: str
    labels: dict[str, str]
    """The group labels all its alerts share."""
    title: str
    """What the incident is called in messages: its first alert's name and the group labels."""
    state: IncidentState
    opened_at: datetime
    resolved_at: datetime | None = None
    firing: frozenset[str] = frozenset()
    """Identities of its alerts that are open now."""
    alerts: int = 0
    """How many alert occurrences have joined it."""
    pending: tuple[Pending, ...] = ()
    flush_at: datetime | None = None
    """When the collected messages go out (a durable timer); None: nothing waiting."""
    notified_at: datetime | None = None
    paged_at: datetime | None = None
    """When the first message that interrupts someone went out."""
    sequence: int = 0
    """Messages sent so far (tells apart the outbox rows of one incident)."""

    @property
    def is_open(self) -> bool:
        return self.state is IncidentState.OPEN


@dataclass(frozen=True)
class IncidentNotify:
    """One message about an incident, on the channels its alerts' decisions named."""

    kind: NotificationKind
    channels: tuple[str, ...]
    sequence: int
    alerts: tuple[Pending, ...]
    """The alerts this message is about."""


def open_incident(
    grouping: Grouping, route: str, alert: AlertRecord, labels: Mapping[str, str], now: datetime
) -> IncidentRecord:
    """A new incident for the group ``alert`` belongs to (``labels``: what the matchers see)."""
    group = grouping.labels(labels)
    key = group_key(route, group)
    return IncidentRecord(key, route, group, _title(alert.name, group), IncidentState.OPEN, opened_at=now)


def _title(name: str, group: dict[str, str]) -> str:
    shown = ", ".join(f"{label}={value}" for label, value in group.items() if value and label != "alertname")
    return name + (f" ({shown})" if shown else "")


def join(
    incident: IncidentRecord,
    grouping: Grouping,
    identity: str,
    outcome: Outcome,
    now: datetime,
) -> IncidentRecord:
    """Fold one alert's outcome into its incident: who is firing, and the messages to send together."""
    alert = outcome.alert
    firing = incident.firing
    joined = False
    if alert.is_open:
        if identity not in firing:
            firing, joined = firing | {identity}, True
    elif identity in firing:
        firing = firing - {identity}
    grouped: tuple[Pending, ...] = ()
    for notify in outcome.notifications:
        if not notify.digest and notify.channels:
            severity = alert.severity.value if alert.severity else None
            grouped += (Pending(identity, alert.name, notify.kind, notify.channels, now, severity),)
    if not grouped:
        if firing is incident.firing:
            return incident  # nothing this incident needs to know
        # Only who fires changed (most events: an alert held off, or resolved on its own).
        changes: dict[str, object] = {"firing": firing, "alerts": incident.alerts + (1 if joined else 0)}
        if not firing and not incident.pending:
            changes.update(state=IncidentState.RESOLVED, resolved_at=now, flush_at=None)
        return evolve_with(incident, changes)
    pending = incident.pending + grouped
    flush_at = incident.flush_at
    if grouped and flush_at is None:
        flush_at = (
            now + grouping.wait
            if incident.notified_at is None
            else max(now, incident.notified_at + grouping.interval)
        )
    after = evolve(
        incident,
        firing=firing,
        alerts=incident.alerts + (1 if joined else 0),
        pending=pending,
        flush_at=flush_at,
    )
    if not firing and not pending:
        after = evolve(after, state=IncidentState.RESOLVED, resolved_at=now, flush_at=None)
    return after


def flush(incident: IncidentRecord, now: datetime) -> tuple[IncidentRecord, tuple[IncidentNotify, ...]]:
    """Send what was collected, one message per kind, if its time has come."""
    if incident.flush_at is None or now < incident.flush_at:
        return incident, ()
    by_kind: dict[NotificationKind, list[Pending]] = {}
    for item in incident.pending:
        by_kind.setdefault(item.kind, []).append(item)
    messages: list[IncidentNotify] = []
    for kind in _KIND_ORDER:
        items = by_kind.get(kind)
        if not items:
            continue
        channels: list[str] = []
        for item in items:
            channels.extend(c for c in item.channels if c not in channels)
        messages.append(
            IncidentNotify(kind, tuple(channels), incident.sequence + len(messages), tuple(items))
        )
    paged = next((m for m in messages if m.kind in PAGING_KINDS), None)
    title = incident.title
    if paged is not None and incident.paged_at is None:
        # Named after what first paged someone, not after whatever blip opened the group.
        title = _title(paged.alerts[0].name, incident.labels)
    after = evolve(
        incident,
        title=title,
        pending=(),
        flush_at=None,
        notified_at=now if messages else incident.notified_at,
        paged_at=incident.paged_at or (now if paged is not None else None),
        sequence=incident.sequence + len(messages),
    )
    if not after.firing:
        after = evolve(after, state=IncidentState.RESOLVED, resolved_at=now)
    return after, tuple(messages)
