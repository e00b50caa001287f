"""The real core, store and outbox on SQLite and PostgreSQL, driven by an injected clock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from holdoff.mediate.model import Action, AlertEvent, AlertState, Resolution
from holdoff.runtime import Runtime
from holdoff.store import outbox
from holdoff.store.tables import alert_events, delivery_attempts, notifications
from tests.service.helpers import FakeClock, make_settings, outbox_rows, trigger
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def test_escalation_is_stored_with_its_outbox_rows_and_delivered(
    runtime: Runtime, clock: FakeClock, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink
) -> None:
    applied = runtime.mediator.apply(trigger())
    assert applied.state is AlertState.PENDING
    clock.advance(599)
    assert runtime.mediator.fire_due() == 0
    clock.advance(1)
    assert runtime.mediator.fire_due() == 1
    assert outbox_rows(runtime) == [
        (applied.alert_id, "escalated", "email", "pending"),
        (applied.alert_id, "escalated", "teams", "pending"),
    ]
    assert runtime.sender.run_once() == 2
    assert [row[3] for row in outbox_rows(runtime)] == ["delivered", "delivered"]
    assert len(teams_receiver.wait_for(1)) == 1
    (mail,) = smtp_sink.wait_for(1)
    assert "CPU Spike cpu-1" in mail.message["Subject"]
    assert runtime.mediator.fire_due() == 0


def test_transient_resolution_queues_teams_only(runtime: Runtime, clock: FakeClock) -> None:
    applied = runtime.mediator.apply(trigger())
    clock.advance(90)
    resolved = runtime.mediator.apply(trigger(action=Action.RESOLVED))
    assert resolved.resolution is Resolution.TRANSIENT
    assert outbox_rows(runtime) == [(applied.alert_id, "transient_resolved", "teams", "pending")]
    clock.advance(600)
    assert runtime.mediator.fire_due() == 0


def test_state_change_and_outbox_roll_back_together(
    runtime: Runtime, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied = runtime.mediator.apply(trigger())
    clock.advance(600)

    def broken_enqueue(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("disk full")

    monkeypatch.setattr(outbox, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError, match="disk full"):
        runtime.mediator.fire_due()
    with runtime.db.read() as conn:
        from holdoff.store import alerts as alert_store

        stored = alert_store.get(conn, applied.alert_id)
        assert stored is not None and stored.record.state is AlertState.PENDING
        assert conn.execute(select(func.count()).select_from(alert_events)).scalar() == 1
    assert outbox_rows(runtime) == []
    monkeypatch.undo()
    assert runtime.mediator.fire_due() == 1
    assert len(outbox_rows(runtime)) == 2


def test_failed_delivery_is_retried_with_backoff_and_every_attempt_recorded(
    runtime: Runtime, clock: FakeClock, teams_receiver: TeamsReceiver
) -> None:
    teams_receiver.fail_with(500, count=2)
    runtime.mediator.apply(trigger())
    runtime.mediator.apply(trigger(action=Action.RESOLVED))
    assert runtime.sender.run_once() == 1  # HTTP 500: retry in ~2 s
    assert runtime.sender.run_once() == 0  # not due yet
    clock.advance(2.5)
    assert runtime.sender.run_once() == 1  # second 500: retry in ~4 s
    clock.advance(2.5)
    assert runtime.sender.run_once() == 0
    clock.advance(2)
    assert runtime.sender.run_once() == 1
    assert len(teams_receiver.received) == 1
    with runtime.db.read() as conn:
        attempts = conn.execute(
            select(delivery_attempts.c.ok, delivery_attempts.c.status_code).order_by(delivery_attempts.c.id)
        ).all()
    assert [tuple(a) for a in attempts] == [(False, 500), (False, 500), (True, 202)]
    assert outbox_rows(runtime)[0][3] == "delivered"


def test_http_400_is_not_retried_and_marked_failed(
    runtime: Runtime, clock: FakeClock, teams_receiver: TeamsReceiver
) -> None:
    teams_receiver.fail_with(400, count=5)
    runtime.mediator.apply(trigger())
    runtime.mediator.apply(trigger(action=Action.RESOLVED))
    assert runtime.sender.run_once() == 1
    clock.advance(3600)
    assert runtime.sender.run_once() == 0
    assert outbox_rows(runtime)[0][3] == "failed"
    assert len(teams_receiver.requests) == 1


def test_delivery_gives_up_after_the_give_up_age(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink, give_up_after_seconds=10)
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        teams_receiver.fail_with(503, count=100)
        rt.mediator.apply(trigger())
        rt.mediator.apply(trigger(action=Action.RESOLVED))
        for _ in range(10):
            rt.sender.run_once()
            clock.advance(5)
        assert outbox_rows(rt)[0][3] == "failed"
        with rt.db.read() as conn:
            last_error = conn.execute(select(notifications.c.last_error)).scalar_one()
        assert "503" in last_error
    finally:
        rt.stop()


def test_a_claimed_message_is_not_claimed_again_until_its_lease_expires(
    runtime: Runtime, clock: FakeClock
) -> None:
    runtime.mediator.apply(trigger())
    runtime.mediator.apply(trigger(action=Action.RESOLVED))
    lease = timedelta(seconds=30)
    with runtime.db.transaction() as conn:
        first = outbox.claim(conn, owner="dead-process", now=clock(), lease=lease, limit=10)
    assert len(first) == 1
    with runtime.db.transaction() as conn:
        assert outbox.claim(conn, owner="other", now=clock(), lease=lease, limit=10) == []
    clock.advance(31)
    assert runtime.sender.run_once() == 1
    assert outbox_rows(runtime)[0][3] == "delivered"


def test_operator_actions_by_id(runtime: Runtime, clock: FakeClock) -> None:
    applied = runtime.mediator.apply(trigger())
    acked = runtime.mediator.apply_to(applied.alert_id, Action.ACKNOWLEDGED, actor="alice")
    assert acked.state is AlertState.ACKNOWLEDGED
    clock.advance(700)
    assert runtime.mediator.fire_due() == 0
    assert outbox_rows(runtime) == []


def test_missing_channel_is_named_in_the_timeline(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink, email_to=[], email_from=None)
    rt = Runtime(settings, clock=clock, run_workers=False)
    rt.start()
    try:
        rt.mediator.apply(trigger())
        clock.advance(600)
        assert rt.mediator.fire_due() == 1
        assert [row[2] for row in outbox_rows(rt)] == ["teams"]
        with rt.db.read() as conn:
            summaries = (
                conn.execute(select(alert_events.c.summary).order_by(alert_events.c.id)).scalars().all()
            )
        assert "not sent, channel not configured: email" in summaries[-1]
    finally:
        rt.stop()


def test_concurrent_schedulers_fire_each_deadline_once(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink)
    runtimes = [Runtime(settings, clock=clock, run_workers=False) for _ in range(3)]
    for rt in runtimes:
        rt.start()
    try:
        for i in range(60):
            runtimes[i % 3].mediator.apply(trigger(f"alert-{i}"))
        clock.advance(600)
        fired: list[int] = []
        barrier = threading.Barrier(3)

        def fire(rt: Runtime) -> None:
            barrier.wait()
            total = 0
            while True:
                done = rt.mediator.fire_due(limit=5)
                total += done
                if done == 0:
                    break
            fired.append(total)

        threads = [threading.Thread(target=fire, args=(rt,)) for rt in runtimes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sum(fired) == 60
        rows = outbox_rows(runtimes[0])
        assert len(rows) == 120
        assert len({(alert_id, channel) for alert_id, _, channel, _ in rows}) == 120
    finally:
        for rt in runtimes:
            rt.stop()


def test_webhooks_committed_together_apply_their_events_in_order(runtime: Runtime) -> None:
    existing = runtime.mediator.apply(trigger("old"))
    results = runtime.mediator.apply_groups(
        [
            [trigger("new"), trigger("old", Action.RESOLVED)],
            [trigger("new")],
            [trigger("new", Action.RESOLVED), trigger("ghost", Action.RESOLVED)],
        ]
    )
    assert all(not isinstance(r, Exception) for r in results)
    flat = [a for group in results for a in group]  # type: ignore[union-attr]
    assert [(a.state, a.resolution) for a in flat] == [
        (AlertState.PENDING, None),
        (AlertState.RESOLVED, Resolution.TRANSIENT),
        (AlertState.PENDING, None),
        (AlertState.RESOLVED, Resolution.TRANSIENT),
        (AlertState.RESOLVED, Resolution.UNMATCHED),
    ]
    assert [len(group) for group in results] == [2, 1, 2]  # type: ignore[arg-type]
    assert flat[1].alert_id == existing.alert_id
    assert flat[0].alert_id == flat[3].alert_id
    assert sorted(kind for _, kind, _, _ in outbox_rows(runtime)) == [
        "transient_resolved",
        "transient_resolved",
    ]
    with runtime.db.read() as conn:
        actions = (
            conn.execute(select(alert_events.c.action).where(alert_events.c.alert_id == flat[0].alert_id))
            .scalars()
            .all()
        )
    assert actions == ["triggered", "triggered", "resolved"]


def test_a_bad_webhook_fails_whole_and_alone(runtime: Runtime) -> None:
    results = runtime.mediator.apply_groups(
        [
            [trigger("a")],
            [trigger("b"), trigger("never-seen", Action.ACKNOWLEDGED)],
            [trigger("c")],
        ]
    )
    assert not isinstance(results[0], Exception) and results[0][0].state is AlertState.PENDING
    assert isinstance(results[1], Exception)
    assert not isinstance(results[2], Exception) and results[2][0].state is AlertState.PENDING
    with runtime.db.read() as conn:
        from holdoff.store import alerts as alert_store

        names = [a.record.fingerprint for a in alert_store.page(conn, limit=10)[0]]
    # "b" came in the same webhook as the bad event: nothing of that webhook was written.
    assert sorted(names) == ["a", "c"]


def test_a_batch_records_the_same_timeline_as_events_one_by_one(runtime: Runtime) -> None:
    def events(fingerprint: str) -> list[AlertEvent]:
        actions = [Action.TRIGGERED, Action.RESOLVED, Action.RESOLVED, Action.TRIGGERED]
        return [trigger(fingerprint, action) for action in actions]

    one_by_one = [runtime.mediator.apply(e) for e in events("alone")]
    (batched,) = runtime.mediator.apply_groups([events("batched")])
    assert not isinstance(batched, Exception)

    def timeline(alert_id: int) -> list[tuple[str, str, str]]:
        with runtime.db.read() as conn:
            query = (
                select(alert_events.c.action, alert_events.c.state_after, alert_events.c.summary)
                .where(alert_events.c.alert_id == alert_id)
                .order_by(alert_events.c.id)
            )
            return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]

    batched_id = batched[0].alert_id
    assert timeline(one_by_one[0].alert_id) == timeline(batched_id)
    assert [action for action, _, _ in timeline(batched_id)] == ["triggered", "resolved", "triggered"]


def test_two_processes_first_seeing_the_same_alert_store_it_once(
    database_url: str, teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    settings = make_settings(database_url, teams_receiver, smtp_sink)
    runtimes = [Runtime(settings, clock=clock, run_workers=False) for _ in range(2)]
    for rt in runtimes:
        rt.start()
    try:

        def apply(rt: Runtime, fingerprint: str, barrier: threading.Barrier, results: list[object]) -> None:
            barrier.wait()
            results.extend(rt.mediator.apply_groups([[trigger(fingerprint)], [trigger(f"{fingerprint}-x")]]))

        for round_ in range(10):
            barrier = threading.Barrier(2)
            results: list[object] = []
            threads = [
                threading.Thread(target=apply, args=(rt, f"same-{round_}", barrier, results))
                for rt in runtimes
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert not [r for r in results if isinstance(r, Exception)], results
        with runtimes[0].db.read() as conn:
            from holdoff.store import alerts as alert_store

            stored_alerts = alert_store.page(conn, limit=100)[0]
        assert len(stored_alerts) == 20
        assert {a.record.repeat_count for a in stored_alerts} == {1}
    finally:
        for rt in runtimes:
            rt.stop()
