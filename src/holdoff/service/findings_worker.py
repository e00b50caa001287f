"""Applies a detectors' alert events (an outbox of :mod:`holdoff.store.findings`: the log detectors'
``log_findings``, the metric detectors' ``metric_findings``) through mediation, so log- and
metric-born alerts are held, escalated, silenced and grouped like any other.

A row is deleted once its events are applied. A row that fails is tried again after a back-off (the
rows after it wait, so events of one alert keep their order); after :data:`MAX_ATTEMPTS` it is dropped
with an error in the log, so one bad row cannot stop the detectors' alerting for good.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from holdoff.clock import Clock
from holdoff.service.mediation import Mediator
from holdoff.store.db import Database
from holdoff.store.findings import FindingsOutbox

log = logging.getLogger(__name__)

BATCH = 200
MAX_ATTEMPTS = 8
BACKOFF = timedelta(seconds=2)


class FindingsWorker:
    """The worker step: claim pending findings, apply them in order, delete what was applied.
    ``what`` names the detectors in the log (``log``, ``metric``)."""

    def __init__(
        self,
        db: Database,
        mediator: Mediator,
        outbox: FindingsOutbox,
        *,
        what: str,
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self.db = db
        self.mediator = mediator
        self.outbox = outbox
        self.what = what
        self.clock = clock
        self.lease = lease

    def run_once(self) -> int:
        """Apply what is pending; how many rows were applied (or dropped)."""
        with self.db.transaction() as conn:
            claimed = self.outbox.claim(conn, self.clock(), self.lease, BATCH)
        handled = 0
        for index, row in enumerate(claimed):
            result = self.mediator.apply_groups([row.events])[0]
            if not isinstance(result, Exception):
                with self.db.transaction() as conn:
                    self.outbox.done(conn, [row.id])
                handled += 1
                continue
            rest = [later.id for later in claimed[index + 1 :]]
            with self.db.transaction() as conn:
                if row.attempts + 1 >= MAX_ATTEMPTS:
                    log.error(
                        "%s alert events dropped after %d tries: %s", self.what, row.attempts + 1, result
                    )
                    self.outbox.done(conn, [row.id])
                    handled += 1
                else:
                    log.warning(
                        "%s alert events not applied (try %d): %s", self.what, row.attempts + 1, result
                    )
                    retry_at = self.clock() + BACKOFF * (2**row.attempts)
                    self.outbox.failed(conn, row.id, str(result), retry_at)
                self.outbox.release(conn, rest)
            break
        return handled
