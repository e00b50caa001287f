"""The grace-window state machine: one event and the current time in, one outcome out.

It is pure and deterministic. The same record, event, time and policy always give the same
outcome, so the HTTP shell, the deadline scheduler, replay and benchmarks all run this exact code.

Life of an alert::

    TRIGGERED ──> pending ──(deadline)──> escalated ──(ack)──> acknowledged
                    │   └──(ack)──> acknowledged                   │
                    │   └──(suppress)──> suppressed                │
                    └──(resolve)──> resolved/transient             └──(resolve)──> resolved
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from holdoff.mediate import ended
from holdoff.mediate.chain import start as chain_start
from holdoff.mediate.durations import humanize
from holdoff.mediate.evolve import evolve, evolve_with
from holdoff.mediate.flapping import damp, retrigger_changes
from holdoff.mediate.grouping import PAGING_KINDS
from holdoff.mediate.inhibit import IDENTITY_SEPARATOR, Inhibitor, inhibiting
from holdoff.mediate.maintenance import in_maintenance
from holdoff.mediate.model import (
    Action,
    AlertEvent,
    AlertRecord,
    AlertState,
    NotificationKind,
    Outcome,
    Resolution,
)
from holdoff.mediate.noise import NoiseAction
from holdoff.mediate.policy import Policy
from holdoff.mediate.quiet import QUIET_HOURS, QuietHours
from holdoff.mediate.routing import Plan
from holdoff.mediate.silence import Silence, muting
from holdoff.mediate.timeline import entry, ignored


class InvalidTransition(Exception):
    """An operator asked for something the alert's state does not allow (e.g. acknowledge a resolved alert)."""


def decide(
    record: AlertRecord | None,
    event: AlertEvent,
    now: datetime,
    policy: Policy,
    silences: Sequence[Silence] = (),
    inhibitors: Sequence[Inhibitor] = (),
) -> Outcome:
    """Apply ``event`` at time ``now`` to ``record`` (None: the identity was never seen).

    ``silences`` are the silences in force; one that matches the alert mutes what would be sent.
    """
    outcome = _decide(record, event, now, policy)
    # Each step below changes nothing for most events; the checks spare their calls.
    if policy.severity_rules and outcome.changed:
        outcome = _override_severity(outcome, policy)
    if outcome.notifications or outcome.alert.flapping_since is not None:
        outcome = damp(outcome, now, policy.flapping)
    return _mute(outcome, now, silences, inhibitors, policy) if outcome.notifications else outcome


def _override_severity(outcome: Outcome, policy: Policy) -> Outcome:
    if not policy.severity_rules or not outcome.changed:
        return outcome
    rule = policy.facts(outcome.alert).severity
    if rule is None or rule.severity is None or outcome.alert.severity is rule.severity:
        return outcome
    alert = evolve(outcome.alert, severity=rule.severity)
    summary = f"{outcome.timeline.summary}; severity set to {rule.severity.value} by noise rule {rule.name}"
    return evolve(outcome, alert=alert, timeline=evolve(outcome.timeline, summary=summary))


