"""Silences through the real store and scheduler, on SQLite and PostgreSQL, with an injected clock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertState
from holdoff.runtime import Runtime
from holdoff.service.silences import SilenceRejected, SilenceSpec
from tests.service.helpers import FakeClock, make_settings, outbox_rows, trigger
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def spec(clock: FakeClock, minutes: float = 30, text: str = '{alertname="CPU Spike cpu-1"}') -> SilenceSpec:
    return SilenceSpec(
        parse_matchers(text), None, clock() + timedelta(minutes=minutes), "alice", "maintenance"
    )


def test_muted_escalation_goes_out_once_when_the_silence_expires(runtime: Runtime, clock: FakeClock) -> None:
    runtime.silences.create(spec(clock, minutes=30))
    applied = runtime.mediator.apply(trigger())
    clock.advance(600)
    assert runtime.mediator.fire_due() == 1
    assert outbox_rows(runtime) == []
    clock.advance(15 * 60)  # 25 minutes in: still inside the 30-minute silence
    assert runtime.mediator.fire_due() == 0
    clock.advance(11 * 60)  # the silence has ended
    assert runtime.mediator.fire_due() == 1
    assert [(a, k, c) for a, k, c, _ in outbox_rows(runtime)] == [
        (applied.alert_id, "escalated", "email"),
        (applied.alert_id, "escalated", "teams"),
    ]
    clock.advance(60)
    assert runtime.mediator.fire_due() == 0
    assert len(outbox_rows(runtime)) == 2


def test_lifting_a_silence_escalates_what_it_muted(runtime: Runtime, clock: FakeClock) -> None:
    created = runtime.silences.create(spec(clock, minutes=120))
    runtime.mediator.apply(trigger())
    clock.advance(600)
    runtime.mediator.fire_due()
    expired = runtime.silences.expire(created.silence.id)
    assert expired.silence.ends_at == clock()
    assert runtime.mediator.fire_due() == 1
    assert len(outbox_rows(runtime)) == 2


def test_resolved_before_the_silence_ends_nothing_is_sent(runtime: Runtime, clock: FakeClock) -> None:
    runtime.silences.create(spec(clock, minutes=30))
    runtime.mediator.apply(trigger())
    clock.advance(600)
    runtime.mediator.fire_due()
    resolved = runtime.mediator.apply(trigger(action=Action.RESOLVED))
    assert resolved.state is AlertState.RESOLVED
    clock.advance(3600)
    runtime.mediator.fire_due()
    assert outbox_rows(runtime) == []


def test_two_schedulers_process_a_silence_end_once(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink)
    runtimes = [Runtime(settings, clock=clock, run_workers=False) for _ in range(2)]
    for rt in runtimes:
        rt.start()
    try:
        runtimes[0].silences.create(spec(clock, minutes=30, text='{source="coralogix"}'))
        for n in range(20):
            runtimes[n % 2].mediator.apply(trigger(f"a-{n}"))
        clock.advance(600)
        runtimes[0].mediator.fire_due()
        assert outbox_rows(runtimes[0]) == []
        clock.advance(31 * 60)
        barrier = threading.Barrier(2)

        def fire(rt: Runtime) -> None:
            barrier.wait()
            rt.mediator.fire_due()

        threads = [threading.Thread(target=fire, args=(rt,)) for rt in runtimes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        rows = outbox_rows(runtimes[0])
        assert len(rows) == 40
        assert len({(a, c) for a, _, c, _ in rows}) == 40
    finally:
        for rt in runtimes:
            rt.stop()


@pytest.mark.parametrize(
    ("text", "minutes", "message"),
    [
        ('{x=~".*"}', 30, "match every alert"),
        ('{alertname="x"}', -5, "in the past"),
        ('{alertname="x"}', 400 * 24 * 60, "366 days"),
    ],
)
def test_silences_that_cannot_work_are_refused(
    runtime: Runtime, clock: FakeClock, text: str, minutes: float, message: str
) -> None:
    with pytest.raises(SilenceRejected, match=message):
        runtime.silences.create(spec(clock, minutes=minutes, text=text))
