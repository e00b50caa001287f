"""Rate limits queue messages per channel; a channel that keeps failing raises its own alert through the fallback."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from holdoff.mediate.model import Action
from holdoff.runtime import Runtime
from holdoff.store.tables import alerts, notifications
from tests.service.helpers import FakeClock, make_settings, trigger
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def test_teams_messages_wait_for_their_slot_at_4_per_second(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    rt = Runtime(make_settings(database_url, teams_receiver, smtp_sink), clock=clock, run_workers=False)
    rt.start()
    try:
        for n in range(3):
            rt.mediator.apply(trigger(f"cpu-{n}"))
            rt.mediator.apply(trigger(f"cpu-{n}", Action.RESOLVED))  # transient: one Teams post each
        assert rt.sender.run_once() == 3
        assert len(teams_receiver.wait_for(1)) == 1  # one sent, two queued behind it
        with rt.db.read() as conn:
            waits = (
                conn.execute(
                    select(notifications.c.next_attempt_at).where(notifications.c.status == "pending")
                )
                .scalars()
                .all()
            )
        assert sorted((w - clock.now).total_seconds() for w in waits) == [0.25, 0.25]
        assert rt.sender.run_once() == 0  # not yet due
        clock.advance(0.25)
        rt.sender.run_once()
        clock.advance(0.25)
        rt.sender.run_once()
        assert len(teams_receiver.wait_for(3)) == 3
        with rt.db.read() as conn:
            attempts = conn.execute(select(notifications.c.attempts)).scalars().all()
        assert attempts == [1, 1, 1]  # waiting for a slot is not an attempt
    finally:
        rt.stop()


def test_a_failing_channel_raises_an_alert_through_the_fallback_and_resolves_it(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(
        database_url, teams_receiver, smtp_sink, fallback_channel="email", channel_failure_threshold=2
    )
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        teams_receiver.fail_with(500)
        for n in range(2):
            rt.mediator.apply(trigger(f"cpu-{n}"))
            rt.mediator.apply(trigger(f"cpu-{n}", Action.RESOLVED))
            clock.advance(1)
            rt.sender.run_once()
        with rt.db.read() as conn:
            row = conn.execute(select(alerts).where(alerts.c.source == "holdoff")).mappings().one()
        assert (row["name"], row["labels"]["channel"], row["severity"]) == (
            "HoldoffChannelFailing",
            "teams",
            "critical",
        )
        assert "HTTP 500" in row["annotations"]["description"]
        assert rt.mediator.fire_due() >= 1  # no grace window for it
        for _ in range(3):
            clock.advance(1)
            rt.sender.run_once()
        mails = smtp_sink.wait_for(1)
        assert "HoldoffChannelFailing" in mails[0].message["Subject"]
        teams_receiver.recover()
        clock.advance(120)
        rt.sender.run_once()
        with rt.db.read() as conn:
            state = conn.execute(select(alerts.c.state).where(alerts.c.source == "holdoff")).scalar_one()
        assert state == "resolved"
    finally:
        rt.stop()


def test_the_fallback_must_be_a_known_channel(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    with pytest.raises(ValidationError, match="unknown channel 'pager'"):
        make_settings(database_url, teams_receiver, smtp_sink, fallback_channel="pager")
