"""Learning service dependencies from the alert history: the server's hourly job and
``holdoff correlation learn``.

Reads the start of every alert occurrence with a ``service`` label over ``correlation.learned.history``
(:func:`holdoff.store.correlation_views.alert_starts`), runs :func:`holdoff.correlate.learn.learn` with
the configured window, ``min_count`` and ``min_lift``, and replaces the stored pairs, which every
correlation decision then reads. Several processes sharing a database learn once an hour between them:
a process skips the job while the stored pairs are younger than :data:`EVERY`, and the write takes the
correlation lock and checks again, so two processes that learned at the same moment store once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.clock import Clock
from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.learn import learn
from holdoff.correlate.model import Learned
from holdoff.store import correlation as correlation_store
from holdoff.store import correlation_views
from holdoff.store.db import Database

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)
"""How often the server learns again."""
CHECK_SECONDS = 300.0
"""How often the server's loop looks whether :data:`EVERY` has passed."""


@dataclass(frozen=True)
class Learning:
    """What one run learned from."""

    learned: Learned
    starts: int
    """Alert starts read."""
    services: int
    """Services among them."""
    since: datetime
    stored: bool
    """False when another process had just stored fresher pairs (this run's were dropped)."""


def learn_from_history(
    db: Database, config: CorrelationConfig, now: datetime, *, unless_fresher: timedelta | None = None
) -> Learning:
    """Learn from the history before ``now`` and store the pairs (all of them replaced).

    ``unless_fresher``: store nothing when the stored pairs are younger than this (checked under the
    correlation lock, so concurrent runs store once)."""
    since = now - config.learned.history
    with db.read() as conn:
        starts = correlation_views.alert_starts(conn, since)
    settings = config.learned
    learned = learn(starts, config.window, min_count=settings.min_count, min_lift=settings.min_lift)
    with db.transaction() as conn:
        correlation_store.lock(conn)
        if unless_fresher is not None and _fresh(
            correlation_views.last_learned_at(conn), now, unless_fresher
        ):
            stored = False
        else:
            correlation_store.save_learned(conn, learned, now)
            stored = True
    services = len({service for service, _ in starts})
    return Learning(learned, len(starts), services, since, stored)


def _fresh(learned_at: datetime | None, now: datetime, age: timedelta) -> bool:
    return learned_at is not None and now - learned_at < age


class LearnedJob:
    """The server's loop step: learns again once :data:`EVERY` has passed since the last time any
    process stored pairs (or, when nothing was learned, since this process last ran)."""

    def __init__(
        self, db: Database, config: CorrelationConfig, *, clock: Clock, every: timedelta = EVERY
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.every = every
        self.last_run: datetime | None = None

    def run_once(self) -> int:
        now = self.clock()
        if _fresh(self.last_run, now, self.every):
            return 0
        with self.db.read() as conn:
            if _fresh(correlation_views.last_learned_at(conn), now, self.every):
                return 0
        learning = learn_from_history(self.db, self.config, now, unless_fresher=self.every)
        self.last_run = now
        if learning.stored:
            log.info(
                "correlation: learned %d dependency pair(s) from %d alert start(s) of %d service(s)",
                len(learning.learned.pairs),
                learning.starts,
                learning.services,
            )
        return 0
