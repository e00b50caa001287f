"""The scheduled pulls' loop: each step claims one due pull (:mod:`holdoff.store.metric_pulls`: one
process at a time, with a lease), asks its source for the range from where the last pull ended to now
(bounded by ``lookback``), hands the samples to the sink (stored, then the detectors), and sets when it
runs next. A failure is kept (``failures``, ``last_error``, logged without secrets) and the pull backs
off exponentially: ``every * 2**failures``, at most :data:`MAX_BACKOFF` (or ``every`` if longer).

The network call is made outside any transaction. If the process dies between storing the samples and
writing the pull's outcome, the next holder asks for the same range again: duplicates are ignored, so
nothing is stored twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from holdoff.clock import Clock
from holdoff.metrics.pull.base import MetricPull, PullFailed
from holdoff.metrics.pull.catalog import AnyPullConfig
from holdoff.metrics.sink import MetricSink
from holdoff.store import metric_pulls
from holdoff.store.db import Database

log = logging.getLogger(__name__)

MAX_BACKOFF: Final = timedelta(hours=1)
DEFAULT_LEASE: Final = timedelta(minutes=5)
CHECK_SECONDS: Final = 5.0


def backoff(every: timedelta, failures: int) -> timedelta:
    """Pure: the wait after ``failures`` failures in a row (0: the ordinary ``every``)."""
    if failures <= 0:
        return every
    return min(every * (1 << min(failures, 30)), max(MAX_BACKOFF, every))


class MetricPulls:
    """Runs the configured pulls, one due pull per :meth:`run_once`."""

    def __init__(
        self,
        db: Database,
        configs: Sequence[AnyPullConfig],
        sink: MetricSink,
        *,
        clock: Clock,
        owner: str,
        lease: timedelta = DEFAULT_LEASE,
        pulls: Mapping[str, MetricPull] | None = None,
    ) -> None:
        self.db = db
        self.configs = {config.name: config for config in configs}
        self.sink = sink
        self.clock = clock
        self.owner = owner
        self.lease = lease
        self.pulls: dict[str, MetricPull] = dict(pulls or {})
        """Each pull by name; those not given are built from their config at first use."""
        self._ensured = False

    def _pull(self, name: str) -> MetricPull:
        if name not in self.pulls:
            self.pulls[name] = self.configs[name].build()
        return self.pulls[name]

    def run_once(self) -> int:
        """Run one due pull; 1 if one ran (the loop goes on at once), 0 when none is due."""
        if not self.configs:
            return 0
        now = self.clock()
        names = sorted(self.configs)
        with self.db.transaction() as conn:
            if not self._ensured:
                metric_pulls.ensure(conn, names, now)
                self._ensured = True
            row = metric_pulls.claim(conn, names, now, self.owner, self.lease)
        if row is None:
            return 0
        config = self.configs[row.name]
        try:
            end = self._run(row.name, row.last_end, now)
        except Exception as exc:
            failures = row.failures + 1
            text = (
                str(exc) if isinstance(exc, PullFailed) else f"{type(exc).__name__}: {config.scrub(str(exc))}"
            )
            wait = backoff(config.every, failures)
            log.warning("metric pull %s failed (%d in a row; next in %s): %s", row.name, failures, wait, text)
            with self.db.transaction() as conn:
                metric_pulls.finish(
                    conn, row.name, self.owner, next_at=self.clock() + wait, now=now, error=text
                )
            return 1
        with self.db.transaction() as conn:
            metric_pulls.finish(conn, row.name, self.owner, next_at=now + config.every, now=now, end=end)
        return 1

    def _run(self, name: str, last_end: datetime | None, now: datetime) -> datetime | None:
        """Pull and sink one range; where it ended (``last_end`` when there was nothing new)."""
        pull = self._pull(name)
        span = pull.window(last_end, now)
        if span is None:
            return last_end
        start, end = span
        pulled = pull.pull(start, end)
        stored = self.sink.ingest(pulled.samples) if pulled.samples else 0
        if pulled.dropped_series:
            log.warning(
                "metric pull %s: %d series over max_series (%d) dropped",
                name,
                pulled.dropped_series,
                self.configs[name].max_series,
            )
        log.debug(
            "metric pull %s: %s..%s, %d series, %d sample(s), %d new",
            name,
            start.isoformat(),
            end.isoformat(),
            pulled.series,
            len(pulled.samples),
            stored,
        )
        return end

    @property
    def check_seconds(self) -> float:
        """How often the loop looks for a due pull: every 5 s, or the shortest ``every`` if shorter."""
        return min([CHECK_SECONDS, *(c.every.total_seconds() for c in self.configs.values())])

    def close(self) -> None:
        for pull in self.pulls.values():
            pull.close()
        self.pulls.clear()

    def describe(self) -> str:
        return ", ".join(config.describe() for config in self.configs.values()) or "none"
