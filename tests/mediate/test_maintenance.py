"""Maintenance windows on routes: escalations held back during the window, sent when it ends if still firing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.engine import decide
from holdoff.mediate.maintenance import MaintenanceWindow
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertState, NotificationKind
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route

SUNDAY_2AM = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # a Sunday
WINDOW = MaintenanceWindow("patching", "0 2 * * SUN", timedelta(hours=2))
POLICY = Policy(
    grace=timedelta(minutes=10),
    routes=(Route("db", parse_matchers('{team="db"}'), maintenance=(WINDOW,)),),
)


def db(action: Action) -> AlertEvent:
    return AlertEvent("coralogix", "db-1", action, name="Replica lag", labels={"team": "db"})


def test_window_bounds_follow_the_cron_and_duration() -> None:
    assert WINDOW.active_until(SUNDAY_2AM - timedelta(minutes=1)) is None
    assert WINDOW.active_until(SUNDAY_2AM) == SUNDAY_2AM + timedelta(hours=2)
    assert WINDOW.active_until(SUNDAY_2AM + timedelta(hours=2)) is None
    assert WINDOW.active_until(SUNDAY_2AM + timedelta(days=1, minutes=30)) is None


def test_window_in_a_local_time_zone_follows_daylight_saving() -> None:
    berlin = MaintenanceWindow("nightly", "0 2 * * *", timedelta(hours=1), "Europe/Berlin")
    summer = datetime(2026, 7, 1, 0, 30, tzinfo=UTC)  # 02:30 CEST
    winter = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert berlin.active_until(summer) == datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
    assert berlin.active_until(winter) == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


def test_escalation_inside_the_window_is_held_back_then_sent_when_it_ends() -> None:
    fired = decide(None, db(Action.TRIGGERED), SUNDAY_2AM + timedelta(minutes=5), POLICY)
    escalated = decide(fired.alert, db(Action.DEADLINE_REACHED), SUNDAY_2AM + timedelta(minutes=15), POLICY)
    assert escalated.alert.state is AlertState.ESCALATED
    assert escalated.notifications == ()
    assert escalated.alert.muted_until == SUNDAY_2AM + timedelta(hours=2)
    assert "maintenance window patching until 04:00 UTC" in escalated.timeline.summary
    early = decide(escalated.alert, db(Action.MAINTENANCE_ENDED), SUNDAY_2AM + timedelta(hours=1), POLICY)
    assert not early.changed
    over = decide(escalated.alert, db(Action.MAINTENANCE_ENDED), SUNDAY_2AM + timedelta(hours=2), POLICY)
    assert [n.kind for n in over.notifications] == [NotificationKind.ESCALATED]
    assert over.alert.muted_until is None


def test_resolved_inside_the_window_pages_nobody() -> None:
    fired = decide(None, db(Action.TRIGGERED), SUNDAY_2AM, POLICY)
    escalated = decide(fired.alert, db(Action.DEADLINE_REACHED), SUNDAY_2AM + timedelta(minutes=10), POLICY)
    resolved = decide(escalated.alert, db(Action.RESOLVED), SUNDAY_2AM + timedelta(minutes=50), POLICY)
    assert resolved.notifications == ()
    assert resolved.alert.muted_until is None


def test_alerts_of_other_routes_and_outside_the_window_page_as_usual() -> None:
    other = AlertEvent("coralogix", "web-1", Action.TRIGGERED, name="Slow", labels={"team": "web"})
    fired = decide(None, other, SUNDAY_2AM, POLICY)
    out = decide(
        fired.alert,
        AlertEvent("coralogix", "web-1", Action.DEADLINE_REACHED),
        SUNDAY_2AM + timedelta(minutes=10),
        POLICY,
    )
    assert [n.kind for n in out.notifications] == [NotificationKind.ESCALATED]
    tuesday = SUNDAY_2AM + timedelta(days=2)
    fired = decide(None, db(Action.TRIGGERED), tuesday, POLICY)
    out = decide(fired.alert, db(Action.DEADLINE_REACHED), tuesday + timedelta(minutes=10), POLICY)
    assert [n.kind for n in out.notifications] == [NotificationKind.ESCALATED]
