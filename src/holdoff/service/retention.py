"""The shell of retention (:mod:`holdoff.retention`): the prune job, and what ``holdoff db stats`` shows.

The prune job deletes what retention says, a chunk per short transaction, one process at a time.

A run claims the job first: on PostgreSQL a session advisory lock held on its own connection outside any
transaction (it holds no row lock, and goes with the session if the process dies); on SQLite a file lock
beside the database (every process of a SQLite installation is on one host). A process that finds the
job claimed skips its run. Each chunk is its own transaction: the rows it takes are locked only while
their children and they are deleted, so ingest and the scheduler never wait long behind a prune.

Raw log lines and metric samples are pruned by their own loops (:mod:`holdoff.service.log_upkeep`,
:class:`holdoff.service.metric_ingest.MetricRetention`), as before; ``holdoff db stats`` lists them, with every table's size and what the next prune removes from it, by
the retention that removes it.
"""

from __future__ import annotations

import fcntl
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import text

from holdoff.clock import Clock
from holdoff.logs.config import LogsSection
from holdoff.metrics.config import MetricsSection
from holdoff.retention.config import RetentionSection
from holdoff.retention.plan import (
    WHAT,
    Kind,
    Plan,
    TableLine,
    cutoffs,
    describe_keep,
    keep_for,
    plan,
    table_lines,
)
from holdoff.store import retention as store
from holdoff.store.db import Database

log = logging.getLogger(__name__)

PRUNE_LOCK_KEY = 0x486F6C64_52657465 & 0x7FFF_FFFF_FFFF_FFFF
"""The PostgreSQL advisory lock of the prune job ("HoldRete")."""


@contextmanager
def claimed(db: Database) -> Iterator[bool]:
    """Claim the prune job for this block: True when this process holds it, False when another does."""
    if db.is_sqlite:
        assert db.url.database is not None
        with open(db.url.database + ".prune-lock", "ab") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PRUNE_LOCK_KEY}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PRUNE_LOCK_KEY})


class Pruner:
    """One run per ``retention.every``: plan from the rows past retention, then delete chunk by chunk."""

    def __init__(self, db: Database, config: RetentionSection, *, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    def next_plan(self) -> Plan:
        """What a run now would remove (read only)."""
        now = self.clock()
        with self.db.read() as conn:
            past = {
                kind: store.count_past(conn, kind, before)
                for kind, before in cutoffs(self.config, now).items()
            }
        return plan(self.config, now, past)

    def run_once(self) -> int:
        """One run; 1 when chunks are left for the next (the loop goes on at once), else 0."""
        with claimed(self.db) as mine:
            if not mine:
                log.debug("retention: another process is pruning")
                return 0
            return self._prune(self.next_plan())

    def _prune(self, planned: Plan) -> int:
        removed: Counter[Kind] = Counter()
        budget = planned.max_chunks
        for step in planned.steps:
            while budget > 0:
                budget -= 1
                with self.db.transaction() as conn:
                    gone = store.delete_chunk(conn, step.kind, step.before, planned.chunk)
                removed[step.kind] += gone
                if gone < planned.chunk:
                    break
        if removed:
            done = ", ".join(f"{count} {WHAT[kind]}" for kind, count in removed.items() if count)
            log.info("retention: deleted %s%s", done, "" if planned.finishes else " (more left)")
        return 0 if planned.finishes else 1


def gather(
    db: Database, retention: RetentionSection, logs: LogsSection, metrics: MetricsSection, now: datetime
) -> list[TableLine]:
    """Read the sizes and the rows past retention (read only) and join them."""
    cuts = cutoffs(retention, now)
    rules = {kind.value: f"{kind.value} {describe_keep(keep_for(retention, kind))}" for kind in cuts}
    log_keep = logs.retention
    rules["logs"] = f"logs {describe_keep(timedelta(hours=log_keep.hours))}"
    rules["log counts"] = f"log counts {describe_keep(timedelta(days=log_keep.counts_days))}"
    rules["metrics"] = f"metrics {describe_keep(timedelta(days=metrics.retention.days))}"
    with db.read() as conn:
        sizes = store.table_sizes(conn)
        removals: dict[str, dict[str, int]] = {
            kind.value: counts for kind, counts in store.removals(conn, cuts).items()
        }
        removals["logs"] = {
            "log_lines": store.log_lines_past(conn, now, hours=log_keep.hours, max_rows=log_keep.max_rows)
        }
        removals["log counts"] = {
            "log_template_minutes": store.log_minutes_past(conn, now - timedelta(days=log_keep.counts_days))
        }
        removals["metrics"] = {
            "metric_samples": store.metric_samples_past(conn, now - timedelta(days=metrics.retention.days))
        }
    return table_lines(sizes, removals, rules)


def human_bytes(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover
