"""A bound on the posts waiting for a writer: beyond it a post is refused at once (:class:`Busy`,
answered 429 or 503 with Retry-After) rather than queued without bound."""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
