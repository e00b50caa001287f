"""The log ingest shell: the records of one request are mined, judged, counted and run through the
detectors, and all of it commits in one transaction: lines with their verdicts, template changes,
per-minute counts, totals, detector states, and the alert events the detectors decided (an outbox,
applied to mediation by :mod:`holdoff.service.log_alerts`).

One :class:`LogIngest` per process owns one :class:`~holdoff.logs.miner.TemplateMiner`, restored
from the stored templates at first use and guarded by a lock (the miner is not thread-safe). The
lock is held while a batch is mined and written, so template changes reach the store in the order
they were made. If the write fails the miner is dropped and restored from the store at the next
request, so its counts never run ahead of what is stored.

Posts waiting for the lock are counted: beyond ``max_pending`` a post is refused at once
(:class:`Busy`, answered 429 with Retry-After) rather than queued without bound.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.logs.detect.events import events as finding_events
from holdoff.logs.detect.model import Detector, Finding, Seen
from holdoff.logs.miner import MinerConfig, TemplateMiner
from holdoff.logs.model import LogRecord, LogSeverity, TemplateHistory, Verdict
from holdoff.logs.pipeline import LogPipeline
from holdoff.service.admission import Admission
from holdoff.service.log_judge import Judge
from holdoff.store import log_counts, log_detector_state, log_lines, log_templates
from holdoff.store.db import Database
from holdoff.store.findings import LOG_FINDINGS
from holdoff.store.log_lines import LogLineRow


@dataclass(frozen=True, slots=True)
class Ingested:
    """What one request did."""

    accepted: int
    stored: int
    duplicates: int
    templates_new: int
    critical: int = 0
    findings: int = 0


class LogIngest:
    """Mine, judge, count, detect and store log records (call :meth:`ingest` from a worker thread)."""

    def __init__(
        self,
        db: Database,
        judge: Judge,
        *,
        clock: Clock,
        detectors: Sequence[Detector] = (),
        miner_config: MinerConfig | None = None,
        max_pending: int = 16,
        on_findings: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.judge = judge
        self.clock = clock
        self.detectors = tuple(detectors)
        self.config = miner_config or MinerConfig()
        self.max_pending = max_pending
        self.on_findings = on_findings
        self._lock = threading.Lock()
        self._admission = Admission(max_pending, "log")
        self._pipeline: LogPipeline | None = None
        """Mining and judging (the detectors run here, over states locked in the database)."""

    def admitted(self) -> AbstractContextManager[None]:
        """Hold a place among the posts waiting for the writer; :class:`Busy` when they are full."""
        return self._admission.admitted()

    @property
    def pending(self) -> int:
        return self._admission.pending

    def _restored(self) -> LogPipeline:
        if self._pipeline is None:
            with self.db.read() as conn:
                miner = TemplateMiner(self.config, templates=log_templates.load(conn))
            self._pipeline = LogPipeline(self.judge.verdict, miner=miner, marks=self.judge.marks)
        return self._pipeline

    def ingest(self, records: Sequence[LogRecord], received: datetime) -> Ingested:
        """Store ``records`` (those whose record id is stored already are skipped, not mined)."""
        with self._lock:
            try:
                self.judge.refresh()
                done = self._ingest(records, received)
            except BaseException:
                self._pipeline = None
                raise
        if done.findings and self.on_findings is not None:
            self.on_findings()
        return done

    def peek(self, record: LogRecord) -> Verdict:
        """The verdict ``record`` would get now, changing nothing (``GET /log/{message}``)."""
        with self._lock:
            self.judge.refresh()
            mined = self._restored()
            found = mined.miner.peek(record.message)
            template_id = mined.miner.resolve(found.template_id) if found else ""
            stored = next((t for t in mined.miner.templates() if t.template_id == template_id), None)
            history = TemplateHistory(
                template_id=template_id,
                template=found.template if found else record.message,
                seen=stored.count if stored else 0,
                first_seen=stored.first_seen if stored else None,
                marked=self.judge.marks.get(template_id),
            )
            return self.judge.verdict(record, history)

    def _ingest(self, records: Sequence[LogRecord], received: datetime) -> Ingested:
        mined = self._restored()
        now = self.clock()
        with self.db.transaction() as conn:
            seen = mined.see(_fresh(conn, records))
            log_templates.upsert(conn, mined.miner.take_changes())
            stored = log_lines.insert(conn, [_row(item, received) for item in seen])
            _count(conn, seen)
            findings = self._detect(conn, seen, now)
        return Ingested(
            accepted=len(records),
            stored=stored,
            duplicates=len(records) - stored,
            templates_new=sum(item.new_template for item in seen),
            critical=sum(item.verdict.critical for item in seen),
            findings=len(findings),
        )

    def _detect(self, conn: Connection, seen: Sequence[Seen], now: datetime) -> list[Finding]:
        findings: list[Finding] = []
        if not seen:
            return findings
        for detector in self.detectors:
            keys = detector.keys(seen)
            states = log_detector_state.lock(conn, detector.name, keys, now)
            step = detector.observe({k: v for k, v in states.items() if v}, seen, now)
            log_detector_state.save(conn, detector.name, step.states, step.expires, now)
            findings += step.findings
        LOG_FINDINGS.add(conn, finding_events(findings), now)
        return findings

    def sweep(self, now: datetime) -> int:
        """Each detector's periodic look at keys gone quiet (resolves, windows emptied); findings
        commit with the states, as on ingest. Returns the findings queued."""
        queued = 0
        for detector in self.detectors:
            with self.db.transaction() as conn:
                states = log_detector_state.due(conn, detector.name, now)
                if not states:
                    continue
                step = detector.expire(states, now)
                log_detector_state.save(conn, detector.name, step.states, step.expires, now)
                LOG_FINDINGS.add(conn, finding_events(step.findings), now)
                queued += len(step.findings)
        if queued and self.on_findings is not None:
            self.on_findings()
        return queued


def _fresh(conn: Connection, records: Sequence[LogRecord]) -> list[LogRecord]:
    """``records`` without those whose (service, record id) is stored or came earlier in the batch."""
    keys = {(r.service, r.record_id) for r in records if r.record_id is not None}
    known = log_lines.known_record_ids(conn, keys) if keys else set()
    fresh: list[LogRecord] = []
    taken: set[tuple[str, str]] = set()
    for record in records:
        if record.record_id is not None:
            key = (record.service, record.record_id)
            if key in known or key in taken:
                continue
            taken.add(key)
        fresh.append(record)
    return fresh


def _count(conn: Connection, seen: Sequence[Seen]) -> None:
    minutes: dict[tuple[str, str, datetime], tuple[int, int]] = {}
    totals: Counter[tuple[str, str]] = Counter()
    for item in seen:
        key = (item.template_id, item.record.service, log_counts.minute_of(item.record.timestamp))
        lines, critical = minutes.get(key, (0, 0))
        minutes[key] = (lines + 1, critical + item.verdict.critical)
        severity = LogSeverity.CRITICAL if item.verdict.critical else item.verdict.severity
        totals[(item.record.service, severity.label)] += 1
    log_counts.add_minutes(conn, minutes)
    log_counts.add_totals(conn, totals)


def _row(item: Seen, received: datetime) -> LogLineRow:
    record, verdict = item.record, item.verdict
    return LogLineRow(
        received_at=received,
        timestamp=record.timestamp,
        service=record.service,
        host=record.host,
        level=record.level,
        severity_number=record.severity_number,
        message=record.message,
        template_id=item.template_id,
        attributes=dict(record.attributes),
        record_id=record.record_id,
        severity=verdict.severity.label,
        critical=verdict.critical,
        score=round(verdict.score, 4),
        reason=[[feature.name, round(feature.weight, 4)] for feature in verdict.reason],
        model_version=verdict.model_version,
    )
