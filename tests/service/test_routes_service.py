"""Routes from the configuration decide grace and channels in the running service."""

from __future__ import annotations

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from tests.service.helpers import FakeClock, make_settings, outbox_rows
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def test_a_route_escalates_its_alerts_sooner_and_only_where_it_says(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    clock = FakeClock()
    routes = [
        {"name": "db", "match": '{team="db"}', "grace": "1m", "channels": {"escalated": ["email"]}},
    ]
    settings = make_settings(database_url, teams_receiver, smtp_sink, routes=routes)
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        db = rt.mediator.apply(
            AlertEvent("coralogix", "db-1", Action.TRIGGERED, name="DB down", labels={"team": "db"})
        )
        web = rt.mediator.apply(
            AlertEvent("coralogix", "web-1", Action.TRIGGERED, name="Web slow", labels={"team": "web"})
        )
        clock.advance(60)
        assert rt.mediator.fire_due() == 1
        assert [(a, k, c) for a, k, c, _ in outbox_rows(rt)] == [(db.alert_id, "escalated", "email")]
        clock.advance(540)
        assert rt.mediator.fire_due() == 1
        assert [(a, c) for a, _, c, _ in outbox_rows(rt)][1:] == [
            (web.alert_id, "email"),
            (web.alert_id, "teams"),
        ]
    finally:
        rt.stop()