def _mute(
    outcome: Outcome,
    now: datetime,
    silences: Sequence[Silence],
    inhibitors: Sequence[Inhibitor],
    policy: Policy,
) -> Outcome:
    """Drop the notifications a noise rule, an inhibition, a maintenance window or a silence covers (digest
    lines included), send to the digest what a digest rule covers, hold back pages in quiet hours; and
    say so in the timeline."""
    if not outcome.notifications:
        return outcome
    facts = policy.facts(outcome.alert)
    rule = facts.drop
    if rule is not None and rule.action is NoiseAction.DROP:
        summary = f"{outcome.timeline.summary}; not notified: dropped by noise rule {rule.name}"
        return evolve(
            outcome, notifications=(), timeline=evolve(outcome.timeline, summary=summary), held="dropped"
        )
    inhibitor = inhibiting(facts.inhibited_by_keys, inhibitors, outcome.alert)
    if inhibitor is not None:
        alert = evolve(outcome.alert, inhibited_by=inhibitor.source) if _escalates(outcome) else outcome.alert
        source = inhibitor.source.replace(IDENTITY_SEPARATOR, "/")
        rule_name = inhibitor.key.split(IDENTITY_SEPARATOR, 1)[0]
        summary = f"{outcome.timeline.summary}; muted: inhibited by firing alert {source} (rule {rule_name})"
        return evolve(
            outcome,
            alert=alert,
            notifications=(),
            timeline=evolve(outcome.timeline, summary=summary),
            held="inhibited",
        )
    plan = facts.plan
    maintenance = in_maintenance(plan.maintenance, now) if plan.maintenance else None
    if maintenance is not None:
        window, ends = maintenance
        reason = f"maintenance window {window.name}"
        alert = (
            evolve(outcome.alert, muted_until=ends, muted_reason=reason)
            if _escalates(outcome)
            else outcome.alert
        )
        summary = (
            f"{outcome.timeline.summary}; muted: maintenance window {window.name} until {ends:%H:%M UTC}"
        )
        return evolve(
            outcome,
            alert=alert,
            notifications=(),
            timeline=evolve(outcome.timeline, summary=summary),
            held="maintenance",
        )
    silence = muting(silences, outcome.alert, now) if silences else None
    if silence is None:
        if rule is not None:  # a digest rule
            summary = f"{outcome.timeline.summary}; collected into the digest by noise rule {rule.name}"
            digested = tuple(evolve(n, digest=True) for n in outcome.notifications)
            return evolve(
                outcome,
                notifications=digested,
                timeline=evolve(outcome.timeline, summary=summary),
                held="digest",
            )
        return _quiet(outcome, now, plan.quiet_hours) if plan.quiet_hours else outcome
    alert = evolve(outcome.alert, muted_by=silence.id) if _escalates(outcome) else outcome.alert
    summary = f"{outcome.timeline.summary}; muted by silence #{silence.id}"
    if silence.comment:
        summary += f" ({silence.comment})"
    return evolve(
        outcome,
        alert=alert,
        notifications=(),
        timeline=evolve(outcome.timeline, summary=summary),
        held="silenced",
    )


def _escalates(outcome: Outcome) -> bool:
    """Whether the outcome pages people for the first time (what a hold-back must remember to send later)."""
    return any(n.kind is NotificationKind.ESCALATED for n in outcome.notifications)


def _quiet(outcome: Outcome, now: datetime, quiet_hours: Sequence[QuietHours]) -> Outcome:
    """Hold back pages of less urgent alerts during quiet hours; other messages go out as usual."""
    ends = max((t for q in quiet_hours if (t := q.holds_until(outcome.alert, now)) is not None), default=None)
    if ends is None or not any(n.kind in PAGING_KINDS for n in outcome.notifications):
        return outcome
    kept = tuple(n for n in outcome.notifications if n.kind not in PAGING_KINDS)
    alert = outcome.alert
    severity = alert.severity.value if alert.severity else "no severity"
    if _escalates(outcome):
        alert = evolve(alert, muted_until=ends, muted_reason=QUIET_HOURS)
        summary = (
            f"{outcome.timeline.summary}; page held back: quiet hours until {ends:%H:%M UTC} ({severity})"
        )
    else:
        summary = f"{outcome.timeline.summary}; reminder not sent: quiet hours until {ends:%H:%M UTC}"
    timeline = evolve(outcome.timeline, summary=summary)
    return evolve(outcome, alert=alert, notifications=kept, timeline=timeline, held="quiet_hours")


def _decide(record: AlertRecord | None, event: AlertEvent, now: datetime, policy: Policy) -> Outcome:
    if event.action is Action.TRIGGERED:
        return _triggered(record, event, now, policy)
    if record is None:
        if event.action is Action.RESOLVED:
            return _unmatched_resolve(event, now)
        raise InvalidTransition(f"cannot {event.action.value} an alert that does not exist")
    if event.action is Action.RESOLVED:
        return _resolved(record, event, now, policy)
    if event.action is Action.DEADLINE_REACHED:
        return _deadline(record, now, policy)
    if event.action is Action.ACKNOWLEDGED:
        return _acknowledged(record, event, now, policy)
    if event.action is Action.SUPPRESSED:
        return _suppressed(record, event, now)
    if event.action is Action.SILENCE_ENDED:
        return ended.silence_ended(record, policy)
    if event.action is Action.INHIBITION_ENDED:
        return ended.inhibition_ended(record, policy)
    if event.action is Action.MAINTENANCE_ENDED:
        return ended.maintenance_ended(record, now, policy)
    if event.action is Action.CHAIN_STEP_DUE:
        return ended.chain_step_due(record, now, policy)
    raise AssertionError(f"unhandled action {event.action!r}")  # pragma: no cover


