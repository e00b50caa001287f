"""The log detectors' outbox and state (``holdoff.store.findings.LOG_FINDINGS``, ``log_detector_state``) on
SQLite and PostgreSQL: events stored and read back whole, claimed in order by one worker at a time,
retried after a failure without being overtaken; detector states locked, saved, swept and deleted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.model import Action, AlertEvent, Severity
from holdoff.store import log_detector_state
from holdoff.store.db import Database
from holdoff.store.findings import LOG_FINDINGS

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def event(fingerprint: str, action: Action = Action.TRIGGERED, count: int = 1) -> AlertEvent:
    return AlertEvent(
        source="logs",
        fingerprint=fingerprint,
        action=action,
        name=f"Failed logins on sshd ({fingerprint})",
        severity=Severity.HIGH,
        labels={"service": "sshd", "detector": "failed_auth"},
        annotations={"count": str(count), "samples": "Failed password for root from 203.0.113.7"},
        starts_at=T0,
        ends_at=T0 + timedelta(minutes=5) if action is Action.RESOLVED else None,
    )


def test_events_come_back_as_they_were_stored(db: Database) -> None:
    sent = [event("a"), event("a", Action.RESOLVED, count=12)]
    with db.transaction() as conn:
        LOG_FINDINGS.add(conn, sent, T0)
    with db.transaction() as conn:
        [claimed] = LOG_FINDINGS.claim(conn, T0, LEASE)
    assert claimed.events == sent
    assert claimed.attempts == 0


def test_rows_are_claimed_oldest_first_and_only_while_no_other_lease_is_live(db: Database) -> None:
    with db.transaction() as conn:
        for name in ("first", "second", "third"):
            LOG_FINDINGS.add(conn, [event(name)], T0)
    with db.transaction() as conn:
        claimed = LOG_FINDINGS.claim(conn, T0, LEASE, limit=2)
    assert [c.events[0].fingerprint for c in claimed] == ["first", "second"]
    with db.transaction() as conn:  # another worker, while the lease is live: nothing, not "third"
        assert LOG_FINDINGS.claim(conn, T0 + timedelta(seconds=1), LEASE) == []
    with db.transaction() as conn:
        LOG_FINDINGS.done(conn, [claimed[0].id])
        LOG_FINDINGS.release(conn, [claimed[1].id])
    with db.transaction() as conn:
        again = LOG_FINDINGS.claim(conn, T0 + timedelta(seconds=2), LEASE)
    assert [c.events[0].fingerprint for c in again] == ["second", "third"]


def test_a_lease_that_ran_out_is_claimed_again(db: Database) -> None:
    with db.transaction() as conn:
        LOG_FINDINGS.add(conn, [event("a")], T0)
    with db.transaction() as conn:
        assert len(LOG_FINDINGS.claim(conn, T0, LEASE)) == 1
    with db.transaction() as conn:  # the worker died: after its lease the row is claimable
        [again] = LOG_FINDINGS.claim(conn, T0 + LEASE + timedelta(seconds=1), LEASE)
    assert again.events[0].fingerprint == "a"


def test_a_failed_row_waits_for_its_retry_and_holds_back_those_after_it(db: Database) -> None:
    with db.transaction() as conn:
        LOG_FINDINGS.add(conn, [event("a")], T0)
        LOG_FINDINGS.add(conn, [event("a", Action.RESOLVED)], T0)
    with db.transaction() as conn:
        first, second = LOG_FINDINGS.claim(conn, T0, LEASE)
        LOG_FINDINGS.failed(conn, first.id, "database said no", T0 + timedelta(seconds=10))
        LOG_FINDINGS.release(conn, [second.id])
    with db.transaction() as conn:  # the resolve must not overtake the trigger
        assert LOG_FINDINGS.claim(conn, T0 + timedelta(seconds=5), LEASE) == []
    with db.transaction() as conn:
        retried = LOG_FINDINGS.claim(conn, T0 + timedelta(seconds=11), LEASE)
    assert [(c.events[0].action, c.attempts) for c in retried] == [
        (Action.TRIGGERED, 1),
        (Action.RESOLVED, 0),
    ]
    with db.read() as conn:
        assert LOG_FINDINGS.pending(conn) == 2


def test_states_are_created_locked_saved_and_deleted(db: Database) -> None:
    with db.transaction() as conn:
        assert log_detector_state.lock(conn, "failed_auth", ["b", "a"], T0) == {"a": {}, "b": {}}
        log_detector_state.save(
            conn,
            "failed_auth",
            {"a": {"times": [1, 2]}, "b": None},
            {"a": T0 + timedelta(minutes=1)},
            T0,
        )
    with db.transaction() as conn:
        assert log_detector_state.lock(conn, "failed_auth", ["a"], T0) == {"a": {"times": [1, 2]}}
    with db.read() as conn:
        assert log_detector_state.read(conn, "failed_auth") == {"a": {"times": [1, 2]}}


def test_the_sweep_takes_only_states_whose_time_has_come(db: Database) -> None:
    with db.transaction() as conn:
        log_detector_state.lock(conn, "critical", ["soon", "later", "never"], T0)
        log_detector_state.save(
            conn,
            "critical",
            {"soon": {"n": 1}, "later": {"n": 2}, "never": {"n": 3}},
            {"soon": T0 + timedelta(minutes=1), "later": T0 + timedelta(hours=1), "never": None},
            T0,
        )
    with db.transaction() as conn:
        assert log_detector_state.due(conn, "critical", T0 + timedelta(minutes=2)) == {"soon": {"n": 1}}
        assert log_detector_state.due(conn, "other", T0 + timedelta(days=1)) == {}
    with db.transaction() as conn:
        gone = log_detector_state.forget_detectors_except(conn, ["failed_auth"])
    assert gone == 3
