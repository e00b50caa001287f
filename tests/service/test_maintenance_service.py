"""A maintenance window from the configuration, through the store and the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from holdoff.settings import Settings
from tests.service.helpers import FakeClock, make_settings, outbox_rows
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

ROUTES = [
    {
        "name": "db",
        "match": '{team="db"}',
        "maintenance": [{"name": "patching", "cron": "0 2 * * SUN", "duration": "2h"}],
    }
]


def test_escalation_held_in_the_window_goes_out_once_it_ends(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    clock = FakeClock()
    clock.now = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # Sunday, inside the window
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, routes=ROUTES), clock=clock, run_workers=False
    )
    rt.start()
    try:
        applied = rt.mediator.apply(
            AlertEvent("coralogix", "db-1", Action.TRIGGERED, name="Lag", labels={"team": "db"})
        )
        clock.advance(600)
        assert rt.mediator.fire_due() == 1
        assert outbox_rows(rt) == []
        clock.now = datetime(2026, 11, 22, 4, 0, 1, tzinfo=UTC)
        assert rt.mediator.fire_due() == 1
        assert [(a, k) for a, k, _, _ in outbox_rows(rt)] == [(applied.alert_id, "escalated")] * 2
        clock.advance(60)
        assert rt.mediator.fire_due() == 0
    finally:
        rt.stop()


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"name": "w", "cron": "0 2 * *", "duration": "1h"}, "not a cron expression"),
        (
            {"name": "w", "cron": "0 2 * * SUN", "duration": "1h", "timezone": "Mars/Olympus"},
            "unknown time zone",
        ),
        ({"name": "w", "cron": "0 2 * * SUN", "duration": "8d"}, "at most 7 days"),
    ],
)
def test_bad_windows_are_refused_naming_the_problem(window: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(routes=[{"name": "db", "match": 'team="db"', "maintenance": [window]}])