def _refresh(record: AlertRecord, event: AlertEvent) -> dict[str, Any]:
    """The newest descriptive fields a source sent, keeping what it left out: a new dictionary of changes
    for :func:`evolve_with`, which callers extend.

    Unchanged labels keep the record's own dict, so what is cached per label set (routing) stays valid.
    """
    return {
        "name": event.name or record.name,
        "severity": event.severity or record.severity,
        "labels": record.labels if not event.labels or event.labels == record.labels else event.labels,
        "annotations": event.annotations or record.annotations,
        "links": event.links or record.links,
    }


def _same_or_older(event: AlertEvent, record: AlertRecord, *, strictly_older: bool = False) -> bool:
    """Whether the source's start time puts the event in the current occurrence or an earlier one.

    Only sources that send a start time can tell; without one every event counts as current.
    """
    if event.starts_at is None or record.source_started_at is None:
        return False
    if strictly_older:
        return event.starts_at < record.source_started_at
    return event.starts_at <= record.source_started_at


def _first_seen(event: AlertEvent, now: datetime, state: AlertState, **fields: Any) -> AlertRecord:
    """The record of an identity Holdoff sees for the first time."""
    return AlertRecord(
        source=event.source,
        fingerprint=event.fingerprint,
        name=event.name or event.fingerprint,
        state=state,
        severity=event.severity,
        labels=event.labels,
        annotations=event.annotations,
        links=event.links,
        last_seen_at=now,
        source_started_at=event.starts_at,
        **fields,
    )


_NEW_OCCURRENCE: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "state": AlertState.PENDING,
        "escalated_at": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "suppressed_at": None,
        "resolved_at": None,
        "resolution": None,
        "repeat_count": 0,
        "muted_by": None,
        "inhibited_by": None,
        "muted_until": None,
        "muted_reason": None,
        "chain_next_at": None,
    }
)
"""What a new occurrence of a known alert starts without: the previous occurrence's progress."""


def _triggered(record: AlertRecord | None, event: AlertEvent, now: datetime, policy: Policy) -> Outcome:
    if record is not None and record.is_open:
        if _same_or_older(event, record):
            # A re-delivered webhook (same occurrence) or a late one from an earlier occurrence.
            return ignored(
                Action.TRIGGERED, "Trigger re-delivered; nothing changed", record, noteworthy=False
            )
        after = evolve(
            record,
            **_refresh(record, event),
            repeat_count=record.repeat_count + 1,
            last_seen_at=now,
            source_started_at=event.starts_at or record.source_started_at,
        )
        summary = f"Triggered again while {record.state.value} (repeat {after.repeat_count}); no new timer"
        return Outcome(after, (), entry(Action.TRIGGERED, summary, record, after), changed=True)
    if record is not None and _same_or_older(event, record):
        summary = "Trigger for an occurrence that has already resolved arrived late; ignored"
        return ignored(Action.TRIGGERED, summary, record, noteworthy=True)

    if record is None:
        after = _first_seen(event, now, AlertState.PENDING, occurrence=1, opened_at=now)
        after, held = _hold(after, now, policy)
        summary = f"Triggered; held for {held} before anyone is paged"
        return Outcome(after, (), entry(Action.TRIGGERED, summary, None, after), changed=True)

    # Fired again after it had resolved: a new occurrence, and a flap unless it never was open.
    flapped = record.occurrence > 0
    changes = _refresh(record, event)
    changes.update(_NEW_OCCURRENCE)
    changes.update(retrigger_changes(record, now, policy.flapping))
    changes["occurrence"] = record.occurrence + 1
    changes["opened_at"] = changes["last_seen_at"] = now
    changes["flap_count"] = record.flap_count + (1 if flapped else 0)
    changes["source_started_at"] = event.starts_at
    if changes["labels"] is record.labels and changes["name"] == record.name:
        # Same labels: the same route, so the grace deadline goes in with the other changes.
        plan = policy.plan(record)
        changes["deadline_at"] = now + plan.grace
        after, held = evolve_with(record, changes), _held(plan, policy)
    else:
        after, held = _hold(evolve_with(record, changes), now, policy)
    summary = f"Triggered again after resolving (occurrence {after.occurrence}"
    summary += f", flap {after.flap_count})" if flapped else ")"
    summary += f"; held for {held}"
    return Outcome(after, (), entry(Action.TRIGGERED, summary, record, after), changed=True)


