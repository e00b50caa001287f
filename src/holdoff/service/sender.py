"""Delivers the outbox: claim due messages, send each, record every attempt, back off on failure."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from holdoff.clock import Clock
from holdoff.notify.channel import Channel, DeliveryResult
from holdoff.notify.fallback import encodable_message
from holdoff.notify.message import Message
from holdoff.store import channel_refs, channel_slots, outbox
from holdoff.store.db import Database
from holdoff.telemetry import Telemetry, process_telemetry

log = logging.getLogger(__name__)

ORPHAN_CHECK = timedelta(minutes=1)
"""How often the sender looks for messages addressed to channels no longer configured."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2x base, 4x base ... capped, with +-10% jitter; give up after ``give_up``."""

    base: timedelta
    cap: timedelta
    give_up: timedelta

    def next_attempt(
        self, attempts_made: int, now: datetime, first_decided: datetime, jitter: float
    ) -> datetime | None:
        """When to try again after ``attempts_made`` failures, or None to give up."""
        if now - first_decided >= self.give_up:
            return None
        delay = min(self.base * (1 << min(max(attempts_made - 1, 0), 30)), self.cap)
        return now + delay * (1 + jitter)


def delivery_id(item: outbox.Claimed) -> str:
    """Names one outbox row, the same on every attempt: its id and the microsecond it was queued (so
    a fresh database reusing the id does not make the same name)."""
    return f"{item.id}.{item.created_at:%Y%m%d%H%M%S%f}"


def outgoing(item: outbox.Claimed) -> Message:
    """The message as a channel gets it: its text encodable (a lone surrogate or a NUL becomes U+FFFD,
    so no channel fails on encoding it) and named by :func:`delivery_id`."""
    return encodable_message(item.message).model_copy(update={"delivery_id": delivery_id(item)})


