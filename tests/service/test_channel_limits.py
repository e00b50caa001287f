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
        decided = clock.now
        assert rt.sender.run_once() == 1  # one sent; two wait in the outbox, untouched
        assert len(teams_receiver.wait_for(1)) == 1
        with rt.db.read() as conn:
            waiting = conn.execute(
                select(notifications.c.next_attempt_at, notifications.c.attempts, notifications.c.lease_owner)
                .where(notifications.c.status == "pending")
                .order_by(notifications.c.id)
            ).all()
        assert [tuple(row) for row in waiting] == [(decided, 0, None), (decided, 0, None)]
        assert rt.sender.run_once() == 0  # the next slot has not come
        clock.advance(0.25)
        assert rt.sender.run_once() == 1
        assert rt.sender.run_once() == 0
        clock.advance(0.25)
        assert rt.sender.run_once() == 1
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


def test_a_waiting_channel_does_not_hold_up_the_others_and_each_keeps_its_order(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    rt = Runtime(make_settings(database_url, teams_receiver, smtp_sink), clock=clock, run_workers=False)
    rt.start()
    try:
        rt.mediator.apply(trigger("disk-1"))
        clock.advance(601)
        rt.mediator.fire_due()  # escalated: one email, one Teams post
        for n in range(3):  # three transients: three more Teams posts, behind the 4/s limit
            rt.mediator.apply(trigger(f"blip-{n}"))
            rt.mediator.apply(trigger(f"blip-{n}", Action.RESOLVED))
        assert rt.sender.run_once() == 2  # the email, and the oldest Teams post
        rt.mediator.apply(trigger("disk-1", Action.RESOLVED))  # resolved: one email, one Teams post
        assert rt.sender.run_once() == 1  # the email goes out although Teams has posts waiting
        assert len(smtp_sink.wait_for(2)) == 2
        for _ in range(4):
            assert rt.sender.run_once() == 0
            clock.advance(0.25)
            assert rt.sender.run_once() == 1
        posts = teams_receiver.wait_for(5)
        texts = [post.body.decode() for post in posts]
        order = [
            next(name for name in ("blip-0", "blip-1", "blip-2", "disk-1") if name in text) for text in texts
        ]
        assert order == ["disk-1", "blip-0", "blip-1", "blip-2", "disk-1"]  # oldest first
    finally:
        rt.stop()


def test_messages_for_a_channel_no_longer_configured_are_recorded_as_not_sent(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    first = Runtime(make_settings(database_url, teams_receiver, smtp_sink), clock=clock, run_workers=False)
    first.start()
    try:
        first.mediator.apply(trigger("blip"))
        first.mediator.apply(trigger("blip", Action.RESOLVED))  # one Teams post, not sent yet
    finally:
        first.stop()
    # Restarted without Teams: the message is picked up once and its failure says why.
    settings = make_settings(database_url, teams_receiver, smtp_sink, teams_webhook_url=None)
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        assert rt.sender.run_once() == 1
        with rt.db.read() as conn:
            status = conn.execute(select(notifications.c.status)).scalar_one()
        assert status == "failed"
        assert teams_receiver.requests == []
    finally:
        rt.stop()


def test_two_processes_share_a_channel_rate_limit(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink)
    one = Runtime(settings, clock=clock, run_workers=False)
    two = Runtime(settings, clock=clock, run_workers=False)
    one.start()
    two.start()
    try:
        for n in range(3):
            one.mediator.apply(trigger(f"blip-{n}"))
            one.mediator.apply(trigger(f"blip-{n}", Action.RESOLVED))
        assert one.sender.run_once() == 1
        assert two.sender.run_once() == 0  # the other process sent through Teams this very moment
        clock.advance(0.25)
        assert two.sender.run_once() == 1
        assert one.sender.run_once() == 0
        clock.advance(0.25)
        assert one.sender.run_once() + two.sender.run_once() == 1
        assert len(teams_receiver.wait_for(3)) == 3
    finally:
        two.stop()
        one.stop()
