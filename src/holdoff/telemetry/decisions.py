"""Which :class:`~holdoff.telemetry.metrics.Decision` an outcome of the core counts as.

An event counts under the change of state it made (held, escalated, transient) and under the reason
its messages were held back, if any (silenced, inhibited, dropped ...): an escalation muted by a silence
counts once as ``escalated`` and once as ``silenced``. Events that changed nothing count under neither.
The classification is pure (:func:`decisions`); :func:`record_decisions` counts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from holdoff.mediate.model import AlertEvent, AlertState, NotificationKind, Outcome, Resolution
from holdoff.telemetry.metrics import Decision, Telemetry

HELD_BACK = {decision.value: decision for decision in Decision}
"""The core's ``Outcome.held`` reasons, each a decision of the same name."""


def decisions(outcome: Outcome) -> tuple[Decision, ...]:
    """The decisions one outcome counts as (none, one, or a state change and a hold-back reason)."""
    found: tuple[Decision, ...] = ()
    if outcome.changed:
        before, after = outcome.timeline.state_before, outcome.timeline.state_after
        if after is not before:
            if after is AlertState.PENDING:
                found = (Decision.HELD,)
            elif after is AlertState.ESCALATED:
                found = (Decision.ESCALATED,)
            elif after is AlertState.RESOLVED and outcome.alert.resolution is Resolution.TRANSIENT:
                found = (Decision.TRANSIENT,)
    reason = HELD_BACK.get(outcome.held) if outcome.held is not None else None
    return (*found, reason) if reason is not None else found


def correlated_updates(rows: Iterable[Mapping[str, Any]]) -> int:
    """How many CORRELATED updates these outbox rows hold (one per incident update, however many
    channels it goes to: the rows of one update share the dedup key but for its channel)."""
    kind = NotificationKind.CORRELATED.value
    return len({str(row["dedup_key"]).rsplit(":", 1)[0] for row in rows if row["kind"] == kind})


def record_decisions(
    telemetry: Telemetry, outcomes: Iterable[Outcome], outbox_rows: Sequence[Mapping[str, Any]]
) -> None:
    """Count what one transaction of the mediation decided: each outcome's decisions, and the
    CORRELATED updates among the messages it queued."""
    for outcome in outcomes:
        for decision in decisions(outcome):
            telemetry.decided(decision)
    if outbox_rows and (correlated := correlated_updates(outbox_rows)):
        telemetry.decided(Decision.CORRELATED, correlated)


def record_accepted(telemetry: Telemetry, events: Iterable[AlertEvent]) -> None:
    """Count alert events committed, by source."""
    for event in events:
        telemetry.accepted(event.source)