class OutboxSender:
    """One sender per process; several processes may run senders against one database."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        retry: RetryPolicy,
        *,
        owner: str,
        lease: timedelta,
        clock: Clock,
        batch: int = 20,
        health: Callable[[str, bool, str | None], None] | None = None,
        wake: threading.Event | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.db = db
        self.telemetry = telemetry if telemetry is not None else process_telemetry()
        self.telemetry.channels(channels)
        self._health = health
        self._wake = wake
        """Set when a rate-limited message's slot comes, so the sender loop does not sleep past it."""
        self._next_slot: dict[str, datetime] = {}
        """Per rate-limited channel: when it may send next, as this process last saw it (the database's
        ``channel_slots`` decide; this spares asking before then)."""
        self._timer_due: datetime | None = None
        self._orphans_at: datetime | None = None
        self.channels = channels
        self.retry = retry
        self.owner = owner
        self.lease = lease
        self.clock = clock
        self.batch = batch
        self._random = random.Random()

    def run_once(self) -> int:
        """Send one batch of due messages; returns how many were attempted.

        Messages are claimed channel by channel, each channel's oldest first: a rate-limited channel
        gives as many as it may send now (none while it waits for its next slot, whose messages stay in
        the outbox as they are, untouched and not counted as attempts). Messages for channels that are
        no longer configured are picked up at most once a minute, to record why they are not sent.
        """
        now = self.clock()
        claimed: list[outbox.Claimed] = []
        with self.db.transaction() as conn:
            for name in self.channels:
                room = self.batch - len(claimed)
                interval = self._interval(name)
                if room <= 0 or (interval is not None and self._next_slot.get(name, now) > now):
                    continue
                taken = outbox.claim(
                    conn,
                    owner=self.owner,
                    now=now,
                    lease=self.lease,
                    limit=room if interval is None else 1,
                    channel=name,
                )
                if taken and interval is not None and not self._take_slot(conn, name, now, interval):
                    outbox.release(conn, taken)  # another process sent through it this very moment
                    continue
                claimed += taken
            room = self.batch - len(claimed)
            if room > 0 and (self._orphans_at is None or now >= self._orphans_at):
                self._orphans_at = now + ORPHAN_CHECK
                claimed += outbox.claim(
                    conn, owner=self.owner, now=now, lease=self.lease, limit=room, not_in=list(self.channels)
                )
        for item in claimed:
            self._deliver(item)
        self._wake_at_next_slot(now)
        return len(claimed)

    def _deliver(self, item: outbox.Claimed) -> None:
        started = time.perf_counter()
        result = self._send(item)
        seconds = time.perf_counter() - started
        now = self.clock()
        retry_at = None
        if not result.ok and result.retryable:
            retry_at = self.retry.next_attempt(
                item.attempts + 1, now, item.created_at, self._random.uniform(-0.1, 0.1)
            )
        with self.db.transaction() as conn:
            status = outbox.record_attempt(
                conn, item, owner=self.owner, result=result, now=now, retry_at=retry_at
            )
            if result.ok and result.ref is not None:
                channel_refs.put(conn, item.channel, item.message.key, result.ref, now)
        self._log(item, result, status, retry_at)
        self.telemetry.delivered(
            item.channel,
            ok=result.ok,
            retrying=status is outbox.Status.PENDING,
            seconds=seconds,
            delay=(now - item.created_at).total_seconds(),
        )
        if self._health is not None and item.channel in self.channels:
            try:
                self._health(item.channel, result.ok, result.error)
            except Exception:  # reporting a broken channel must not stop delivery
                log.exception("could not record the health of channel %s", item.channel)

    def _send(self, item: outbox.Claimed) -> DeliveryResult:
        channel = self.channels.get(item.channel)
        if channel is None:
            return DeliveryResult(
                ok=False,
                retryable=False,
                error=f"channel {item.channel!r} is no longer configured; message kept, not sent",
            )
        with self.db.read() as conn:
            ref = channel_refs.get(conn, item.channel, item.message.key)
        try:
            return channel.send(outgoing(item), ref)
        except Exception as exc:  # a channel bug must not stop the sender; the attempt is recorded
            log.exception("channel %s raised while sending notification %s", item.channel, item.id)
            return DeliveryResult(
                ok=False, retryable=True, error=f"internal error in {item.channel}: {exc!r}"
            )

    def _interval(self, name: str) -> timedelta | None:
        """Time between two messages of channel ``name`` (from all processes); None: no rate limit."""
        channel = self.channels.get(name)
        rate = channel.rate_per_second if channel is not None else None
        return timedelta(seconds=1 / rate) if rate else None

    def _take_slot(self, conn: Connection, name: str, now: datetime, interval: timedelta) -> bool:
        """Take channel ``name``'s slot in the database (shared by every process); remember when it is
        free next either way, so this process does not ask again before then."""
        if channel_slots.take(conn, name, now, now + interval):
            self._next_slot[name] = now + interval
            return True
        self._next_slot[name] = channel_slots.next_free(conn, name) or now + interval
        return False

    def _wake_at_next_slot(self, now: datetime) -> None:
        """Wake the sender loop when the earliest waiting channel may send again, so it does not sleep
        past it (one timer at a time)."""
        waiting = [slot for slot in self._next_slot.values() if slot > now]
        if not waiting or self._wake is None:
            return
        due = min(waiting)
        if self._timer_due is not None and now < self._timer_due <= due:
            return  # an earlier (or the same) wake-up is already set
        self._timer_due = due
        timer = threading.Timer((due - now).total_seconds(), self._wake.set)
        timer.daemon = True
        timer.start()

    def _log(
        self, item: outbox.Claimed, result: DeliveryResult, status: outbox.Status, retry_at: datetime | None
    ) -> None:
        where = f"{item.message.kind.value} for {item.message.thread() or 'digest'} via {item.channel}"
        if result.ok:
            log.info("delivered %s (attempt %d, %.0f ms)", where, item.attempts + 1, result.latency_ms)
        elif status is outbox.Status.PENDING and retry_at is not None:
            log.warning(
                "delivery of %s failed (attempt %d): %s; retrying at %s",
                where,
                item.attempts + 1,
                result.error,
                retry_at.isoformat(timespec="seconds"),
            )
        else:
            log.error("gave up delivering %s after %d attempt(s): %s", where, item.attempts + 1, result.error)
