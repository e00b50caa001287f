"""The outbox store on its own (``holdoff.store.outbox``), on SQLite and PostgreSQL: queueing once per
dedup key, claiming due rows under a lease, giving them back, and recording each attempt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from holdoff.mediate.engine import decide
from holdoff.mediate.model import Action, AlertEvent, NotificationKind
from holdoff.mediate.policy import Policy
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import Message
from holdoff.store import alerts as alert_store
from holdoff.store import outbox
from holdoff.store.db import Database
from holdoff.store.outbox import Status
from holdoff.store.tables import delivery_attempts, notifications

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def message(
    alert_id: int | None = None, kind: NotificationKind = NotificationKind.ESCALATED, title: str = "Disk"
) -> Message:
    return Message(kind=kind, alert_id=alert_id, title=title, summary="s", facts=[], url="https://h.test/")


def new_alert(db: Database, fingerprint: str = "disk-1") -> int:
    record = decide(
        None, AlertEvent("generic", fingerprint, Action.TRIGGERED, name="Disk"), T0, Policy()
    ).alert
    with db.transaction() as conn:
        alert_id = alert_store.insert_new(conn, record, T0)
    assert alert_id is not None
    return alert_id


def queue(db: Database, *rows: dict[str, object]) -> list[int]:
    with db.transaction() as conn:
        outbox.enqueue(conn, list(rows))
        return list(conn.execute(select(notifications.c.id).order_by(notifications.c.id)).scalars())


def row(
    alert_id: int,
    channel: str = "teams",
    *,
    now: datetime = T0,
    sequence: int = 0,
    kind: NotificationKind = NotificationKind.ESCALATED,
) -> dict[str, object]:
    return outbox.row(
        alert_id=alert_id,
        occurrence=1,
        channel=channel,
        message=message(alert_id, kind),
        now=now,
        sequence=sequence,
    )


def claim(
    db: Database, now: datetime, *, owner: str = "a", limit: int = 10, **where: object
) -> list[outbox.Claimed]:
    with db.transaction() as conn:
        return outbox.claim(conn, owner=owner, now=now, lease=LEASE, limit=limit, **where)  # type: ignore[arg-type]


def stored(db: Database, notification_id: int) -> dict[str, object]:
    with db.read() as conn:
        found = conn.execute(select(notifications).where(notifications.c.id == notification_id)).one()
    return dict(found._mapping)


def test_a_message_decided_twice_is_queued_once(db: Database) -> None:
    alert_id = new_alert(db)
    queue(db, row(alert_id))
    ids = queue(db, row(alert_id), row(alert_id, "email"))
    assert len(ids) == 2  # teams once, email once
    with db.read() as conn:
        channels = sorted(conn.execute(select(notifications.c.channel)).scalars())
    assert channels == ["email", "teams"]


def test_the_dedup_key_tells_apart_channel_kind_sequence_occurrence_and_incident() -> None:
    msg = message(7)
    key = outbox.row(alert_id=7, occurrence=2, channel="teams", message=msg, now=T0)["dedup_key"]
    assert key == "alert:7:2:escalated:teams"
    assert outbox.row(alert_id=7, occurrence=2, channel="teams", message=msg, now=T0, sequence=3)[
        "dedup_key"
    ] == ("alert:7:2:escalated#3:teams")
    incident = outbox.row(incident_id=4, occurrence=0, channel="email", message=msg, now=T0)
    assert incident["dedup_key"] == "incident:4:escalated:email"
    fresh = outbox.row(alert_id=7, occurrence=2, channel="teams", message=msg, now=T0)
    assert (fresh["status"], fresh["attempts"], fresh["next_attempt_at"]) == ("pending", 0, T0)


def test_claim_takes_due_rows_oldest_first_up_to_the_limit_and_leases_them(db: Database) -> None:
    alert_id = new_alert(db)
    ids = queue(db, *(row(alert_id, now=T0 + timedelta(seconds=n), sequence=n) for n in range(3)))
    taken = claim(db, T0 + timedelta(seconds=5), limit=2)
    assert [c.id for c in taken] == ids[:2]
    assert taken[0].message == message(alert_id) and taken[0].attempts == 0 and taken[0].created_at == T0
    first = stored(db, ids[0])
    assert (first["lease_owner"], first["lease_expires_at"]) == ("a", T0 + timedelta(seconds=5) + LEASE)
    assert stored(db, ids[2])["lease_owner"] is None


def test_a_row_is_not_claimed_before_its_time(db: Database) -> None:
    alert_id = new_alert(db)
    [later] = queue(db, row(alert_id, now=T0 + timedelta(minutes=1)))
    assert claim(db, T0 + timedelta(seconds=59)) == []
    assert [c.id for c in claim(db, T0 + timedelta(minutes=1))] == [later]


def test_a_leased_row_is_left_alone_until_its_lease_runs_out(db: Database) -> None:
    alert_id = new_alert(db)
    [only] = queue(db, row(alert_id))
    assert [c.id for c in claim(db, T0, owner="a")] == [only]
    assert claim(db, T0 + LEASE - timedelta(microseconds=1), owner="b") == []
    assert claim(db, T0 + LEASE, owner="b") == []  # the lease still holds at its expiry instant
    retaken = claim(db, T0 + LEASE + timedelta(microseconds=1), owner="b")
    assert [c.id for c in retaken] == [only]
    assert stored(db, only)["lease_owner"] == "b"


def test_claim_by_channel_or_by_channels_not_configured(db: Database) -> None:
    alert_id = new_alert(db)
    teams, email, pager = queue(db, row(alert_id, "teams"), row(alert_id, "email"), row(alert_id, "pager"))
    assert [c.id for c in claim(db, T0, channel="email")] == [email]
    assert [c.id for c in claim(db, T0, not_in=["teams", "email"])] == [pager]
    assert [c.id for c in claim(db, T0)] == [teams]


def test_release_gives_a_row_back_untried(db: Database) -> None:
    alert_id = new_alert(db)
    [only] = queue(db, row(alert_id))
    with db.transaction() as conn:
        taken = outbox.claim(conn, owner="a", now=T0, lease=LEASE, limit=5)
        outbox.release(conn, taken)
    after = stored(db, only)
    assert (after["lease_owner"], after["lease_expires_at"], after["attempts"]) == (None, None, 0)
    assert [c.id for c in claim(db, T0, owner="b")] == [only]


def _attempt(
    db: Database, item: outbox.Claimed, result: DeliveryResult, now: datetime, retry_at: datetime | None
) -> Status:
    with db.transaction() as conn:
        return outbox.record_attempt(conn, item, owner="a", result=result, now=now, retry_at=retry_at)


def test_a_successful_attempt_delivers_and_is_recorded(db: Database) -> None:
    alert_id = new_alert(db)
    [item] = (queue(db, row(alert_id)), claim(db, T0))[1]
    at = T0 + timedelta(seconds=1)
    ok = DeliveryResult(ok=True, retryable=False, status_code=200, latency_ms=12.5)
    assert _attempt(db, item, ok, at, None) is Status.DELIVERED
    after = stored(db, item.id)
    assert (after["status"], after["attempts"], after["delivered_at"], after["lease_owner"]) == (
        "delivered",
        1,
        at,
        None,
    )
    with db.read() as conn:
        [attempt] = conn.execute(select(delivery_attempts)).all()
    assert (attempt.attempt, attempt.ok, attempt.status_code, attempt.latency_ms, attempt.worker) == (
        1,
        True,
        200,
        12.5,
        "a",
    )
    assert claim(db, at + timedelta(hours=1)) == []  # delivered rows are never claimed again


def test_a_failed_attempt_with_a_retry_time_stays_pending_until_then(db: Database) -> None:
    alert_id = new_alert(db)
    [item] = (queue(db, row(alert_id)), claim(db, T0))[1]
    retry_at = T0 + timedelta(seconds=30)
    failed = DeliveryResult(ok=False, retryable=True, status_code=503, error="busy")
    assert _attempt(db, item, failed, T0, retry_at) is Status.PENDING
    after = stored(db, item.id)
    assert (after["status"], after["attempts"], after["next_attempt_at"], after["last_error"]) == (
        "pending",
        1,
        retry_at,
        "busy",
    )
    assert after["lease_owner"] is None and after["delivered_at"] is None
    assert claim(db, retry_at - timedelta(microseconds=1)) == []
    [again] = claim(db, retry_at)
    assert again.attempts == 1
    assert _attempt(db, again, failed, retry_at, retry_at + timedelta(minutes=1)) is Status.PENDING
    assert stored(db, item.id)["attempts"] == 2


def test_a_failed_attempt_without_a_retry_time_gives_up(db: Database) -> None:
    alert_id = new_alert(db)
    [item] = (queue(db, row(alert_id)), claim(db, T0))[1]
    refused = DeliveryResult(ok=False, retryable=False, status_code=400, error="bad request")
    assert _attempt(db, item, refused, T0, None) is Status.FAILED
    after = stored(db, item.id)
    assert (after["status"], after["last_error"], after["delivered_at"]) == ("failed", "bad request", None)
    assert claim(db, T0 + timedelta(days=1)) == []


def test_deliveries_of_an_alert_list_every_attempt_in_order(db: Database) -> None:
    alert_id, other = new_alert(db), new_alert(db, "other")
    queue(db, row(alert_id, "teams"), row(alert_id, "email"), row(other, "teams"))
    teams, email = claim(db, T0, channel="teams", limit=1) + claim(db, T0, channel="email")
    _attempt(
        db, teams, DeliveryResult(ok=False, retryable=True, error="timeout"), T0, T0 + timedelta(seconds=5)
    )
    # Due again, behind the other alert's teams message (queued earlier, so claimed first).
    tried = teams.id
    others_first, teams = claim(db, T0 + timedelta(seconds=5), channel="teams")
    assert (others_first.message.alert_id, teams.id, teams.attempts) == (other, tried, 1)
    _attempt(
        db, teams, DeliveryResult(ok=True, retryable=False, status_code=200), T0 + timedelta(seconds=5), None
    )
    with db.read() as conn:
        deliveries = outbox.for_alert(conn, alert_id)
    assert [(d.channel, d.status, d.title) for d in deliveries] == [
        ("teams", "delivered", "Disk"),
        ("email", "pending", "Disk"),
    ]
    assert [(a.attempt, a.ok, a.error) for a in deliveries[0].attempts] == [
        (1, False, "timeout"),
        (2, True, None),
    ]
    assert deliveries[0].next_attempt_at is None  # only a pending message says when it is tried next
    assert deliveries[1].next_attempt_at == T0 and deliveries[1].attempts == []
    assert email.id == deliveries[1].id
