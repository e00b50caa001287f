"""The shell around :mod:`holdoff.evidence`: when evidence is computed, what is fetched for it, where
it is kept, and what the grace deadline's decision sees of it.

- **Held** (:meth:`EvidenceHooks.written`, called by the mediation shell in the transaction that holds an
  alert): a row is scheduled, due at once; :class:`EvidenceWorker` (a loop component of every process)
  claims due rows under a lease (``SKIP LOCKED`` on PostgreSQL), fetches the logs, other alerts and change
  events outside any transaction, computes, and stores the evidence with its next time: ``refresh`` later
  while the alert is held.
- **No longer held** (escalated, acknowledged, suppressed, resolved): the row is due once more, and what
  is computed then is final.
- **Decided**: when a timer fires (the grace deadline), :meth:`EvidenceHooks.seen_by_core` gives the core
  the alert with what its evidence says about error logs (see
  :data:`holdoff.mediate.routing.ERROR_LOGS_LABEL`), and the summary for the message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.evidence.compute import LogsFetched, compute, mine, window
from holdoff.evidence.config import EvidenceSection
from holdoff.evidence.model import Change, Evidence, LogLine, LogStatus, Subject
from holdoff.logs.lookup.around import Around, NoService, query_for
from holdoff.logs.lookup.query import FoundLine, LogLookup, LookupFailed
from holdoff.mediate.evolve import evolve
from holdoff.mediate.model import ERROR_LOGS_LABEL, AlertRecord, AlertState, Outcome
from holdoff.mediate.routing import with_evidence
from holdoff.store import alert_evidence as evidence_store
from holdoff.store import alerts as alert_store
from holdoff.store import change_events as change_store
from holdoff.store.db import Database

log = logging.getLogger(__name__)

BATCH = 10
"""Alerts whose evidence one pass computes."""


class EvidenceHooks:
    """What the mediation shell does about evidence inside its own transactions."""

    def __init__(self, wake: threading.Event | None = None) -> None:
        self.wake = wake

    def written(self, conn: Connection, decided: Sequence[tuple[int, Outcome]], now: datetime) -> None:
        """Schedule evidence for alerts this transaction held, and once more for those it released."""
        opened: list[tuple[int, int]] = []
        left: list[int] = []
        for alert_id, outcome in decided:
            before, after = outcome.timeline.state_before, outcome.alert.state
            if after is AlertState.PENDING and before is not AlertState.PENDING and outcome.changed:
                opened.append((alert_id, outcome.alert.occurrence))
            elif before is AlertState.PENDING and after is not AlertState.PENDING:
                left.append(alert_id)
        evidence_store.schedule(conn, opened, now)
        evidence_store.settle(conn, left, now)
        if (opened or left) and self.wake is not None:
            self.wake.set()

    @staticmethod
    def seen_by_core(conn: Connection, alert_id: int, record: AlertRecord) -> tuple[AlertRecord, str | None]:
        """The alert as the core decides on it (with what its evidence says about error logs), and the
        evidence's summary for messages (None: none computed yet)."""
        data = evidence_store.for_decision(conn, alert_id, record.occurrence)
        if data is None:
            if ERROR_LOGS_LABEL not in record.labels:
                return record, None
            # A source sent the reserved label itself: what nobody computed is unknown.
            return evolve(record, labels=with_evidence(record.labels, None)), None
        seen = evolve(record, labels=with_evidence(record.labels, data.get("error_logs")))
        return seen, data.get("summary")

    @staticmethod
    def as_stored(outcome: Outcome, record: AlertRecord) -> Outcome:
        """The outcome with the alert's own labels again (the evidence is not one of its labels)."""
        if outcome.alert.labels is record.labels:
            return outcome
        return evolve(outcome, alert=evolve(outcome.alert, labels=record.labels))


def _line(found: FoundLine) -> LogLine:
    return LogLine(
        timestamp=found.timestamp,
        message=found.message,
        host=found.host,
        level=found.level,
        severity=found.labels.get("severity"),
        template_id=found.labels.get("template_id"),
    )


