"""Stored log lines (``holdoff.store.log_lines``) on SQLite and PostgreSQL: insert-ignore of record
ids, listing filters, and retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.store import log_lines
from holdoff.store.db import Database
from holdoff.store.log_lines import LogLineRow, retention_cutoff

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def row(message: str, *, at: datetime = T0, service: str = "api", record_id: str | None = None) -> LogLineRow:
    return LogLineRow(
        received_at=at,
        timestamp=at,
        service=service,
        host="h1",
        level="INFO",
        severity_number=None,
        message=message,
        template_id="t1",
        attributes={"k": "v"},
        record_id=record_id,
    )


def test_a_record_id_is_stored_once_per_service(db: Database) -> None:
    with db.transaction() as conn:
        assert log_lines.insert(conn, [row("a", record_id="1"), row("b", record_id="2"), row("c")]) == 3
    with db.transaction() as conn:
        again = [
            row("a", record_id="1"),
            row("b", record_id="2"),
            row("c"),
            row("d", service="web", record_id="1"),
        ]
        assert log_lines.insert(conn, again) == 2
        assert log_lines.known_record_ids(conn, {("api", "1"), ("api", "9"), ("web", "1")}) == {
            ("api", "1"),
            ("web", "1"),
        }
    with db.read() as conn:
        stored = log_lines.recent(conn, limit=10)
    assert sorted(r.message for r in stored) == ["a", "b", "c", "c", "d"]
    assert stored[0].attributes == {"k": "v"}


def test_recent_is_newest_first_and_filtered(db: Database) -> None:
    rows = [row(f"m{i}", at=T0 + timedelta(minutes=i), service="api" if i % 2 else "web") for i in range(6)]
    with db.transaction() as conn:
        log_lines.insert(conn, rows)
    with db.read() as conn:
        assert [r.message for r in log_lines.recent(conn)] == ["m5", "m4", "m3", "m2", "m1", "m0"]
        assert [r.message for r in log_lines.recent(conn, service="api")] == ["m5", "m3", "m1"]
        assert [r.message for r in log_lines.recent(conn, since=T0 + timedelta(minutes=4))] == ["m5", "m4"]
        assert [r.message for r in log_lines.recent(conn, limit=2)] == ["m5", "m4"]
        assert log_lines.recent(conn, template_id="other") == []


def test_retention_cutoff_is_age_and_excess_rows() -> None:
    cutoff = retention_cutoff(T0, count=150, hours=2, max_rows=100)
    assert cutoff.before == T0 - timedelta(hours=2)
    assert cutoff.excess == 50
    assert retention_cutoff(T0, count=10, max_rows=100).excess == 0


def test_delete_expired_removes_old_rows_then_the_oldest_beyond_the_cap_in_batches(db: Database) -> None:
    old = [row(f"old{i}", at=T0 - timedelta(hours=5)) for i in range(3)]
    new = [row(f"new{i}", at=T0 + timedelta(seconds=i)) for i in range(7)]
    with db.transaction() as conn:
        log_lines.insert(conn, old)
        log_lines.insert(conn, new)
    with db.transaction() as conn:
        assert log_lines.delete_expired(conn, T0, hours=2, max_rows=100, batch=2) == 3
    with db.transaction() as conn:
        assert log_lines.delete_expired(conn, T0, hours=2, max_rows=4, batch=2) == 3
    with db.read() as conn:
        assert sorted(r.message for r in log_lines.recent(conn)) == ["new3", "new4", "new5", "new6"]
