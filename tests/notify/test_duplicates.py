"""A message sent twice (the process died between sending it and recording it) is harmless where the
channel allows it: the same email Message-ID, the same PagerDuty dedup_key, the same Opsgenie alias.

Each test kills the sender the way ``kill -9`` would, right after the channel delivered and before the
outbox recorded it; once the lease runs out, another sender claims the message again and sends it
again, against the local stand-ins on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import Channel, DeliveryResult
from holdoff.notify.email import EmailChannel
from holdoff.notify.message import Message
from holdoff.notify.opsgenie import OpsgenieChannel
from holdoff.notify.pagerduty import PagerDutyChannel
from holdoff.runtime import Runtime
from holdoff.service.sender import delivery_id
from holdoff.settings import Settings
from holdoff.store import outbox
from holdoff.store.tables import notifications
from tests.notify.samples import message
from tests.service.helpers import FakeClock
from tests.support.pager_receiver import (
    OpsgenieReceiver,
    PagerDutyReceiver,
    opsgenie_receiver,
    pagerduty_receiver,
)
from tests.support.smtp_sink import SmtpSink

_FIXTURES = (pagerduty_receiver, opsgenie_receiver)

LEASE_SECONDS = 30
PUBLIC_URL = "https://holdoff.example.test"


class Killed(BaseException):
    """Stands for kill -9: not an Exception, so nothing in the sender catches it or records anything."""


class DiesAfterSending:
    """A channel whose process dies right after its first send went out (later sends just go out)."""

    def __init__(self, inner: Channel) -> None:
        self.inner = inner
        self.name = inner.name
        self.kinds = inner.kinds
        self.rate_per_second = None
        self.sent: list[Message] = []

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        result = self.inner.send(message, ref)
        self.sent.append(message)
        if len(self.sent) == 1:
            assert result.ok, result.error
            raise Killed
        return result

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _runtime(database_url: str, tmp_path: Path, channel: Channel, clock: FakeClock) -> Runtime:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        public_url=PUBLIC_URL,
        lease_seconds=LEASE_SECONDS,
    )  # type: ignore[call-arg]
    return Runtime(settings, clock=clock, channels={channel.name: channel}, run_workers=False)


def _queue(rt: Runtime, channel: str, sent: Message, sequence: int = 0) -> None:
    with rt.db.transaction() as conn:
        row = outbox.row(
            occurrence=1,
            channel=channel,
            message=sent,
            now=rt.clock(),
            dedup_key=f"test:{sent.kind.value}:{sequence}:{channel}",
        )
        outbox.enqueue(conn, [row])


def _send_twice_with_a_crash_between(rt: Runtime, channel: DiesAfterSending, clock: FakeClock) -> None:
    """The first sender sends and dies; after the lease another claims the message and sends it again."""
    with pytest.raises(Killed):
        rt.sender.run_once()
    assert rt.sender.run_once() == 0  # still leased to the dead sender
    clock.advance(LEASE_SECONDS + 1)
    assert rt.sender.run_once() == 1
    with rt.db.read() as conn:
        assert conn.execute(select(notifications.c.status, notifications.c.attempts)).all() == [
            ("delivered", 1)
        ]
    assert len(channel.sent) == 2


@pytest.fixture
def runtime_for(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[object]:
    made: list[Runtime] = []

    def make(channel: Channel) -> Runtime:
        rt = _runtime(database_url, tmp_path, channel, clock)
        rt.start()
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.stop()


def test_an_email_sent_twice_carries_the_same_message_id_both_times(
    runtime_for: object, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    email = DiesAfterSending(
        EmailChannel(
            sender="holdoff@example.com",
            recipients=["oncall@example.com"],
            host="127.0.0.1",
            port=smtp_sink.port,
        )
    )
    rt = runtime_for(email)  # type: ignore[operator]
    _queue(rt, "email", message(NotificationKind.ESCALATED))

    _send_twice_with_a_crash_between(rt, email, clock)

    first, second = smtp_sink.wait_for(2)
    message_id = first.message["Message-ID"]
    assert message_id == second.message["Message-ID"]
    assert message_id.startswith("<holdoff.") and message_id.endswith(
        "@holdoff.local>"
    )  # the host of the message's link
    assert first.message["Subject"] == second.message["Subject"]


def test_two_different_messages_have_different_message_ids(runtime_for: object, smtp_sink: SmtpSink) -> None:
    email = EmailChannel(
        sender="holdoff@example.com", recipients=["oncall@example.com"], host="127.0.0.1", port=smtp_sink.port
    )
    rt = runtime_for(email)  # type: ignore[operator]
    _queue(rt, "email", message(NotificationKind.ESCALATED), sequence=1)
    _queue(rt, "email", message(NotificationKind.REMINDER), sequence=2)

    assert rt.sender.run_once() == 2

    ids = {mail.message["Message-ID"] for mail in smtp_sink.wait_for(2)}
    assert len(ids) == 2


def test_a_delivery_id_is_the_same_for_every_claim_of_one_row_and_differs_between_rows() -> None:
    queued = datetime(2026, 1, 14, 3, 0, 0, 123456, tzinfo=UTC)

    def claimed(row_id: int, created_at: datetime, attempts: int) -> outbox.Claimed:
        return outbox.Claimed(
            id=row_id, channel="email", message=message(), attempts=attempts, created_at=created_at
        )

    assert (
        delivery_id(claimed(7, queued, 0)) == delivery_id(claimed(7, queued, 3)) == "7.20260114030000123456"
    )
    assert delivery_id(claimed(8, queued, 0)) != delivery_id(claimed(7, queued, 0))
    # a fresh database that reuses id 7 later does not reuse the name
    assert delivery_id(claimed(7, queued + timedelta(days=30), 0)) != delivery_id(claimed(7, queued, 0))


def test_a_pagerduty_trigger_sent_twice_has_the_same_dedup_key_so_pagerduty_keeps_one_alert(
    runtime_for: object, pagerduty_receiver: PagerDutyReceiver, clock: FakeClock
) -> None:
    pager = DiesAfterSending(
        PagerDutyChannel(pagerduty_receiver.routing_key, events_url=pagerduty_receiver.url)
    )
    rt = runtime_for(pager)  # type: ignore[operator]
    _queue(rt, pager.name, message(NotificationKind.ESCALATED))

    _send_twice_with_a_crash_between(rt, pager, clock)

    first, second = pagerduty_receiver.wait_for(2)
    assert first.json == second.json  # the very same event, byte for byte
    assert (first.json["event_action"], first.json["dedup_key"]) == ("trigger", "holdoff-alert-42-1")
    assert list(pagerduty_receiver.alerts) == ["holdoff-alert-42-1"]  # one alert, triggered twice
    assert pagerduty_receiver.alerts["holdoff-alert-42-1"].events == ["trigger", "trigger"]


def test_the_pagerduty_dedup_key_is_the_same_for_every_message_about_one_alert(
    runtime_for: object, pagerduty_receiver: PagerDutyReceiver, clock: FakeClock
) -> None:
    pager = PagerDutyChannel(pagerduty_receiver.routing_key, events_url=pagerduty_receiver.url)
    rt = runtime_for(pager)  # type: ignore[operator]
    for sequence, kind in enumerate(
        (NotificationKind.ESCALATED, NotificationKind.REMINDER, NotificationKind.RESOLVED)
    ):
        _queue(rt, pager.name, message(kind), sequence)
        clock.advance(1)
        assert rt.sender.run_once() == 1

    requests = pagerduty_receiver.wait_for(3)
    assert [(r.json["event_action"], r.json["dedup_key"]) for r in requests] == [
        ("trigger", "holdoff-alert-42-1"),
        ("trigger", "holdoff-alert-42-1"),
        ("resolve", "holdoff-alert-42-1"),
    ]
    assert pagerduty_receiver.alerts["holdoff-alert-42-1"].status == "resolved"


def test_an_opsgenie_create_sent_twice_has_the_same_alias_so_opsgenie_keeps_one_alert(
    runtime_for: object, opsgenie_receiver: OpsgenieReceiver, clock: FakeClock
) -> None:
    genie = DiesAfterSending(OpsgenieChannel(opsgenie_receiver.api_key, api_url=opsgenie_receiver.url))
    rt = runtime_for(genie)  # type: ignore[operator]
    _queue(rt, genie.name, message(NotificationKind.ESCALATED))

    _send_twice_with_a_crash_between(rt, genie, clock)

    first, second = opsgenie_receiver.wait_for(2)
    assert (first.path, second.path) == ("/v2/alerts", "/v2/alerts")
    assert first.json == second.json
    assert first.json["alias"] == "holdoff-alert-42-1"
    assert list(opsgenie_receiver.alerts) == ["holdoff-alert-42-1"]  # one alert, created twice
    assert opsgenie_receiver.alerts["holdoff-alert-42-1"].events == ["create", "create"]