def _hold(alert: AlertRecord, now: datetime, policy: Policy) -> tuple[AlertRecord, str]:
    """Start the grace timer the alert's route gives it; the record, and how long in words."""
    plan = policy.plan(alert)
    return evolve(alert, deadline_at=now + plan.grace), _held(plan, policy)


def _held(plan: Plan, policy: Policy) -> str:
    """How long an alert is held, in words, with the routes that say so when the policy has routes."""
    return (
        f"{humanize(plan.grace)} (route {', '.join(plan.routes)})" if policy.routes else humanize(plan.grace)
    )


_RESOLVED: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "state": AlertState.RESOLVED,
        "deadline_at": None,
        "muted_by": None,
        "inhibited_by": None,
        "muted_until": None,
        "muted_reason": None,
        "chain_next_at": None,
    }
)
"""What a resolved occurrence no longer has: timers and what held back its messages."""


def _unmatched_resolve(event: AlertEvent, now: datetime) -> Outcome:
    after = _first_seen(
        event, now, AlertState.RESOLVED, occurrence=0, resolved_at=now, resolution=Resolution.UNMATCHED
    )
    summary = "Resolve received for an alert that was never seen firing; recorded, nobody notified"
    return Outcome(after, (), entry(Action.RESOLVED, summary, None, after), changed=True)


def _resolved(record: AlertRecord, event: AlertEvent, now: datetime, policy: Policy) -> Outcome:
    by = f" by {event.actor}" if event.actor else ""
    if not record.is_open:
        after = evolve(record, last_seen_at=now)
        summary = f"Resolve received{by} for an alert already resolved; nothing to do"
        return Outcome(after, (), entry(Action.RESOLVED, summary, record, after), changed=False)

    if _same_or_older(event, record, strictly_older=True):
        summary = f"Resolve{by} for an earlier occurrence arrived late; ignored, the alert stays {record.state.value}"
        return ignored(Action.RESOLVED, summary, record, noteworthy=True)
    open_for = humanize(now - record.opened_at) if record.opened_at else "an unknown time"
    if record.state is AlertState.PENDING:
        resolution = Resolution.TRANSIENT
        plan = policy.plan(record)
        notifications = plan.notify(NotificationKind.TRANSIENT_RESOLVED, digest=plan.transient_digest)
        summary = f"Resolved{by} inside the grace window after {open_for}; nobody was paged"
        if notifications and plan.transient_digest:
            summary += "; collected into the digest"
    elif record.muted_until is not None and record.muted_reason == QUIET_HOURS:
        # Nobody was woken for it, but it was a real problem for a while: the digest tells the morning.
        resolution = Resolution.AFTER_ESCALATION
        notifications = policy.plan(record).notify(NotificationKind.RESOLVED, digest=True)
        summary = f"Resolved{by} after {open_for} during quiet hours; nobody was paged, noted in the digest"
    elif record.muted_by is not None or record.inhibited_by is not None or record.muted_until is not None:
        resolution = Resolution.AFTER_ESCALATION
        notifications = ()
        if record.muted_by is not None:
            why = f"silence #{record.muted_by}"
        else:
            why = (
                "inhibition"
                if record.inhibited_by is not None
                else (record.muted_reason or "a maintenance window")
            )
        summary = f"Resolved{by} after {open_for}; its escalation had been muted by {why}"
    elif record.escalated_at is not None and record.state is not AlertState.SUPPRESSED:
        resolution = Resolution.AFTER_ESCALATION
        notifications = policy.notify(NotificationKind.RESOLVED, record)
        summary = f"Resolved{by} after escalation; open for {open_for}"
    else:
        resolution = (
            Resolution.AFTER_ESCALATION if record.escalated_at is not None else Resolution.BEFORE_ESCALATION
        )
        notifications = ()
        summary = f"Resolved{by} while {record.state.value}; open for {open_for}; no message sent"
    changes = _refresh(record, event)
    changes.update(_RESOLVED)
    changes["resolved_at"] = changes["last_seen_at"] = now
    changes["resolution"] = resolution
    after = evolve_with(record, changes)
    return Outcome(after, notifications, entry(Action.RESOLVED, summary, record, after), changed=True)


