"""The metric ingest shell: samples from any way in (push, remote_write, pulls) are stored and handed
to what follows them (the detectors: an :class:`~holdoff.metrics.sink.AfterStore`) in one transaction,
so a detector's state never runs ahead of the samples it saw.

Posts waiting for the writer are counted: beyond ``max_pending`` a post is refused at once
(:class:`Busy`, answered 429 with Retry-After, which Prometheus retries) rather than queued without
bound. :class:`MetricRetention` deletes samples older than ``metrics.retention.days`` in short
transactions, a chunk at a time, so it never holds a long write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from holdoff.clock import Clock
from holdoff.metrics.config import MetricsSection
from holdoff.metrics.model import Sample
from holdoff.metrics.push import MAX_AHEAD, check_times
from holdoff.metrics.sink import AfterStore
from holdoff.service.admission import Admission
from holdoff.store import metric_samples
from holdoff.store.db import Database
from holdoff.store.metric_samples import Stored

log = logging.getLogger(__name__)

MAX_RETENTION_CHUNKS = 200
"""Chunks one retention step deletes at most (the next step goes on)."""


class MetricIngest:
    """Stores samples and runs ``after`` on them in the same transaction: the process's
    :class:`~holdoff.metrics.sink.MetricSink` (call :meth:`ingest` from a worker thread)."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        max_series: int | None = None,
        keep: timedelta | None = None,
        max_pending: int = 16,
        after: AfterStore | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.max_series = max_series
        self.keep = keep
        """The retention: older samples are not stored (None: any age)."""
        self.max_pending = max_pending
        self.after = after
        self._admission = Admission(max_pending, "metric")

    def admitted(self) -> AbstractContextManager[None]:
        """Hold a place among the posts waiting for the writer; :class:`Busy` when they are full."""
        return self._admission.admitted()

    def span(self, now: datetime) -> tuple[datetime, datetime]:
        """The times a sample may have: within the retention, and not ahead of ``now`` (by more than
        :data:`~holdoff.metrics.push.MAX_AHEAD`)."""
        return (
            now - self.keep if self.keep is not None else datetime.min.replace(tzinfo=UTC),
            now + MAX_AHEAD,
        )

    def check(self, samples: Sequence[Sample]) -> None:
        """:class:`~holdoff.metrics.push.BadSample` for the first sample outside :meth:`span`."""
        check_times(samples, *self.span(self.clock()))

    def store(self, samples: Sequence[Sample]) -> Stored:
        """Store ``samples`` and run ``after`` on them, in one transaction; what was stored. Samples
        outside :meth:`span` are dropped (counted)."""
        now = self.clock()
        start, end = self.span(now)
        kept = [sample for sample in samples if start <= sample.timestamp <= end]
        with self.db.transaction() as conn:
            done = metric_samples.store(conn, kept, max_series=self.max_series)
            if done.dropped_ids:  # series refused at max_series are not scored either
                kept = [sample for sample in kept if sample.series_id not in done.dropped_ids]
            if self.after is not None and kept:
                self.after(conn, kept, now)
        if len(kept) < len(samples):
            log.warning(
                "metrics: %d sample(s) outside the retention or ahead of the clock dropped",
                len(samples) - len(kept),
            )
            done = replace(done, dropped=done.dropped + len(samples) - len(kept))
        if done.dropped_series:
            log.warning(
                "metrics: %d sample(s) of %d new series dropped: %s series are stored (metrics.retention.max_series)",
                done.dropped,
                done.dropped_series,
                self.max_series,
            )
        return done

    def ingest(self, samples: Sequence[Sample]) -> int:
        """:class:`~holdoff.metrics.sink.MetricSink`: how many samples were new."""
        return self.store(samples).stored


class MetricRetention:
    """Deletes samples older than the retention, and series not seen since, a chunk per transaction."""

    def __init__(self, db: Database, config: MetricsSection, *, clock: Clock, batch: int = 5_000) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.batch = batch

    def run_once(self) -> int:
        """One sweep; returns 0 (the loop waits its interval) or 1 when chunks are left (it goes on)."""
        before = self.clock() - timedelta(days=self.config.retention.days)
        deleted = series = 0
        for _ in range(MAX_RETENTION_CHUNKS):
            with self.db.transaction() as conn:
                gone = metric_samples.delete_expired(conn, before, batch=self.batch)
            deleted += gone
            if gone == 0:
                break
        else:
            log.info("metric retention: %d sample(s) deleted, more left", deleted)
            return 1
        for _ in range(MAX_RETENTION_CHUNKS):
            with self.db.transaction() as conn:
                gone = metric_samples.delete_stale_series(conn, before, batch=self.batch)
            series += gone
            if gone < self.batch:
                break
        if deleted or series:
            log.info("metric retention: %d sample(s) and %d series deleted", deleted, series)
        return 0
