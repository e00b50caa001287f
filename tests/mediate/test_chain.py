"""Escalation chains: steps until someone acknowledges, repeated rounds, durable step timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.chain import ChainStep, EscalationChain
from holdoff.mediate.engine import decide
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, AlertState, NotificationKind, Outcome
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
CHAIN = EscalationChain(
    (ChainStep(("email",), timedelta(minutes=5)), ChainStep(("teams",), timedelta(minutes=10))), repeat=2
)
POLICY = Policy(
    grace=timedelta(minutes=10), routes=(Route("db", parse_matchers('{team="db"}'), chain=CHAIN),)
)


def event(action: Action, **kw: object) -> AlertEvent:
    return AlertEvent("coralogix", "db-1", action, name="Replica lag", labels={"team": "db"}, **kw)  # type: ignore[arg-type]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def escalated() -> Outcome:
    fired = decide(None, event(Action.TRIGGERED), T0, POLICY)
    return decide(fired.alert, event(Action.DEADLINE_REACHED), at(10), POLICY)


def sent(outcome: Outcome) -> list[tuple[NotificationKind, tuple[str, ...], int]]:
    return [(n.kind, n.channels, n.sequence) for n in outcome.notifications]


def step(record: AlertRecord, minute: float) -> Outcome:
    return decide(record, event(Action.CHAIN_STEP_DUE), at(minute), POLICY)


def test_escalation_goes_to_the_first_step_and_schedules_the_next() -> None:
    out = escalated()
    assert sent(out) == [(NotificationKind.ESCALATED, ("email",), 0)]
    assert out.alert.chain_next_at == at(15)
    assert "next step of the escalation chain in 5m" in out.timeline.summary


def test_unacknowledged_alert_walks_the_chain_for_the_given_rounds() -> None:
    record = escalated().alert
    history = []
    minute = 10.0
    while record.chain_next_at is not None:
        minute = (record.chain_next_at - T0).total_seconds() / 60
        early = step(record, minute - 1)
        assert not early.changed
        out = step(record, minute)
        history.append((minute, sent(out)))
        record = out.alert
    assert history == [
        (15, [(NotificationKind.REMINDER, ("teams",), 1)]),
        (25, [(NotificationKind.REMINDER, ("email",), 2)]),
        (30, [(NotificationKind.REMINDER, ("teams",), 3)]),
    ]
    assert record.chain_next_at is None


def test_acknowledgement_during_a_wait_stops_the_chain() -> None:
    record = escalated().alert
    acked = decide(record, event(Action.ACKNOWLEDGED, actor="bob"), at(12), POLICY)
    assert acked.alert.chain_next_at is None
    late = step(acked.alert, 15)
    assert not late.changed and late.notifications == ()


def test_resolution_ends_the_chain() -> None:
    record = escalated().alert
    resolved = decide(record, event(Action.RESOLVED), at(13), POLICY)
    assert resolved.alert.state is AlertState.RESOLVED
    assert resolved.alert.chain_next_at is None


def test_a_new_occurrence_starts_the_chain_from_the_first_step() -> None:
    record = step(escalated().alert, 15).alert
    resolved = decide(record, event(Action.RESOLVED), at(16), POLICY).alert
    fired = decide(resolved, event(Action.TRIGGERED), at(40), POLICY).alert
    again = decide(fired, event(Action.DEADLINE_REACHED), at(50), POLICY)
    assert sent(again) == [(NotificationKind.ESCALATED, ("email",), 0)]
    assert again.alert.chain_round == 0 and again.alert.chain_step == 0


def test_routes_without_a_chain_escalate_once() -> None:
    fired = decide(None, AlertEvent("coralogix", "web", Action.TRIGGERED, name="Slow"), T0, POLICY)
    out = decide(fired.alert, AlertEvent("coralogix", "web", Action.DEADLINE_REACHED), at(10), POLICY)
    assert out.alert.chain_next_at is None
    assert [n.kind for n in out.notifications] == [NotificationKind.ESCALATED]