def _deadline(record: AlertRecord, now: datetime, policy: Policy) -> Outcome:
    due = record.deadline_at
    if record.state is not AlertState.PENDING or due is None or now < due:
        summary = "Grace deadline checked; nothing due"
        return Outcome(record, (), entry(Action.DEADLINE_REACHED, summary, record, record), changed=False)
    after = evolve(record, state=AlertState.ESCALATED, escalated_at=now, deadline_at=None)
    open_for = humanize(now - record.opened_at) if record.opened_at else "its grace window"
    summary = f"Still firing after {open_for}: escalated"
    chain = policy.plan(record).chain
    if chain is not None:
        after, notifications = chain_start(chain, after, now)
        if after.chain_next_at is not None:
            summary += f"; next step of the escalation chain in {humanize(after.chain_next_at - now)} unless acknowledged"
    else:
        notifications = policy.notify(NotificationKind.ESCALATED, record)
    return Outcome(after, notifications, entry(Action.DEADLINE_REACHED, summary, record, after), changed=True)


def _acknowledged(record: AlertRecord, event: AlertEvent, now: datetime, policy: Policy) -> Outcome:
    by = event.actor or "an operator"
    if record.state is AlertState.ACKNOWLEDGED:
        summary = f"Acknowledged again by {by}; already acknowledged by {record.acknowledged_by or 'someone'}"
        return Outcome(record, (), entry(Action.ACKNOWLEDGED, summary, record, record), changed=False)
    if record.state not in (AlertState.PENDING, AlertState.ESCALATED):
        raise InvalidTransition(f"cannot acknowledge an alert that is {record.state.value}")
    after = evolve(
        record,
        state=AlertState.ACKNOWLEDGED,
        acknowledged_at=now,
        acknowledged_by=by,
        deadline_at=None,
        chain_next_at=None,
    )
    summary = f"Acknowledged by {by}" + ("" if record.escalated_at else "; escalation cancelled")
    paged = record.escalated_at is not None and not (
        record.muted_by is not None or record.inhibited_by is not None or record.muted_until is not None
    )
    # Pagers that were paged (PagerDuty, Opsgenie) mirror the acknowledgement; chat channels do not take it.
    notifications = policy.acknowledge(record) if paged else ()
    return Outcome(after, notifications, entry(Action.ACKNOWLEDGED, summary, record, after), changed=True)


def _suppressed(record: AlertRecord, event: AlertEvent, now: datetime) -> Outcome:
    by = event.actor or "an operator"
    if record.state is AlertState.SUPPRESSED:
        summary = f"Suppressed again by {by}; already suppressed"
        return Outcome(record, (), entry(Action.SUPPRESSED, summary, record, record), changed=False)
    if not record.is_open:
        raise InvalidTransition(f"cannot suppress an alert that is {record.state.value}")
    after = evolve(
        record, state=AlertState.SUPPRESSED, suppressed_at=now, deadline_at=None, chain_next_at=None
    )
    summary = f"Suppressed by {by} until it resolves; no messages will be sent"
    if event.note:
        summary += f" ({event.note})"
    return Outcome(after, (), entry(Action.SUPPRESSED, summary, record, after), changed=True)
