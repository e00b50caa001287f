"""The log path's periodic work: retention of raw lines and per-minute counts, the detectors' sweep
(occurrences gone quiet resolve), and the scheduled retrain of the classifier on operators' marks.

Every step is safe in several processes at once: deletes are idempotent, the sweep locks the states it
takes (``SKIP LOCKED``), and a retrain is deterministic (the same corpus seed and the same marks give
the same weights), so two processes retraining at once write the same model.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from holdoff.clock import Clock
from holdoff.logs import training
from holdoff.logs.classify import store as model_store
from holdoff.logs.config import LogsSection
from holdoff.service.log_ingest import LogIngest
from holdoff.store import log_counts, log_lines, log_marks
from holdoff.store.db import Database

log = logging.getLogger(__name__)


class LogUpkeep:
    """Retention and the detectors' sweep: one step per ``logs.retention.sweep_seconds``."""

    def __init__(self, db: Database, ingest: LogIngest, config: LogsSection, *, clock: Clock) -> None:
        self.db = db
        self.ingest = ingest
        self.config = config
        self.clock = clock

    def run_once(self) -> int:
        now = self.clock()
        retention = self.config.retention
        with self.db.transaction() as conn:
            lines = log_lines.delete_expired(conn, now, hours=retention.hours, max_rows=retention.max_rows)
        with self.db.transaction() as conn:
            minutes = log_counts.delete_before(conn, now - timedelta(days=retention.counts_days))
        if lines or minutes:
            log.info("log retention: %d line(s) and %d minute count(s) deleted", lines, minutes)
        self.ingest.sweep(now)
        return 0


def retrain_due(
    model: model_store.ModelInfo | None, marks: list[training.Mark], now: datetime, every: timedelta
) -> bool:
    """Pure: retrain when operators marked templates since the current model was trained (a mark newer
    than its feedback, or a different number of marks), and the model is at least ``every`` old."""
    if not marks or model is None:
        return False
    if now - model.created < every:
        return False
    known = model.feedback
    newest = max(mark.at for mark in marks)
    return known.count != len(marks) or known.last is None or newest > known.last


class LogRetrain:
    """The scheduled retrain: checks once per loop interval whether :func:`retrain_due`."""

    def __init__(self, db: Database, model_dir: Path, every: timedelta, *, clock: Clock) -> None:
        self.db = db
        self.model_dir = model_dir
        self.every = every
        self.clock = clock

    def run_once(self) -> int:
        with self.db.read() as conn:
            marks = log_marks.as_feedback(conn)
        try:
            _, info = model_store.read_current(self.model_dir)
        except model_store.NoModel:
            return 0  # the ingest trains the first model when it needs one
        now = self.clock()
        if not retrain_due(info, marks, now, self.every):
            return 0
        fresh = training.train(self.model_dir, seed=info.seed, now=now, feedback=marks)
        log.info(
            "log classifier retrained on %d mark(s): %s (was %s)", len(marks), fresh.version, info.version
        )
        return 0
