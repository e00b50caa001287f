"""Correlation on the paging path: what happens to a group incident's messages as they go out.

The service (:mod:`holdoff.service.correlation`) and replay (:mod:`holdoff.replay.simulator`) both call
:func:`correlate_messages` right after :func:`holdoff.mediate.grouping.flush`, with the same inputs, so the
two cannot drift apart. The rules:

- **Decided at the first page, never before.** A group incident is correlated when its first message that
  interrupts someone is due, at the time grace windows and group timers allow and never later: correlation
  only turns pages into updates, it never holds a page back. Groups that never page (transients held off)
  never join anything, so they cannot swallow a real incident.
- **Join**: the page becomes a :attr:`~holdoff.mediate.model.NotificationKind.CORRELATED` update of the
  correlated incident that already paged ("+2 symptoms on checkout, payments"): chat and mail channels show
  it, pagers do not take it.
- **New incident**: the page goes out as today, and the group leads a new correlated incident.
- **Urgent pages are not hidden behind informational ones.** A group of warning severity or worse that
  joins an incident which paged only for info or low alerts still pages (nobody is likely on it yet). It
  joins all the same.
- **A group that paged alone and escalates something new** (a long-lived alert keeps it open) is decided
  again like a first page, and moves into the incident its new alert belongs to (:attr:`Change.MOVE`).
- **Later pages** of a member (reminders) stay updates while another member of its incident is open; once
  it is the last one open, it pages again, so a problem that outlives its incident is never left silent.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.join import decide
from holdoff.correlate.model import (
    NO_FEEDBACK,
    NOTHING_LEARNED,
    CorrelatedIncident,
    Decision,
    Feedback,
    Join,
    Learned,
    Member,
    NewIncident,
    Reason,
    ReasonKind,
    RootHint,
)
from holdoff.mediate.grouping import PAGING_KINDS, IncidentNotify, Pending
from holdoff.mediate.model import AlertRecord, NotificationKind, Severity

SERVICE_LABEL = "service"
TEMPLATE_LABEL = "template_id"
"""Log alerts name the template they are about (:mod:`holdoff.logs.detect.events`)."""
ROOT_HINT_LABEL = "layer"
"""``layer: infra`` / ``layer: symptom`` on an alert says where it sits in a cascade."""
_INFRA_LAYERS = frozenset({"infra", "infrastructure", "platform", "network", "database", "storage", "node"})
_URGENCY = tuple(Severity)
_PAGE_WORTHY = _URGENCY.index(Severity.WARNING)
_SYMPTOM_LAYERS = frozenset({"symptom", "user", "frontend", "slo", "sli"})


@dataclass(frozen=True)
class Standing:
    """Where a group incident stands in correlation when its messages go out."""

    incident: CorrelatedIncident | None = None
    """The correlated incident it belongs to; None: it never paged (or correlation never saw it)."""
    others_open: bool = False
    """Whether another member of that incident is still open."""


NEVER_SEEN = Standing()


class Change(enum.StrEnum):
    """What the shell stores after a step."""

    NONE = "none"
    LEAD = "lead"
    """The group leads a new correlated incident (:attr:`Step.incident`)."""
    JOIN = "join"
    """The group, in no correlated incident so far, joins :attr:`Step.incident`."""
    MOVE = "move"
    """The group leaves the correlated incident it led alone and joins :attr:`Step.incident`."""


@dataclass(frozen=True)
class Step:
    """What correlation made of one flush."""

    messages: tuple[IncidentNotify, ...]
    """The messages to send: pages turned into updates on a join."""
    decision: Decision | None
    """The decision taken now (None: nothing paged, so nothing to decide)."""
    incident: CorrelatedIncident | None
    """The correlated incident the group belongs to after this step (with the member added on a join)."""
    joined: bool = False
    """The pages were turned into updates."""
    change: Change = Change.NONE


def member_of(key: str, alert: AlertRecord, config: CorrelationConfig) -> Member:
    """The member a group incident is, seen through the alert that first paged in it."""
    labels = alert.labels
    topology = {
        name: value for name in (*config.topology_labels, *config.scope_labels) if (value := labels.get(name))
    }
    hints: frozenset[RootHint] = frozenset()
    layer = labels.get(ROOT_HINT_LABEL, "").lower()
    if layer in _INFRA_LAYERS:
        hints = frozenset({RootHint.INFRA})
    elif layer in _SYMPTOM_LAYERS:
        hints = frozenset({RootHint.SYMPTOM})
    evidence = frozenset({f"template:{labels[TEMPLATE_LABEL]}"} if labels.get(TEMPLATE_LABEL) else ())
    started = alert.source_started_at or alert.opened_at
    assert started is not None, "an alert that pages has opened"
    urgency = _URGENCY.index(alert.severity) if alert.severity is not None else None
    return Member(
        key,
        labels.get(SERVICE_LABEL, ""),
        alert.source,
        started,
        topology,
        hints,
        alert.name,
        evidence,
        urgency,
    )


def more_urgent(member: Member, incident: CorrelatedIncident) -> bool:
    """Whether ``member`` deserves a page of its own although it joins ``incident``: it is a warning or
    worse, and the incident paged only for informational alerts (info, low). Unknown urgency never pages
    here, and a member of unknown urgency counts as urgent."""
    if member.urgency is None or member.urgency > _PAGE_WORTHY:
        return False
    return all(other.urgency is not None and other.urgency > _PAGE_WORTHY for other in incident.members)


def correlate_messages(
    messages: Sequence[IncidentNotify],
    member: Member,
    standing: Standing,
    open_incidents: Sequence[CorrelatedIncident],
    now: datetime,
    config: CorrelationConfig,
    *,
    new_id: str,
    learned: Learned = NOTHING_LEARNED,
    feedback: Feedback = NO_FEEDBACK,
) -> Step:
    """The messages of one flush of the group incident ``member``, through correlation.

    ``open_incidents``: the correlated incidents with a member still open (the group's own incident, if
    any, is skipped here); ``new_id``: the id a new correlated incident gets.
    """
    messages = tuple(messages)
    if not any(message.kind in PAGING_KINDS for message in messages):
        return Step(messages, None, standing.incident)
    current = standing.incident
    if current is not None:
        if current.members[0].key != member.key and standing.others_open:
            reason = Reason(ReasonKind.TIME, "already part of this incident, which another member keeps open")
            return Step(absorb(messages), Join(current.id, 0.0, (reason,)), current, joined=True)
        alone = len(current.members) == 1 and current.members[0].key == member.key
        if not alone or not any(message.kind is NotificationKind.ESCALATED for message in messages):
            return Step(messages, None, current)
        # A group that paged alone before (a long-lived alert keeps it open) escalates something new:
        # that may be a symptom of another incident, decided like a first page.
    # Not its own incident (a move); an open incident with an earlier occurrence of the same group may
    # take it, through its other members (decide never scores a member against its own group).
    others = open_incidents if current is None else [i for i in open_incidents if i.id != current.id]
    decision = decide(others, member, now, config, learned, feedback)
    if isinstance(decision, Join):
        target = next(incident for incident in others if incident.id == decision.incident)
        change = Change.JOIN if current is None else Change.MOVE
        if more_urgent(member, target):
            # It belongs to the incident, but the incident just got worse than anything it paged for.
            text = f"{member.name or member.service} is more urgent than anything this incident paged for: it pages"
            reasons = (*decision.reasons, Reason(ReasonKind.URGENT, text))
            decision = Join(decision.incident, decision.score, reasons)
            return Step(messages, decision, target.with_member(member), change=change)
        return Step(absorb(messages), decision, target.with_member(member), joined=True, change=change)
    assert isinstance(decision, NewIncident)
    if current is not None:
        return Step(messages, decision, current)
    return Step(messages, decision, CorrelatedIncident(new_id, (member,), now), change=Change.LEAD)


def absorb(messages: Sequence[IncidentNotify]) -> tuple[IncidentNotify, ...]:
    """``messages`` with their pages turned into one update of the correlated incident (not a page)."""
    kept = [message for message in messages if message.kind not in PAGING_KINDS]
    paging = [message for message in messages if message.kind in PAGING_KINDS]
    if not paging:
        return tuple(kept)
    channels: list[str] = []
    alerts: list[Pending] = []
    for message in paging:
        channels.extend(channel for channel in message.channels if channel not in channels)
        alerts.extend(message.alerts)
    update = IncidentNotify(NotificationKind.CORRELATED, tuple(channels), paging[0].sequence, tuple(alerts))
    return (update, *kept)
