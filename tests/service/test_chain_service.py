"""An escalation chain from the configuration: every step queued once, by the scheduler, until acknowledged."""

from __future__ import annotations

from holdoff.mediate.model import Action, AlertEvent
from holdoff.runtime import Runtime
from tests.service.helpers import FakeClock, make_settings, outbox_rows
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

ROUTES = [
    {
        "name": "db",
        "match": '{team="db"}',
        "escalation": {
            "steps": [{"channels": ["email"], "wait": "5m"}, {"channels": ["teams"], "wait": "5m"}],
            "repeat": 2,
        },
    }
]


def test_chain_steps_are_queued_once_each_and_stop_at_the_acknowledgement(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    clock = FakeClock()
    rt = Runtime(
        make_settings(database_url, teams_receiver, smtp_sink, routes=ROUTES), clock=clock, run_workers=False
    )
    rt.start()
    try:
        applied = rt.mediator.apply(
            AlertEvent("coralogix", "db-1", Action.TRIGGERED, name="Lag", labels={"team": "db"})
        )
        clock.advance(600)
        rt.mediator.fire_due()
        assert [(k, c) for _, k, c, _ in outbox_rows(rt)] == [("escalated", "email")]
        clock.advance(300)
        assert rt.mediator.fire_due() == 1
        assert rt.mediator.fire_due() == 0  # the same step is not queued twice
        assert [(k, c) for _, k, c, _ in outbox_rows(rt)][1:] == [("reminder", "teams")]
        rt.mediator.apply_to(applied.alert_id, Action.ACKNOWLEDGED, actor="dana")
        clock.advance(3600)
        assert rt.mediator.fire_due() == 0
        assert len(outbox_rows(rt)) == 2
    finally:
        rt.stop()
