"""``RetryPolicy`` and ``OutboxSender`` on their own: the backoff arithmetic, and one sender pass at a
time against a real outbox (SQLite and PostgreSQL) with scripted channels and an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.service.sender import ORPHAN_CHECK, OutboxSender, RetryPolicy, delivery_id
from holdoff.store import outbox
from holdoff.store.db import Database
from holdoff.store.tables import delivery_attempts, notifications
from tests.service.helpers import FakeClock

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RETRY = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=60), give_up=timedelta(hours=1))
OK = DeliveryResult(ok=True, retryable=False, status_code=200)
BUSY = DeliveryResult(ok=False, retryable=True, status_code=503, error="busy")
BAD = DeliveryResult(ok=False, retryable=False, status_code=400, error="bad request")


# --------------------------------------------------------------------------- RetryPolicy


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(0, 2), (1, 2), (2, 4), (3, 8), (4, 16), (5, 32), (6, 60), (7, 60)],
)
def test_the_delay_doubles_from_the_base_per_failed_attempt_up_to_the_cap(attempts: int, delay: int) -> None:
    assert RETRY.next_attempt(attempts, T0, T0, jitter=0.0) == T0 + timedelta(seconds=delay)


def test_a_very_long_run_of_failures_stays_at_the_cap() -> None:
    assert RETRY.next_attempt(10_000, T0, T0, jitter=0.0) == T0 + timedelta(seconds=60)


@pytest.mark.parametrize(("jitter", "seconds"), [(0.1, 8.8), (-0.1, 7.2), (0.05, 8.4)])
def test_jitter_stretches_or_shrinks_the_delay_by_its_fraction(jitter: float, seconds: float) -> None:
    at = RETRY.next_attempt(3, T0, T0, jitter=jitter)
    assert at is not None
    assert (at - T0).total_seconds() == pytest.approx(seconds)


def test_the_delay_counts_from_now_not_from_when_the_message_was_decided() -> None:
    now = T0 + timedelta(minutes=10)
    assert RETRY.next_attempt(1, now, T0, jitter=0.0) == now + timedelta(seconds=2)


def test_the_policy_gives_up_once_the_message_is_as_old_as_give_up() -> None:
    assert RETRY.next_attempt(3, T0 + timedelta(hours=1), T0, jitter=0.0) is None
    assert RETRY.next_attempt(3, T0 + timedelta(hours=2), T0, jitter=0.0) is None
    last = T0 + timedelta(hours=1) - timedelta(microseconds=1)
    assert RETRY.next_attempt(3, last, T0, jitter=0.0) == last + timedelta(seconds=8)


# --------------------------------------------------------------------------- OutboxSender


@dataclass
class ScriptedChannel:
    """A channel answering from a script (then OK), recording what it was given."""

    name: str
    script: list[DeliveryResult | Exception] = field(default_factory=list)
    rate_per_second: float | None = None
    kinds: frozenset[NotificationKind] | None = None
    sent: list[tuple[Message, str | None]] = field(default_factory=list)

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        self.sent.append((message, ref))
        answer = self.script.pop(0) if self.script else OK
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        pass


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    fake = FakeClock()
    fake.now = T0
    return fake


def sender(
    db: Database, clock: FakeClock, *channels: ScriptedChannel, batch: int = 20, **kw: object
) -> OutboxSender:
    return OutboxSender(
        db,
        {c.name: c for c in channels},
        RETRY,
        owner="sender-1",
        lease=timedelta(minutes=2),
        clock=clock,
        batch=batch,
        **kw,  # type: ignore[arg-type]
    )


def queue(
    db: Database, channel: str, count: int = 1, *, now: datetime = T0, title: str = "Disk full"
) -> list[int]:
    with db.transaction() as conn:
        before = set(conn.execute(select(notifications.c.id)).scalars())
        outbox.enqueue(
            conn,
            [
                outbox.row(
                    occurrence=0,
                    channel=channel,
                    message=Message(
                        kind=NotificationKind.ESCALATED,
                        title=f"{title} {n}",
                        summary="s",
                        facts=[],
                        url="https://h.test/",
                    ),
                    now=now,
                    dedup_key=f"{channel}-{title}-{n}",
                )
                for n in range(count)
            ],
        )
        return sorted(set(conn.execute(select(notifications.c.id)).scalars()) - before)


def state(db: Database, notification_id: int) -> tuple[str, int, datetime, str | None]:
    with db.read() as conn:
        row = conn.execute(select(notifications).where(notifications.c.id == notification_id)).one()
    return row.status, row.attempts, row.next_attempt_at, row.last_error


def test_a_due_message_is_sent_once_and_recorded_delivered(db: Database, clock: FakeClock) -> None:
    teams = ScriptedChannel("teams")
    [only] = queue(db, "teams")
    assert sender(db, clock, teams).run_once() == 1
    assert state(db, only)[:2] == ("delivered", 1)
    [(sent, ref)] = teams.sent
    assert sent.title == "Disk full 0" and ref is None
    assert sent.delivery_id is not None and sent.delivery_id.startswith(f"{only}.")
    assert sender(db, clock, teams).run_once() == 0  # nothing left


def test_a_retryable_failure_is_retried_after_the_backoff_and_not_before(
    db: Database, clock: FakeClock
) -> None:
    teams = ScriptedChannel("teams", [BUSY, BUSY])
    [only] = queue(db, "teams")
    run = sender(db, clock, teams)
    run.run_once()
    status, attempts, retry_at, error = state(db, only)
    assert (status, attempts, error) == ("pending", 1, "busy")
    assert T0 + timedelta(seconds=1.8) <= retry_at <= T0 + timedelta(seconds=2.2)  # base, +-10%
    clock.now = retry_at - timedelta(milliseconds=1)
    assert run.run_once() == 0
    clock.now = retry_at
    assert run.run_once() == 1
    status, attempts, second_retry, _ = state(db, only)
    assert (status, attempts) == ("pending", 2)
    assert retry_at + timedelta(seconds=3.6) <= second_retry <= retry_at + timedelta(seconds=4.4)  # doubled
    clock.now = second_retry
    run.run_once()
    assert state(db, only)[:2] == ("delivered", 3)
    # Every attempt carried the same delivery id, so a receiver can tell a retry from a new message.
    assert len({message.delivery_id for message, _ in teams.sent}) == 1


def test_a_failure_that_cannot_be_helped_by_trying_again_fails_at_once(
    db: Database, clock: FakeClock
) -> None:
    [only] = queue(db, "teams")
    sender(db, clock, ScriptedChannel("teams", [BAD])).run_once()
    assert state(db, only)[0::3] == ("failed", "bad request")


def test_a_message_still_failing_at_the_give_up_age_fails(db: Database, clock: FakeClock) -> None:
    [only] = queue(db, "teams")
    clock.now = T0 + RETRY.give_up
    sender(db, clock, ScriptedChannel("teams", [BUSY])).run_once()
    assert state(db, only)[:2] == ("failed", 1)


def test_a_channel_that_raises_is_recorded_as_a_retryable_internal_error(
    db: Database, clock: FakeClock
) -> None:
    [only] = queue(db, "teams")
    sender(db, clock, ScriptedChannel("teams", [RuntimeError("boom")])).run_once()
    status, attempts, _, error = state(db, only)
    assert (status, attempts) == ("pending", 1)
    assert error is not None and "internal error in teams" in error and "boom" in error


def test_a_message_for_a_channel_no_longer_configured_is_kept_failed_and_checked_once_a_minute(
    db: Database, clock: FakeClock
) -> None:
    [first] = queue(db, "pager")
    run = sender(db, clock, ScriptedChannel("teams"))
    assert run.run_once() == 1
    status, _, _, error = state(db, first)
    assert status == "failed" and error is not None and "'pager' is no longer configured" in error
    [second] = queue(db, "pager", title="Later")
    clock.now = T0 + ORPHAN_CHECK - timedelta(seconds=1)
    assert run.run_once() == 0  # not looked for again within the minute
    clock.now = T0 + ORPHAN_CHECK
    assert run.run_once() == 1
    assert state(db, second)[0] == "failed"


def test_one_pass_sends_at_most_a_batch(db: Database, clock: FakeClock) -> None:
    teams = ScriptedChannel("teams")
    queue(db, "teams", 5)
    run = sender(db, clock, teams, batch=3)
    assert run.run_once() == 3
    assert [m.title for m, _ in teams.sent] == ["Disk full 0", "Disk full 1", "Disk full 2"]  # oldest first
    assert run.run_once() == 2


def test_a_rate_limited_channel_sends_one_per_slot_without_holding_up_the_others(
    db: Database, clock: FakeClock
) -> None:
    slow = ScriptedChannel("slow", rate_per_second=0.5)  # one message every two seconds
    fast = ScriptedChannel("fast")
    queue(db, "slow", 3)
    queue(db, "fast", 3)
    run = sender(db, clock, slow, fast)
    assert run.run_once() == 4  # one slow, every fast
    assert (len(slow.sent), len(fast.sent)) == (1, 3)
    clock.now = T0 + timedelta(seconds=1.999)
    assert run.run_once() == 0
    clock.now = T0 + timedelta(seconds=2)
    assert run.run_once() == 1
    with db.read() as conn:
        attempts = conn.execute(select(delivery_attempts.c.id)).all()
    assert len(attempts) == 5  # messages waiting for a slot are not attempts


def test_the_reference_a_channel_returns_is_handed_back_for_the_next_message_about_the_same_thing(
    db: Database, clock: FakeClock
) -> None:
    slack = ScriptedChannel("slack", [DeliveryResult(ok=True, retryable=False, ref="ts-1")])
    with db.transaction() as conn:
        for n, kind in enumerate((NotificationKind.ESCALATED, NotificationKind.RESOLVED)):
            message = Message(kind=kind, title=f"m{n}", summary="s", facts=[], url="u", thread_key="thread-a")
            outbox.enqueue(
                conn, [outbox.row(occurrence=0, channel="slack", message=message, now=T0, dedup_key=f"k{n}")]
            )
    run = sender(db, clock, slack, batch=1)
    run.run_once()
    run.run_once()
    assert [ref for _, ref in slack.sent] == [None, "ts-1"]


def test_channel_health_hears_every_result_and_a_broken_report_does_not_stop_delivery(
    db: Database, clock: FakeClock
) -> None:
    heard: list[tuple[str, bool, str | None]] = []

    def health(channel: str, ok: bool, error: str | None) -> None:
        heard.append((channel, ok, error))
        raise RuntimeError("health store down")

    ids = queue(db, "teams", 2)
    sender(db, clock, ScriptedChannel("teams", [BUSY]), health=health).run_once()
    assert heard == [("teams", False, "busy"), ("teams", True, None)]
    assert [state(db, i)[0] for i in ids] == ["pending", "delivered"]


def test_the_delivery_id_names_the_row_and_the_microsecond_it_was_queued() -> None:
    claimed = outbox.Claimed(
        id=42,
        channel="teams",
        message=Message(kind=NotificationKind.ESCALATED, title="t", summary="s", facts=[], url="u"),
        attempts=0,
        created_at=datetime(2026, 3, 1, 9, 0, 5, 123456, tzinfo=UTC),
    )
    assert delivery_id(claimed) == "42.20260301090005123456"
