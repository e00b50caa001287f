"""The root-cause evidence of each alert's current occurrence, and its timer.

A row is scheduled (``next_at`` = now) in the transaction that holds an alert (the mediation shell's
hook), computed by a worker of any process that claims it under a lease (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two processes never claim the same row), computed again every ``refresh`` while the alert
is held, and once more when it is no longer held (escalated, acknowledged, resolved): then ``final``.
A new occurrence of the alert replaces the row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.evidence.model import OtherAlert
from holdoff.store.metric_tables import alert_evidence
from holdoff.store.tables import alerts, log_templates

_E = alert_evidence.c
_A = alerts.c


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    alert_id: int
    occurrence: int
    computed_at: datetime
    evidence: dict[str, Any]
    """Empty until first computed."""
    error_logs: bool
    final: bool
    next_at: datetime | None

    @property
    def computed(self) -> bool:
        return bool(self.evidence)


def schedule(conn: Connection, opened: Sequence[tuple[int, int]], now: datetime) -> None:
    """Evidence due now for each ``(alert id, occurrence)`` just held; a row of an earlier occurrence is
    replaced."""
    if not opened:
        return
    conn.execute(
        _upsert(conn.dialect.name),
        [
            {
                "alert_id": alert_id,
                "occurrence": occurrence,
                "computed_at": now,
                "evidence": {},
                "error_logs": False,
                "final": False,
                "next_at": now,
                "claimed_until": None,
            }
            for alert_id, occurrence in sorted(set(opened))
        ],
    )


@functools.cache
def _upsert(dialect: str) -> Executable:
    """The statement :func:`schedule` runs, built once per dialect: it is on every alert's ingest path,
    and building an upsert (its ``excluded`` columns) costs more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(alert_evidence)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["alert_id"],
        set_={
            "occurrence": new.occurrence,
            "computed_at": new.computed_at,
            "evidence": new.evidence,
            "error_logs": new.error_logs,
            "final": new.final,
            "next_at": new.next_at,
            "claimed_until": None,
        },
    )


def settle(conn: Connection, alert_ids: Sequence[int], now: datetime) -> None:
    """The alerts are no longer held: compute their evidence once more, now, and then keep it (final)."""
    if alert_ids:
        conn.execute(
            update(alert_evidence)
            .where(_E.alert_id.in_(sorted(set(alert_ids))), _E.final.is_(False))
            .values(next_at=now)
        )


def claim_due(conn: Connection, now: datetime, until: datetime, limit: int) -> list[tuple[int, int]]:
    """Lease up to ``limit`` rows whose timer has passed until ``until``: their ``(alert id, occurrence)``.
    Call in a transaction of its own, committed before computing (lookups may be slow)."""
    query = (
        select(_E.alert_id, _E.occurrence)
        .where(_E.next_at <= now, or_(_E.claimed_until.is_(None), _E.claimed_until <= now))
        .order_by(_E.next_at, _E.alert_id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [(int(alert_id), int(occurrence)) for alert_id, occurrence in conn.execute(query)]
    if rows:
        conn.execute(
            update(alert_evidence)
            .where(_E.alert_id.in_([alert_id for alert_id, _ in rows]))
            .values(claimed_until=until)
        )
    return rows


def save(
    conn: Connection,
    alert_id: int,
    occurrence: int,
    evidence: dict[str, Any],
    *,
    error_logs: bool,
    final: bool,
    next_at: datetime | None,
    now: datetime,
) -> bool:
    """Store computed evidence, unless the row moved on to another occurrence meanwhile (False)."""
    result = conn.execute(
        update(alert_evidence)
        .where(_E.alert_id == alert_id, _E.occurrence == occurrence)
        .values(
            evidence=evidence,
            error_logs=error_logs,
            final=final,
            next_at=next_at,
            computed_at=now,
            claimed_until=None,
        )
    )
    return bool(result.rowcount)


def release(conn: Connection, alert_id: int, occurrence: int, retry_at: datetime) -> None:
    """Computing failed: try again at ``retry_at``."""
    conn.execute(
        update(alert_evidence)
        .where(_E.alert_id == alert_id, _E.occurrence == occurrence)
        .values(claimed_until=None, next_at=retry_at)
    )


def get(conn: Connection, alert_id: int) -> StoredEvidence | None:
    row = conn.execute(select(alert_evidence).where(_E.alert_id == alert_id)).one_or_none()
    if row is None:
        return None
    return StoredEvidence(
        alert_id=row.alert_id,
        occurrence=row.occurrence,
        computed_at=row.computed_at,
        evidence=row.evidence or {},
        error_logs=bool(row.error_logs),
        final=bool(row.final),
        next_at=row.next_at,
    )


def for_decision(conn: Connection, alert_id: int, occurrence: int) -> dict[str, Any] | None:
    """The computed evidence of this occurrence of the alert (None: none computed yet)."""
    row = conn.execute(
        select(_E.evidence).where(_E.alert_id == alert_id, _E.occurrence == occurrence)
    ).one_or_none()
    if row is None or not row.evidence:
        return None
    evidence: dict[str, Any] = row.evidence
    return evidence


def others_started(
    conn: Connection, since: datetime, until: datetime, *, exclude: int, limit: int = 200
) -> list[OtherAlert]:
    """Alerts whose current occurrence opened in ``[since, until]`` (other than ``exclude``), the most
    recently changed ``limit`` of them (the candidates evidence ranks)."""
    rows = conn.execute(
        select(_A.id, _A.name, _A.source, _A.state, _A.labels, _A.opened_at, _A.source_started_at)
        .where(
            # updated_at is indexed and never before opened_at: it narrows the scan.
            _A.updated_at >= since,
            and_(_A.opened_at >= since, _A.opened_at <= until),
            _A.id != exclude,
        )
        .order_by(_A.updated_at.desc(), _A.id.desc())
        .limit(limit)
    )
    return [
        OtherAlert(
            alert_id=row.id,
            name=row.name,
            source=row.source,
            state=row.state,
            labels=row.labels or {},
            started=row.source_started_at or row.opened_at,
        )
        for row in rows
    ]


def templates(conn: Connection, template_ids: Sequence[str]) -> dict[str, tuple[str, datetime | None]]:
    """The text of each of these templates Holdoff's store knows, and when it first saw it."""
    wanted = sorted({template_id for template_id in template_ids if template_id})
    if not wanted:
        return {}
    _L = log_templates.c
    rows = conn.execute(select(_L.id, _L.template, _L.first_seen).where(_L.id.in_(wanted)))
    return {template_id: (text, seen) for template_id, text, seen in rows}
