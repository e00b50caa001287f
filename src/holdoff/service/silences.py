"""Creating, changing and lifting silences.

Changes take effect on the next event for each alert; the end of a silence (by expiry or lifted
early) is processed by the scheduler, which escalates alerts it had muted if they still fire.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.clock import Clock
from holdoff.mediate.matchers import Matcher
from holdoff.store import silences as silence_store
from holdoff.store.db import Database
from holdoff.store.silences import SilenceState, StoredSilence

MAX_DURATION = timedelta(days=366)


class SilenceNotFound(LookupError):
    """No silence has this id."""


class SilenceRejected(ValueError):
    """A silence that cannot be stored as asked; the message says why."""


class SilenceExpired(SilenceRejected):
    """The silence has ended and can no longer be changed; create a new one."""


@dataclass(frozen=True)
class SilenceSpec:
    matchers: tuple[Matcher, ...]
    starts_at: datetime | None
    ends_at: datetime
    created_by: str
    comment: str


class Silences:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler_signal: threading.Event | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler_signal = scheduler_signal
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _check(self, spec: SilenceSpec, now: datetime) -> datetime:
        if not spec.matchers:
            raise SilenceRejected("a silence needs at least one matcher")
        if all(m.matches({}) for m in spec.matchers):
            raise SilenceRejected(
                "these matchers match every alert (even one without labels); add a matcher that selects"
            )
        starts_at = spec.starts_at or now
        if spec.ends_at <= now:
            raise SilenceRejected("ends_at is in the past: the silence would never apply")
        if spec.ends_at <= starts_at:
            raise SilenceRejected("ends_at must be after starts_at")
        if spec.ends_at - starts_at > MAX_DURATION:
            raise SilenceRejected("a silence may last at most 366 days")
        return starts_at

    def create(self, spec: SilenceSpec) -> StoredSilence:
        now = self.clock()
        starts_at = self._check(spec, now)
        with self.db.transaction() as conn:
            new_id = silence_store.create(
                conn,
                matchers=spec.matchers,
                starts_at=starts_at,
                ends_at=spec.ends_at,
                created_by=spec.created_by,
                comment=spec.comment,
                now=now,
            )
            stored = silence_store.get(conn, new_id)
        self._changed()
        assert stored is not None
        return stored

    def update(self, silence_id: int, spec: SilenceSpec) -> StoredSilence:
        now = self.clock()
        with self.db.transaction() as conn:
            current = silence_store.get(conn, silence_id, lock=True)
            if current is None:
                raise SilenceNotFound(f"no silence with id {silence_id}")
            if current.state(now) is SilenceState.EXPIRED:
                raise SilenceExpired(f"silence {silence_id} has expired; create a new one")
            starts_at = self._check(spec, now)
            if current.state(now) is SilenceState.ACTIVE:
                starts_at = current.silence.starts_at  # an active silence keeps its start
            silence_store.update_silence(
                conn,
                silence_id,
                matchers=spec.matchers,
                starts_at=starts_at,
                ends_at=spec.ends_at,
                comment=spec.comment,
                now=now,
            )
            stored = silence_store.get(conn, silence_id)
        self._changed()
        assert stored is not None
        return stored

    def expire(self, silence_id: int) -> StoredSilence:
        """End a silence now; alerts it muted that still fire are escalated by the scheduler."""
        now = self.clock()
        with self.db.transaction() as conn:
            current = silence_store.get(conn, silence_id, lock=True)
            if current is None:
                raise SilenceNotFound(f"no silence with id {silence_id}")
            if current.state(now) is not SilenceState.EXPIRED:
                silence = current.silence
                silence_store.update_silence(
                    conn,
                    silence_id,
                    matchers=silence.matchers,
                    starts_at=min(silence.starts_at, now),
                    ends_at=now,
                    comment=silence.comment,
                    now=now,
                )
            stored = silence_store.get(conn, silence_id)
        self._changed()
        if self.scheduler_signal is not None:
            self.scheduler_signal.set()
        assert stored is not None
        return stored

    def get(self, silence_id: int) -> StoredSilence:
        with self.db.read() as conn:
            stored = silence_store.get(conn, silence_id)
        if stored is None:
            raise SilenceNotFound(f"no silence with id {silence_id}")
        return stored

    def listing(self, state: SilenceState | None, limit: int) -> Sequence[StoredSilence]:
        with self.db.read() as conn:
            return silence_store.listing(conn, state=state, now=self.clock(), limit=limit)
