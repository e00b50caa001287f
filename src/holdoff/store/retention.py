"""Retention queries: which rows of each kind are past their retention, how many rows the next prune
removes per table, deleting one chunk (children first), and the tables' sizes.

What may go: resolved alerts untouched since the cutoff, with no undelivered message and no digest line
waiting; delivered or abandoned messages; final evidence of resolved alerts; resolved incidents with no
undelivered message that lead no correlated member still kept; change events; audit entries. Open alerts,
open incidents and undelivered outbox rows are never selected. On PostgreSQL a chunk's rows are locked
``FOR UPDATE SKIP LOCKED`` before anything is deleted, so a row that an ingest is changing is left for
the next run, and an ingest that waits for a chunk finds its alert gone and starts a new one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from holdoff.mediate.grouping import IncidentState
from holdoff.mediate.model import AlertState
from holdoff.retention.plan import Kind, TableSize
from holdoff.store import log_lines as log_lines_store
from holdoff.store.correlation_tables import incident_members
from holdoff.store.metric_tables import alert_evidence, change_events, metric_samples
from holdoff.store.outbox import Status
from holdoff.store.schema import metadata
from holdoff.store.tables import (
    alert_events,
    alerts,
    audit_log,
    delivery_attempts,
    digest_items,
    incidents,
    log_lines,
    log_template_minutes,
    notifications,
)

_A, _N, _I, _E = alerts.c, notifications.c, incidents.c, alert_evidence.c
_PENDING = Status.PENDING.value

OWN: dict[Kind, tuple[Table, Column[int]]] = {
    Kind.NOTIFICATIONS: (notifications, _N.id),
    Kind.EVIDENCE: (alert_evidence, _E.alert_id),
    Kind.ALERTS: (alerts, _A.id),
    Kind.INCIDENTS: (incidents, _I.id),
    Kind.CHANGES: (change_events, change_events.c.id),
    Kind.AUDIT: (audit_log, audit_log.c.id),
}
"""Each kind's own table and the key its chunks are taken by."""


def _sent(before: datetime) -> ColumnElement[bool]:
    return and_(_N.status != _PENDING, _N.created_at < before)


def _past(kind: Kind, before: datetime) -> ColumnElement[bool]:
    """The rows of ``kind`` that may go with a cutoff of ``before``."""
    if kind is Kind.NOTIFICATIONS:
        return _sent(before)
    if kind is Kind.EVIDENCE:
        resolved = exists().where(_A.id == _E.alert_id, _A.state == AlertState.RESOLVED.value)
        return and_(_E.final.is_(True), _E.next_at.is_(None), _E.computed_at < before, resolved)
    if kind is Kind.ALERTS:
        return and_(
            _A.state == AlertState.RESOLVED.value,
            _A.updated_at < before,
            ~exists().where(_N.alert_id == _A.id, _N.status == _PENDING),
            ~exists().where(digest_items.c.alert_id == _A.id),
        )
    if kind is Kind.INCIDENTS:
        member = incidents.alias("member_incident")
        kept_member = exists().where(
            incident_members.c.lead_id == _I.id,
            incident_members.c.incident_id != _I.id,
            member.c.id == incident_members.c.incident_id,
            or_(member.c.state != IncidentState.RESOLVED.value, member.c.updated_at >= before),
        )
        return and_(
            _I.state == IncidentState.RESOLVED.value,
            _I.updated_at < before,
            ~exists().where(_N.incident_id == _I.id, _N.status == _PENDING),
            ~kept_member,
        )
    if kind is Kind.CHANGES:
        return change_events.c.at < before
    return audit_log.c.at < before


def _candidates(kind: Kind, before: datetime) -> Select[Any]:
    table, key = OWN[kind]
    return select(key).select_from(table).where(_past(kind, before))


def count_past(conn: Connection, kind: Kind, before: datetime) -> int:
    """How many rows of ``kind`` are past a cutoff of ``before`` (children not counted)."""
    query = select(func.count()).select_from(_candidates(kind, before).subquery())
    return int(conn.execute(query).scalar_one())


