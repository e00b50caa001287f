"""What the core does when something that held an escalation back ends: a silence, an inhibiting alert,
a maintenance window or quiet hours; and the later steps of an escalation chain.

Each handler gets the alert as stored and returns the outcome: escalate now if the alert still fires
and was kept from escalating, otherwise just clear the marker.
"""

from __future__ import annotations

from datetime import datetime

from holdoff.mediate.chain import advance as chain_advance
from holdoff.mediate.durations import humanize
from holdoff.mediate.evolve import evolve
from holdoff.mediate.inhibit import IDENTITY_SEPARATOR
from holdoff.mediate.model import Action, AlertRecord, AlertState, NotificationKind, Outcome
from holdoff.mediate.policy import Policy
from holdoff.mediate.timeline import entry, ignored


def silence_ended(record: AlertRecord, policy: Policy) -> Outcome:
    silence_id = record.muted_by
    if silence_id is None:
        return ignored(
            Action.SILENCE_ENDED, "Silence ended; it had muted nothing here", record, noteworthy=False
        )
    after = evolve(record, muted_by=None)
    if record.state is not AlertState.ESCALATED:
        summary = f"Silence #{silence_id} ended; the alert is {record.state.value}, nothing to send"
        return Outcome(after, (), entry(Action.SILENCE_ENDED, summary, record, after), changed=True)
    summary = f"Silence #{silence_id} ended while the alert still fires: escalated now"
    notifications = policy.notify(NotificationKind.ESCALATED, record)
    return Outcome(after, notifications, entry(Action.SILENCE_ENDED, summary, record, after), changed=True)


def inhibition_ended(record: AlertRecord, policy: Policy) -> Outcome:
    source = record.inhibited_by
    if source is None:
        return ignored(
            Action.INHIBITION_ENDED, "Inhibition ended; it had muted nothing here", record, noteworthy=False
        )
    after = evolve(record, inhibited_by=None)
    shown = source.replace(IDENTITY_SEPARATOR, "/")
    if record.state is not AlertState.ESCALATED:
        summary = f"Inhibiting alert {shown} resolved; the alert is {record.state.value}, nothing to send"
        return Outcome(after, (), entry(Action.INHIBITION_ENDED, summary, record, after), changed=True)
    summary = f"Inhibiting alert {shown} resolved while this alert still fires: escalated now"
    notifications = policy.notify(NotificationKind.ESCALATED, record)
    return Outcome(after, notifications, entry(Action.INHIBITION_ENDED, summary, record, after), changed=True)


def maintenance_ended(record: AlertRecord, now: datetime, policy: Policy) -> Outcome:
    until = record.muted_until
    if until is None or now < until:
        return ignored(Action.MAINTENANCE_ENDED, "Maintenance check; nothing due", record, noteworthy=False)
    after = evolve(record, muted_until=None, muted_reason=None)
    what = (record.muted_reason or "maintenance window").capitalize()
    if record.state is not AlertState.ESCALATED:
        summary = f"{what} over; the alert is {record.state.value}, nothing to send"
        return Outcome(after, (), entry(Action.MAINTENANCE_ENDED, summary, record, after), changed=True)
    summary = f"{what} over while the alert still fires: escalated now"
    notifications = policy.notify(NotificationKind.ESCALATED, record)
    return Outcome(
        after, notifications, entry(Action.MAINTENANCE_ENDED, summary, record, after), changed=True
    )


def chain_step_due(record: AlertRecord, now: datetime, policy: Policy) -> Outcome:
    due = record.chain_next_at
    chain = policy.plan(record).chain
    if record.state is not AlertState.ESCALATED or due is None or now < due:
        return ignored(
            Action.CHAIN_STEP_DUE, "Escalation chain checked; nothing due", record, noteworthy=False
        )
    if chain is None:
        # The policy was reloaded without a chain for this alert: stop here.
        after = evolve(record, chain_next_at=None)
        summary = "Escalation chain removed from the policy; no further steps"
        return Outcome(after, (), entry(Action.CHAIN_STEP_DUE, summary, record, after), changed=True)
    after, notifications = chain_advance(chain, record, now)
    open_for = humanize(now - record.opened_at) if record.opened_at else "a while"
    step = after.chain_round * len(chain.steps) + after.chain_step + 1
    summary = f"Still firing after {open_for} and not acknowledged: escalation chain step {step}"
    if after.chain_next_at is None:
        summary += " (the last)"
    return Outcome(after, notifications, entry(Action.CHAIN_STEP_DUE, summary, record, after), changed=True)
