"""Flapping: transient messages of a flapping alert collapse into one summary per period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.engine import decide
from holdoff.mediate.flapping import FlapPolicy
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, NotificationKind, Outcome
from holdoff.mediate.policy import Policy

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
POLICY = Policy(
    grace=timedelta(minutes=10),
    flapping=FlapPolicy(threshold=3, window=timedelta(minutes=30), period=timedelta(hours=1)),
)


def event(action: Action) -> AlertEvent:
    return AlertEvent("alertmanager", "fp", action, name="DiskLatency")


def blip(record: AlertRecord | None, minute: float, policy: Policy = POLICY) -> tuple[Outcome, Outcome]:
    """Fire at ``minute`` and clear a minute later, inside the grace window."""
    fired = decide(record, event(Action.TRIGGERED), T0 + timedelta(minutes=minute), policy)
    cleared = decide(fired.alert, event(Action.RESOLVED), T0 + timedelta(minutes=minute + 1), policy)
    return fired, cleared


def kinds(outcome: Outcome) -> list[NotificationKind]:
    return [n.kind for n in outcome.notifications]


def test_blips_below_the_threshold_each_get_their_transient_message() -> None:
    _, first = blip(None, 0)
    _, second = blip(first.alert, 5)
    _, third = blip(second.alert, 10)
    assert [kinds(o) for o in (first, second, third)] == [[NotificationKind.TRANSIENT_RESOLVED]] * 3
    assert third.alert.flapping_since is None


def test_the_third_retrigger_makes_it_flapping_and_sends_one_summary_per_period() -> None:
    record = None
    sent: list[list[NotificationKind]] = []
    for minute in range(0, 60, 5):  # a blip every 5 minutes for an hour
        _, cleared = blip(record, minute)
        record = cleared.alert
        sent.append(kinds(cleared))
    assert sent[:3] == [[NotificationKind.TRANSIENT_RESOLVED]] * 3
    assert sent[3] == [NotificationKind.FLAPPING]
    assert all(s == [] for s in sent[4:])
    assert record is not None and record.flapping_since == T0 + timedelta(minutes=15)
    # An hour after the summary, the next blip brings the next summary.
    _, later = blip(record, 76)
    assert kinds(later) == [NotificationKind.FLAPPING]
    assert "one summary message instead" in later.timeline.summary


def test_a_flapping_alert_that_stays_broken_still_escalates_and_resolves_loudly() -> None:
    record = None
    for minute in range(0, 20, 5):
        _, cleared = blip(record, minute)
        record = cleared.alert
    fired = decide(record, event(Action.TRIGGERED), T0 + timedelta(minutes=20), POLICY)
    escalated = decide(fired.alert, event(Action.DEADLINE_REACHED), T0 + timedelta(minutes=30), POLICY)
    assert kinds(escalated) == [NotificationKind.ESCALATED]
    resolved = decide(escalated.alert, event(Action.RESOLVED), T0 + timedelta(minutes=40), POLICY)
    assert kinds(resolved) == [NotificationKind.RESOLVED]


def test_quiet_for_a_whole_window_makes_it_stable_again() -> None:
    record = None
    for minute in range(0, 20, 5):
        _, cleared = blip(record, minute)
        record = cleared.alert
    assert record is not None and record.flapping_since is not None
    _, after_quiet = blip(record, 15 + 31 + 1)
    assert after_quiet.alert.flapping_since is None
    assert kinds(after_quiet) == [NotificationKind.TRANSIENT_RESOLVED]


def test_flapping_detection_can_be_turned_off() -> None:
    off = Policy(grace=timedelta(minutes=10), flapping=FlapPolicy(threshold=0))
    record = None
    for minute in range(0, 60, 5):
        _, cleared = blip(record, minute, off)
        record = cleared.alert
        assert kinds(cleared) == [NotificationKind.TRANSIENT_RESOLVED]
