"""Bounds on work waiting: beyond one, a post is refused at once (:class:`Busy`, answered 429 or 503 with
Retry-After) rather than queued without bound. :class:`Admission` counts the posts waiting for a writer
(log and metric ingest); :class:`Backlog` caches a count of rows waiting in the database (the outbox),
which alert webhooks are refused beyond (:mod:`holdoff.service.ingest_queue`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Busy(RuntimeError):
    """Too many posts are waiting for the writer; the sender should retry later."""


class Admission:
    """Counts the posts waiting for the writer; ``what`` names them in :class:`Busy`'s message."""

    def __init__(self, max_pending: int, what: str) -> None:
        self.max_pending = max_pending
        self.what = what
        self._lock = threading.Lock()
        self._pending = 0

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Hold a place among the posts waiting for the writer; :class:`Busy` when they are full."""
        with self._lock:
            if self._pending >= self.max_pending:
                raise Busy(f"{self._pending} {self.what} posts are waiting for the writer")
            self._pending += 1
        try:
            yield
        finally:
            with self._lock:
                self._pending -= 1

    @property
    def pending(self) -> int:
        return self._pending


class Backlog:
    """A bound on rows waiting in the database (the undelivered outbox): beyond it, :meth:`check` raises
    :class:`Busy`. The count is cached and read again at most every ``every`` seconds, by one caller at a
    time, so a post pays for a bounded count once a second at most, not a query each."""

    def __init__(
        self,
        count: Callable[[int], int],
        bound: int | None,
        what: str,
        *,
        every: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._count = count
        """Rows waiting, counted up to the limit given (a bounded count stays cheap)."""
        self.bound = bound
        self.what = what
        self.every = every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._refreshing = False
        self.depth = 0

    def due(self) -> bool:
        """Whether the cached count is older than ``every`` and nobody is reading it again: the caller
        that gets True must call :meth:`refresh` (off the event loop)."""
        if self.bound is None:
            return False
        with self._lock:
            stale = self._read_at is None or self._monotonic() - self._read_at >= self.every
            if not stale or self._refreshing:
                return False
            self._refreshing = True
            return True

    def refresh(self) -> None:
        """Count again now (blocking: a database read)."""
        try:
            depth = self._count((self.bound or 0) + 1)
        finally:
            with self._lock:
                self._refreshing = False
        with self._lock:
            self.depth = depth
            self._read_at = self._monotonic()

    def check(self) -> None:
        """:class:`Busy` when the last count reached the bound."""
        if self.bound is not None and self.depth >= self.bound:
            raise Busy(f"{self.depth} {self.what} are waiting, the bound is {self.bound}")
