"""Pruning on SQLite and PostgreSQL: what goes (children first, in chunks), what stays (open alerts and
incidents, undelivered messages), one process at a time, and ``removals`` telling it beforehand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, insert, select

from holdoff.retention.config import RetentionSection
from holdoff.retention.plan import Kind, cutoffs
from holdoff.service.retention import Pruner, claimed
from holdoff.store import retention as store
from holdoff.store.correlation_tables import incident_members
from holdoff.store.db import Database
from holdoff.store.metric_tables import alert_evidence, change_events
from holdoff.store.tables import (
    alert_events,
    alerts,
    audit_log,
    delivery_attempts,
    digest_items,
    incidents,
    notifications,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=1)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def add_alert(conn: Connection, fingerprint: str, state: str, at: datetime) -> int:
    values: dict[str, Any] = {
        "source": "generic",
        "fingerprint": fingerprint,
        "name": fingerprint,
        "state": state,
        "occurrence": 1,
        "labels": {},
        "annotations": {},
        "links": {},
        "repeat_count": 0,
        "flap_count": 0,
        "created_at": at,
        "updated_at": at,
        "resolved_at": at if state == "resolved" else None,
    }
    alert_id = int(conn.execute(insert(alerts).values(**values)).inserted_primary_key[0])
    conn.execute(
        insert(alert_events).values(
            alert_id=alert_id, at=at, occurrence=1, action="triggered", state_after=state, summary="s"
        )
    )
    return alert_id


def add_message(
    conn: Connection,
    key: str,
    status: str,
    at: datetime,
    *,
    alert_id: int | None = None,
    incident_id: int | None = None,
) -> int:
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "incident_id": incident_id,
        "occurrence": 1,
        "kind": "escalated",
        "channel": "teams",
        "dedup_key": key,
        "message": {},
        "status": status,
        "attempts": 1,
        "next_attempt_at": at,
        "created_at": at,
    }
    message_id = int(conn.execute(insert(notifications).values(**values)).inserted_primary_key[0])
    conn.execute(
        insert(delivery_attempts).values(
            notification_id=message_id, attempt=1, at=at, ok=status == "delivered", latency_ms=1.0, worker="w"
        )
    )
    return message_id


def add_incident(conn: Connection, key: str, state: str, at: datetime) -> int:
    values: dict[str, Any] = {
        "key": key,
        "open_key": key if state == "open" else None,
        "route": "default",
        "labels": {},
        "title": key,
        "state": state,
        "opened_at": at,
        "resolved_at": at if state == "resolved" else None,
        "firing": [],
        "alerts": 1,
        "pending": [],
        "sequence": 1,
        "created_at": at,
        "updated_at": at,
    }
    return int(conn.execute(insert(incidents).values(**values)).inserted_primary_key[0])


def add_member(conn: Connection, incident_id: int, lead_id: int, at: datetime) -> None:
    conn.execute(
        insert(incident_members).values(
            incident_id=incident_id, lead_id=lead_id, member={}, score=1.0, reasons=[], joined_at=at
        )
    )


def add_evidence(conn: Connection, alert_id: int, at: datetime) -> None:
    conn.execute(
        insert(alert_evidence).values(
            alert_id=alert_id, occurrence=1, computed_at=at, evidence={}, error_logs=False, final=True
        )
    )


def add_change(conn: Connection, at: datetime) -> None:
    conn.execute(
        insert(change_events).values(
            type="deploy", at=at, summary="s", labels={}, source="api", received_at=at
        )
    )


def add_audit(conn: Connection, at: datetime) -> None:
    conn.execute(
        insert(audit_log).values(at=at, who="ops", via="token", method="POST", path="/x", status=200)
    )


def ids(conn: Connection, table: Any, column: str = "id") -> set[int]:
    return set(conn.execute(select(table.c[column])).scalars())


def count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_prune_removes_what_is_past_retention_and_keeps_open_and_undelivered_rows(db: Database) -> None:
    with db.transaction() as conn:
        gone = add_alert(conn, "old-resolved", "resolved", OLD)
        add_message(conn, "m-gone", "delivered", OLD, alert_id=gone)
        add_evidence(conn, gone, OLD)
        waiting = add_alert(conn, "old-resolved-undelivered", "resolved", OLD)
        undelivered = add_message(conn, "m-waiting", "pending", OLD, alert_id=waiting)
        digest = add_alert(conn, "old-resolved-in-digest", "resolved", OLD)
        conn.execute(
            insert(digest_items).values(channel="email", kind="resolved", alert_id=digest, line="l", at=OLD)
        )
        still_open = add_alert(conn, "old-open", "escalated", OLD)
        sent_of_open = add_message(conn, "m-open-sent", "delivered", OLD, alert_id=still_open)
        pending_of_open = add_message(conn, "m-open-pending", "pending", OLD, alert_id=still_open)
        recent = add_alert(conn, "recent-resolved", "resolved", RECENT)
        add_evidence(conn, recent, RECENT)
        old_incident = add_incident(conn, "i-old", "resolved", OLD)
        add_member(conn, old_incident, old_incident, OLD)
        add_message(conn, "m-incident", "failed", OLD, incident_id=old_incident)
        lead = add_incident(conn, "i-lead", "resolved", OLD)
        member = add_incident(conn, "i-member-open", "open", OLD)
        add_member(conn, lead, lead, OLD)
        add_member(conn, member, lead, OLD)
        open_incident = add_incident(conn, "i-open", "open", OLD)
        add_change(conn, OLD)
        add_change(conn, RECENT)
        add_audit(conn, OLD)
        add_audit(conn, RECENT)

    assert Pruner(db, RetentionSection(), clock=lambda: NOW).run_once() == 0

    with db.read() as conn:
        assert ids(conn, alerts) == {waiting, digest, still_open, recent}
        assert ids(conn, notifications) == {undelivered, pending_of_open}  # sent ones went, waiting stay
        assert sent_of_open not in ids(conn, notifications)
        assert ids(conn, delivery_attempts, "notification_id") == {undelivered, pending_of_open}
        assert ids(conn, alert_events, "alert_id") == {waiting, digest, still_open, recent}
        assert ids(conn, alert_evidence, "alert_id") == {recent}
        assert ids(conn, incidents) == {lead, member, open_incident}  # a lead of an open member stays
        assert ids(conn, incident_members, "incident_id") == {lead, member}
        assert count(conn, change_events) == 1 and count(conn, audit_log) == 1


def test_retention_of_zero_keeps_a_kind_forever(db: Database) -> None:
    with db.transaction() as conn:
        add_alert(conn, "old-resolved", "resolved", OLD)
        add_audit(conn, OLD)
    config = RetentionSection.model_validate({"alerts": 0, "audit": None})
    Pruner(db, config, clock=lambda: NOW).run_once()
    with db.read() as conn:
        assert count(conn, alerts) == 1 and count(conn, audit_log) == 1


def test_a_prune_deletes_in_chunks_and_goes_on_in_the_next_run_past_its_budget(db: Database) -> None:
    with db.transaction() as conn:
        for _ in range(7):
            add_audit(conn, OLD)
    deletes: list[int] = []

    def count_deletes(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM AUDIT_LOG"):
            deletes.append(1)

    event.listen(db.engine, "before_cursor_execute", count_deletes)
    pruner = Pruner(db, RetentionSection(chunk=2, max_chunks=3), clock=lambda: NOW)
    assert pruner.run_once() == 1  # 4 chunks needed, 3 allowed: more left
    with db.read() as conn:
        assert count(conn, audit_log) == 1
    assert len(deletes) == 3
    assert pruner.run_once() == 0
    with db.read() as conn:
        assert count(conn, audit_log) == 0


def test_each_chunk_deletes_the_children_before_the_alerts(db: Database) -> None:
    with db.transaction() as conn:
        alert_id = add_alert(conn, "old", "resolved", OLD)
        add_message(conn, "m", "delivered", NOW - timedelta(days=10), alert_id=alert_id)  # newer than 30d
        add_evidence(conn, alert_id, NOW - timedelta(days=10))
    statements: list[str] = []

    def record(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            statements.append(statement.split()[2].strip('"').lower())

    event.listen(db.engine, "before_cursor_execute", record)
    with db.transaction() as conn:
        assert store.delete_chunk(conn, Kind.ALERTS, OLD + timedelta(days=1), 10) == 1
    assert statements[-1] == "alerts"
    assert {"delivery_attempts", "notifications", "alert_events", "alert_evidence"} <= set(statements[:-1])
    assert statements.index("delivery_attempts") < statements.index("notifications")


def test_removals_tell_beforehand_what_the_prune_removes_per_table(db: Database) -> None:
    with db.transaction() as conn:
        for n in range(3):
            alert_id = add_alert(conn, f"old-{n}", "resolved", OLD)
            add_message(conn, f"m-{n}", "delivered", OLD, alert_id=alert_id)
            add_message(conn, f"r-{n}", "delivered", NOW - timedelta(days=5), alert_id=alert_id)
            add_evidence(conn, alert_id, OLD)
        incident = add_incident(conn, "i", "resolved", OLD)
        add_member(conn, incident, incident, OLD)
        add_audit(conn, OLD)
    config = RetentionSection()
    tables = [
        alerts,
        alert_events,
        notifications,
        delivery_attempts,
        alert_evidence,
        incidents,
        incident_members,
        audit_log,
    ]
    with db.read() as conn:
        planned = store.removals(conn, cutoffs(config, NOW))
        before = {t.name: count(conn, t) for t in tables}
    Pruner(db, config, clock=lambda: NOW).run_once()
    with db.read() as conn:
        removed = {t.name: before[t.name] - count(conn, t) for t in tables}
    expected: dict[str, int] = {}
    for by_table in planned.values():
        for table, rows in by_table.items():
            expected[table] = expected.get(table, 0) + rows
    assert {name: expected.get(name, 0) for name in removed} == removed
    assert removed["notifications"] == 6 and removed["alerts"] == 3 and removed["alert_evidence"] == 3


def test_one_process_prunes_at_a_time(db: Database) -> None:
    with db.transaction() as conn:
        add_audit(conn, OLD)
    with claimed(db) as first:
        assert first
        with claimed(db) as second:
            assert not second
        assert Pruner(db, RetentionSection(), clock=lambda: NOW).run_once() == 0
        with db.read() as conn:
            assert count(conn, audit_log) == 1  # the run skipped: the job was claimed
    with claimed(db) as again:
        assert again


def test_table_sizes_give_rows_and_bytes(db: Database) -> None:
    with db.transaction() as conn:
        for _ in range(5):
            add_audit(conn, OLD)
    with db.read() as conn:
        sizes = {size.table: size for size in store.table_sizes(conn)}
    assert sizes["audit_log"].rows == 5
    assert sizes["audit_log"].bytes is not None and sizes["audit_log"].bytes > 0
    assert "alerts" in sizes and "metric_samples" in sizes
