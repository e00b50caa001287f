"""The live alert feed: one poller per process, fanned out to every connected client.

The poller reads the positions ``(updated_at, id)`` of alerts changed since its high-water mark every
``interval`` and hands each client the changed alerts as one encoded frame (encoded once, whatever the
number of clients). It works for changes made by any process sharing the database.

A writer takes its ``now`` before it waits for the write lock, so a transaction can commit a change
stamped a little *earlier* than one already seen. The poller therefore looks ``lookback`` behind its
high-water mark every time and skips positions it has already delivered. (Two changes of one alert
stamped with the very same microsecond are one change to the feed; the alert is sent as it is after both.)

Each client has a bounded queue. A client too slow to keep up is not buffered without limit: its
queue is emptied and it is sent a fresh snapshot instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from fastapi.concurrency import run_in_threadpool

from holdoff.store import alert_changes, metrics
from holdoff.store.alert_changes import Position
from holdoff.store.alerts import InvalidCursor, StoredAlert, decode_cursor, encode_position
from holdoff.store.db import Database

log = logging.getLogger(__name__)

POLL_INTERVAL: Final = 0.2
LOOKBACK: Final = timedelta(seconds=2)
QUEUE_FRAMES: Final = 64
"""Frames a client may fall behind by before it is sent a snapshot instead."""
CATCH_UP_LIMIT: Final = 1000
"""A reconnecting client that missed more changes than this gets a snapshot instead of a delta."""
SNAPSHOT_RECENT: Final = 100
SNAPSHOT_OPEN_LIMIT: Final = 2000
KEY_LIMIT: Final = 20_000
"""Positions read per poll; when a poll fills it, the next continues right after it (no look-back)."""
_ORIGIN: Final = (datetime(1970, 1, 1, tzinfo=UTC), 0)


@dataclass(frozen=True)
class Frame:
    """What a client is sent: a ``snapshot`` to start from or a ``delta`` of changed alerts."""

    type: Literal["snapshot", "delta"]
    cursor: str
    alerts: list[StoredAlert]
    summary: dict[str, int]
    truncated: bool = False
    """A snapshot that left out open alerts beyond its limit."""


Encode = Callable[[Frame], str]


class Resync:
    """Put in a client's queue in place of the frames it could not keep up with."""


RESYNC: Final = Resync()


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[str | Resync] = field(default_factory=lambda: asyncio.Queue(QUEUE_FRAMES))

    def offer(self, frame: str) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)

    async def next(self, timeout: float) -> str | Resync | None:
        """The next frame, :data:`RESYNC`, or None when nothing came within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


def _cursor(position: Position | None) -> str:
    stamp, alert_id = position or _ORIGIN
    return encode_position(stamp, alert_id)


class ChangeFeed:
    """Subscribe with :meth:`subscribe` (inside the event loop); the poller runs while anyone listens."""

    def __init__(
        self,
        db: Database,
        encode: Encode,
        *,
        interval: float = POLL_INTERVAL,
        lookback: timedelta = LOOKBACK,
    ) -> None:
        self.db = db
        self.encode = encode
        self.interval = interval
        self.lookback = lookback
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._primed: asyncio.Event | None = None
        self._high: Position | None = None
        self._seen: dict[Position, None] = {}
        self._saturated = False

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def subscribe(self) -> Subscription:
        """A new client's queue; every change committed after this returns reaches it."""
        subscription = Subscription()
        self._subscribers.add(subscription)
        if self._task is None or self._task.done():
            self._primed = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._primed), name="holdoff-change-feed")
        assert self._primed is not None
        await self._primed.wait()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        if not self._subscribers and self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        self._subscribers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- frames for one client ---

    async def snapshot(self) -> str:
        return self.encode(await run_in_threadpool(self._snapshot))

    def _snapshot(self) -> Frame:
        with self.db.read() as conn:
            position = alert_changes.latest_position(conn)
            alerts, truncated = alert_changes.snapshot(
                conn, recent=SNAPSHOT_RECENT, open_limit=SNAPSHOT_OPEN_LIMIT
            )
            counts = metrics.state_counts(conn)
        return Frame("snapshot", _cursor(position), alerts, counts, truncated)

    async def catch_up(self, cursor: str) -> str | None:
        """A delta of what changed after ``cursor``; None when the cursor is invalid or too far behind
        (the client needs a snapshot)."""
        try:
            position = decode_cursor(cursor)
        except InvalidCursor:
            return None
        if position[0].tzinfo is None:
            return None
        frame = await run_in_threadpool(self._catch_up, position)
        return self.encode(frame) if frame is not None else None

    def _catch_up(self, position: Position) -> Frame | None:
        with self.db.read() as conn:
            keys = alert_changes.keys_since(conn, position[0] - self.lookback, CATCH_UP_LIMIT + 1)
            if len(keys) > CATCH_UP_LIMIT:
                return None
            alerts = alert_changes.by_ids(conn, [alert_id for _, alert_id in keys])
            counts = metrics.state_counts(conn)
        newest = max([position, *keys])
        return Frame("delta", _cursor(newest), alerts, counts)

    # --- the poller ---

    async def _run(self, primed: asyncio.Event) -> None:
        try:
            await run_in_threadpool(self._prime)
        except Exception:
            log.exception("change feed: cannot read the alerts; clients get snapshots only")
        primed.set()
        while self._subscribers:
            await asyncio.sleep(self.interval)
            try:
                frame = await run_in_threadpool(self.poll)
            except Exception:
                log.exception("change feed: polling failed; trying again")
                continue
            if frame is not None:
                text = self.encode(frame)
                for subscription in list(self._subscribers):
                    subscription.offer(text)

    def _prime(self) -> None:
        """Start from now: everything already stored counts as seen."""
        self._seen.clear()
        self._saturated = False
        with self.db.read() as conn:
            self._high = alert_changes.latest_position(conn)
            if self._high is not None:
                for key in alert_changes.keys_since(conn, self._high[0] - self.lookback, KEY_LIMIT):
                    self._seen[key] = None

    def poll(self) -> Frame | None:
        """One round: the changes not delivered yet as a delta frame, or None when there are none."""
        with self.db.read() as conn:
            if self._high is None:
                keys = alert_changes.keys_after(conn, _ORIGIN, KEY_LIMIT)
            elif self._saturated:
                keys = alert_changes.keys_after(conn, self._high, KEY_LIMIT)
            else:
                keys = alert_changes.keys_since(conn, self._high[0] - self.lookback, KEY_LIMIT)
            self._saturated = len(keys) == KEY_LIMIT
            fresh = [key for key in keys if key not in self._seen]
            if not fresh:
                return None
            alerts = alert_changes.by_ids(conn, [alert_id for _, alert_id in fresh])
            counts = metrics.state_counts(conn)
        for key in fresh:
            self._seen[key] = None
        self._high = max([self._high or _ORIGIN, *fresh])
        horizon = self._high[0] - self.lookback
        self._seen = {key: None for key in self._seen if key[0] >= horizon}
        return Frame("delta", _cursor(self._high), alerts, counts)
