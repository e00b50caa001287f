"""Inhibition through the store and the scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

from holdoff.mediate.model import Action, AlertEvent, AlertState
from holdoff.runtime import Runtime
from tests.service.helpers import FakeClock, make_settings, outbox_rows
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver

RULES = [
    {
        "name": "node-down",
        "source_match": '{alertname="NodeDown"}',
        "target_match": '{severity="warning"}',
        "equal": ["instance"],
    }
]


def event(
    name: str, instance: str, action: Action = Action.TRIGGERED, severity: str = "warning"
) -> AlertEvent:
    labels = {"alertname": name, "instance": instance, "severity": severity}
    return AlertEvent("alertmanager", f"{name}-{instance}", action, name=name, labels=labels)


def test_inhibited_target_escalates_once_its_source_resolves(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    clock = FakeClock()
    settings = make_settings(database_url, teams_receiver, smtp_sink, inhibit_rules=RULES)
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        node = rt.mediator.apply(event("NodeDown", "web-1", severity="critical"))
        disk = rt.mediator.apply(event("DiskSlow", "web-1"))
        other = rt.mediator.apply(event("DiskSlow", "web-2"))
        clock.advance(600)
        assert rt.mediator.fire_due() == 3
        escalated = {(a, c) for a, k, c, _ in outbox_rows(rt) if k == "escalated"}
        assert escalated == {
            (node.alert_id, "email"),
            (node.alert_id, "teams"),
            (other.alert_id, "email"),
            (other.alert_id, "teams"),
        }
        rt.mediator.apply(event("NodeDown", "web-1", Action.RESOLVED, severity="critical"))
        assert rt.mediator.fire_due() == 1  # the inhibition of DiskSlow on web-1 is over
        assert {(a, c) for a, k, c, _ in outbox_rows(rt) if a == disk.alert_id} == {
            (disk.alert_id, "email"),
            (disk.alert_id, "teams"),
        }
        assert rt.mediator.fire_due() == 0
        detail = rt.mediator.apply(event("DiskSlow", "web-1"))
        assert detail.state is AlertState.ESCALATED
    finally:
        rt.stop()