def delete_chunk(conn: Connection, kind: Kind, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` rows of ``kind`` past ``before``, their children first, in the caller's
    (short) transaction; how many rows of the kind went."""
    table, key = OWN[kind]
    query = _candidates(kind, before).order_by(key).limit(limit).with_for_update(skip_locked=True, of=table)
    ids = list(conn.execute(query).scalars())
    if not ids:
        return 0
    if kind is Kind.ALERTS:
        _delete_messages(conn, _N.alert_id.in_(ids))
        conn.execute(delete(alert_events).where(alert_events.c.alert_id.in_(ids)))
        conn.execute(delete(alert_evidence).where(_E.alert_id.in_(ids)))
    elif kind is Kind.INCIDENTS:
        _delete_messages(conn, _N.incident_id.in_(ids))
        conn.execute(delete(incident_members).where(incident_members.c.incident_id.in_(ids)))
    elif kind is Kind.NOTIFICATIONS:
        conn.execute(delete(delivery_attempts).where(delivery_attempts.c.notification_id.in_(ids)))
    return int(conn.execute(delete(table).where(key.in_(ids))).rowcount)


def _delete_messages(conn: Connection, which: ColumnElement[bool]) -> None:
    """Messages (never undelivered ones: their owners were not selected) and their attempts."""
    messages = select(_N.id).where(which).scalar_subquery()
    conn.execute(delete(delivery_attempts).where(delivery_attempts.c.notification_id.in_(messages)))
    conn.execute(delete(notifications).where(which))


def removals(conn: Connection, cutoffs: Mapping[Kind, datetime]) -> dict[Kind, dict[str, int]]:
    """What a prune with these ``cutoffs`` removes, per kind and table. A row two kinds would remove
    (a sent message of an old alert) is counted under the first kind of the prune order only."""
    found: dict[Kind, dict[str, int]] = {}
    sent_before = cutoffs.get(Kind.NOTIFICATIONS)
    evidence_before = cutoffs.get(Kind.EVIDENCE)
    for kind, before in cutoffs.items():
        ids = _candidates(kind, before).scalar_subquery()
        table = OWN[kind][0]
        counts = {table.name: count_past(conn, kind, before)}
        if kind is Kind.NOTIFICATIONS:
            counts["delivery_attempts"] = _count(
                conn, delivery_attempts, delivery_attempts.c.notification_id.in_(ids)
            )
        elif kind in (Kind.ALERTS, Kind.INCIDENTS):
            owner = _N.alert_id if kind is Kind.ALERTS else _N.incident_id
            messages: ColumnElement[bool] = owner.in_(ids)
            if sent_before is not None:
                messages = and_(messages, not_(_sent(sent_before)))
            counts["notifications"] = _count(conn, notifications, messages)
            counts["delivery_attempts"] = _count(
                conn,
                delivery_attempts,
                delivery_attempts.c.notification_id.in_(select(_N.id).where(messages).scalar_subquery()),
            )
            if kind is Kind.ALERTS:
                counts["alert_events"] = _count(conn, alert_events, alert_events.c.alert_id.in_(ids))
                evidence: ColumnElement[bool] = _E.alert_id.in_(ids)
                if evidence_before is not None:
                    evidence = and_(evidence, not_(_past(Kind.EVIDENCE, evidence_before)))
                counts["alert_evidence"] = _count(conn, alert_evidence, evidence)
            else:
                counts["incident_members"] = _count(
                    conn, incident_members, incident_members.c.incident_id.in_(ids)
                )
        found[kind] = counts
    return found


def _count(conn: Connection, table: Table, where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def table_sizes(conn: Connection, names: Sequence[str] | None = None) -> list[TableSize]:
    """Rows and bytes (with indexes) of every table of the schema, or of ``names``. Bytes come from
    ``pg_total_relation_size`` on PostgreSQL, SQLite's ``dbstat`` where it was compiled in, else an
    estimate: the file's pages shared out by rows."""
    tables = [metadata.tables[name] for name in (names or sorted(metadata.tables))]
    rows = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}
    if conn.dialect.name == "postgresql":
        sizes: dict[str, int | None] = {
            name: int(conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": name}).scalar_one())
            for name in rows
        }
    else:
        sizes = _sqlite_sizes(conn, rows)
    return [TableSize(name, count, sizes.get(name)) for name, count in rows.items()]


def _sqlite_sizes(conn: Connection, rows: Mapping[str, int]) -> dict[str, int | None]:
    try:
        found = conn.execute(
            text(
                "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat AS s JOIN sqlite_master AS m "
                "ON s.name = m.name GROUP BY m.tbl_name"
            )
        ).all()
    except DBAPIError:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
        size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
        total = sum(rows.values()) or 1
        return {name: pages * size * count // total for name, count in rows.items()}
    by_table = {str(name): int(size) for name, size in found}
    return {name: by_table.get(name, 0) for name in rows}


def log_lines_past(conn: Connection, now: datetime, *, hours: float, max_rows: int) -> int:
    """How many raw log lines the log upkeep's next sweep removes (:func:`log_lines.delete_expired`:
    older than ``hours``, and the oldest beyond ``max_rows``)."""
    count = int(conn.execute(select(func.count()).select_from(log_lines)).scalar_one())
    cutoff = log_lines_store.retention_cutoff(now, count=count, hours=hours, max_rows=max_rows)
    old = int(
        conn.execute(
            select(func.count()).select_from(log_lines).where(log_lines.c.received_at < cutoff.before)
        ).scalar_one()
    )
    return min(count, max(old, cutoff.excess))


def metric_samples_past(conn: Connection, before: datetime) -> int:
    """How many samples the metric retention's next sweep removes (older than ``before``)."""
    query = select(func.count()).select_from(metric_samples).where(metric_samples.c.ts < before)
    return int(conn.execute(query).scalar_one())


def log_minutes_past(conn: Connection, before: datetime) -> int:
    """How many per-minute log counts the log upkeep's next sweep removes."""
    query = (
        select(func.count()).select_from(log_template_minutes).where(log_template_minutes.c.minute < before)
    )
    return int(conn.execute(query).scalar_one())
