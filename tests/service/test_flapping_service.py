"""Flapping state survives the store, and the summary message is rendered and queued."""

from __future__ import annotations

from sqlalchemy import select

from holdoff.mediate.model import Action
from holdoff.notify.message import Message
from holdoff.notify.teams import build_card
from holdoff.runtime import Runtime
from holdoff.store.tables import notifications
from tests.service.helpers import FakeClock, make_settings, outbox_rows, trigger
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def test_a_flapping_alert_gets_three_transient_posts_then_one_summary(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    clock = FakeClock()
    settings = make_settings(
        database_url, teams_receiver, smtp_sink, flapping={"threshold": 3, "window": "30m"}
    )
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        for _ in range(6):  # a blip every 5 minutes
            rt.mediator.apply(trigger())
            clock.advance(60)
            rt.mediator.apply(trigger(action=Action.RESOLVED))
            clock.advance(240)
        assert [kind for _, kind, _, _ in outbox_rows(rt)] == ["transient_resolved"] * 3 + ["flapping"]
        with rt.db.read() as conn:
            stored = conn.execute(select(notifications.c.message).order_by(notifications.c.id.desc())).first()
        assert stored is not None
        message = Message.model_validate(stored.message)
        assert message.title.startswith("FLAPPING: CPU Spike cpu-1")
        card = build_card(message)
        assert card["body"][0]["inlines"][0]["color"] == "Warning"
    finally:
        rt.stop()
