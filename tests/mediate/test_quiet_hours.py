"""Quiet hours: only the severities a route lists page during them; other pages wait for the morning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.engine import decide
from holdoff.mediate.maintenance import MaintenanceWindow
from holdoff.mediate.model import Action, AlertEvent, AlertState, NotificationKind, Severity
from holdoff.mediate.policy import Policy
from holdoff.mediate.quiet import QUIET_HOURS, QuietHours

NIGHT = QuietHours(MaintenanceWindow("quiet hours", "0 22 * * *", timedelta(hours=9)))
POLICY = Policy(grace=timedelta(minutes=5), quiet_hours=NIGHT)
MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def alert(action: Action, severity: Severity | None) -> AlertEvent:
    return AlertEvent("alertmanager", f"disk-{severity}", action, name="DiskFilling", severity=severity)


def escalate(severity: Severity | None, at: datetime = MIDNIGHT):  # type: ignore[no-untyped-def]
    fired = decide(None, alert(Action.TRIGGERED, severity), at, POLICY)
    return decide(fired.alert, alert(Action.DEADLINE_REACHED, severity), at + timedelta(minutes=5), POLICY)


def test_a_warning_at_night_is_held_until_quiet_hours_end() -> None:
    escalated = escalate(Severity.WARNING)
    assert escalated.alert.state is AlertState.ESCALATED
    assert escalated.notifications == ()
    assert escalated.held == "quiet_hours"
    assert escalated.alert.muted_until == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert escalated.alert.muted_reason == QUIET_HOURS
    assert "quiet hours until 07:00 UTC" in escalated.timeline.summary
    morning = decide(
        escalated.alert,
        alert(Action.MAINTENANCE_ENDED, Severity.WARNING),
        datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        POLICY,
    )
    assert [n.kind for n in morning.notifications] == [NotificationKind.ESCALATED]
    assert morning.alert.muted_until is None and morning.alert.muted_reason is None
    assert morning.timeline.summary.startswith("Quiet hours over")


def test_critical_and_unknown_severity_page_at_night() -> None:
    for severity in (Severity.CRITICAL, None):
        escalated = escalate(severity)
        assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]
        assert escalated.alert.muted_until is None


def test_a_warning_in_the_day_pages_at_once() -> None:
    escalated = escalate(Severity.WARNING, datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]


def test_resolving_during_quiet_hours_goes_to_the_digest_not_lost() -> None:
    escalated = escalate(Severity.WARNING)
    resolved = decide(
        escalated.alert, alert(Action.RESOLVED, Severity.WARNING), MIDNIGHT + timedelta(hours=1), POLICY
    )
    assert resolved.alert.state is AlertState.RESOLVED
    assert [(n.kind, n.digest) for n in resolved.notifications] == [(NotificationKind.RESOLVED, True)]
    assert "noted in the digest" in resolved.timeline.summary


def test_transient_posts_still_go_out_at_night() -> None:
    fired = decide(None, alert(Action.TRIGGERED, Severity.WARNING), MIDNIGHT, POLICY)
    resolved = decide(
        fired.alert, alert(Action.RESOLVED, Severity.WARNING), MIDNIGHT + timedelta(minutes=1), POLICY
    )
    assert [(n.kind, n.digest) for n in resolved.notifications] == [
        (NotificationKind.TRANSIENT_RESOLVED, False)
    ]


def test_page_list_can_include_high() -> None:
    lenient = Policy(
        grace=timedelta(minutes=5),
        quiet_hours=QuietHours(NIGHT.window, frozenset({Severity.CRITICAL, Severity.HIGH})),
    )
    fired = decide(None, alert(Action.TRIGGERED, Severity.HIGH), MIDNIGHT, lenient)
    escalated = decide(
        fired.alert, alert(Action.DEADLINE_REACHED, Severity.HIGH), MIDNIGHT + timedelta(minutes=5), lenient
    )
    assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]