class EvidenceWorker:
    """Computes due evidence: one loop per process, rows claimed under a lease."""

    def __init__(
        self,
        db: Database,
        lookup: LogLookup,
        config: EvidenceSection,
        *,
        clock: Clock,
        lease: timedelta,
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.lookup = lookup
        self.config = config
        self.clock = clock
        self.lease = lease
        self.batch = batch

    def run_once(self) -> int:
        """Compute every due row (up to the batch); how many were claimed."""
        now = self.clock()
        with self.db.transaction() as conn:
            claimed = evidence_store.claim_due(conn, now, now + self.lease, self.batch)
        for alert_id, occurrence in claimed:
            try:
                self.compute_one(alert_id, occurrence)
            except Exception:
                log.exception("evidence of alert %s could not be computed; trying again later", alert_id)
                with self.db.transaction() as conn:
                    evidence_store.release(conn, alert_id, occurrence, self.clock() + self.config.refresh)
        return len(claimed)

    def compute_one(self, alert_id: int, occurrence: int) -> Evidence | None:
        """Compute and store the evidence of this occurrence of the alert (None: it moved on)."""
        with self.db.read() as conn:
            stored = alert_store.get(conn, alert_id)
        if stored is None or stored.record.occurrence != occurrence:
            return None
        record = stored.record
        subject = Subject(
            alert_id=alert_id,
            name=record.name,
            source=record.source,
            labels=record.labels,
            started=record.source_started_at or record.opened_at or stored.created_at,
        )
        fetched = self._logs(subject)
        span = window(subject, self.config)
        with self.db.read() as conn:
            templates = evidence_store.templates(conn, [line.template_id or "" for line in fetched.lines])
            others = evidence_store.others_started(conn, span[0], span[1], exclude=alert_id)
            changes = change_store.between(
                conn, since=subject.started - self.config.changes_before, until=span[1]
            )
        lines = [
            line.model_copy(update={"template": templates[line.template_id][0]})
            if line.template is None and line.template_id in templates
            else line
            for line in fetched.lines
        ]
        first_seen = {tid: seen for tid, (_, seen) in templates.items() if seen is not None}
        now = self.clock()
        evidence = compute(
            subject,
            LogsFetched(
                status=fetched.status,
                lines=lines,
                store=fetched.store,
                service=fetched.service,
                host=fetched.host,
                detail=fetched.detail,
            ),
            first_seen,
            others,
            changes,
            now,
            self.config,
        )
        held = record.state is AlertState.PENDING
        with self.db.transaction() as conn:
            evidence_store.save(
                conn,
                alert_id,
                occurrence,
                evidence.model_dump(mode="json"),
                error_logs=bool(evidence.error_logs),
                final=not held,
                next_at=now + self.config.refresh if held else None,
                now=now,
            )
        return evidence

    def _logs(self, subject: Subject) -> LogsFetched:
        """The lines of the alert's service (and host) in the window, mined; or why there are none."""
        around = Around(before=self.config.before, after=self.config.after, limit=self.config.max_lines)
        try:
            query = query_for(subject.labels, subject.started, around)
        except NoService as error:
            return LogsFetched(status=LogStatus.NO_SERVICE, store=self.lookup.name, detail=str(error))
        try:
            found = self.lookup.lines(query)
        except LookupFailed as error:
            return LogsFetched(
                status=LogStatus.FAILED,
                store=self.lookup.name,
                service=query.service,
                host=query.host,
                detail=str(error),
            )
        return LogsFetched(
            status=LogStatus.OK,
            lines=mine([_line(item) for item in found]),
            store=self.lookup.name,
            service=query.service,
            host=query.host,
        )


def record_changes(db: Database, changes: Sequence[dict[str, Any]], now: datetime) -> list[int]:
    """Store change events (``at`` defaults to ``now``); their ids, in order."""
    rows = [{**change, "at": change.get("at") or now} for change in changes]
    with db.transaction() as conn:
        return change_store.add(conn, rows, now)


def list_changes(
    db: Database,
    *,
    since: datetime | None,
    until: datetime | None,
    service: str | None,
    type: str | None,
    limit: int,
) -> list[Change]:
    with db.read() as conn:
        return change_store.between(conn, since=since, until=until, service=service, type=type, limit=limit)


def stored_evidence(db: Database, alert_id: int) -> tuple[bool, evidence_store.StoredEvidence | None]:
    """Whether the alert exists, and its evidence row (None: never held since evidence was on)."""
    with db.read() as conn:
        if alert_store.get(conn, alert_id) is None:
            return False, None
        return True, evidence_store.get(conn, alert_id)
