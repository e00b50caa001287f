"""Delivers the outbox: claim due messages, send each, record every attempt, back off on failure."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.clock import Clock
from holdoff.notify.channel import Channel, DeliveryResult
from holdoff.store import channel_refs, outbox
from holdoff.store.db import Database

log = logging.getLogger(__name__)


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
        rate_share: int = 1,
        health: Callable[[str, bool, str | None], None] | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        """``rate_share``: how many processes send through the same channels; each takes that share
        of a channel's rate limit."""
        self.db = db
        self._rate_share = rate_share
        self._health = health
        self._wake = wake
        """Set when a rate-limited message's slot comes, so the sender loop does not sleep past it."""
        self._next_slot: dict[str, datetime] = {}
        self.channels = channels
        self.retry = retry
        self.owner = owner
        self.lease = lease
        self.clock = clock
        self.batch = batch
        self._random = random.Random()

    def run_once(self) -> int:
        """Send one batch of due messages; returns how many were attempted."""
        with self.db.transaction() as conn:
            claimed = outbox.claim(
                conn, owner=self.owner, now=self.clock(), lease=self.lease, limit=self.batch
            )
        earliest: datetime | None = None
        for item in claimed:
            slot = self._slot(item.channel)
            if slot is not None:
                with self.db.transaction() as conn:
                    outbox.defer(conn, item, until=slot)
                earliest = slot if earliest is None else min(earliest, slot)
                continue
            result = self._send(item)
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
            if self._health is not None and item.channel in self.channels:
                try:
                    self._health(item.channel, result.ok, result.error)
                except Exception:  # reporting a broken channel must not stop delivery
                    log.exception("could not record the health of channel %s", item.channel)
        if earliest is not None and self._wake is not None:
            delay = max((earliest - self.clock()).total_seconds(), 0.0)
            timer = threading.Timer(delay, self._wake.set)
            timer.daemon = True
            timer.start()
        return len(claimed)

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
            return channel.send(item.message, ref)
        except Exception as exc:  # a channel bug must not stop the sender; the attempt is recorded
            log.exception("channel %s raised while sending notification %s", item.channel, item.id)
            return DeliveryResult(
                ok=False, retryable=True, error=f"internal error in {item.channel}: {exc!r}"
            )

    def _slot(self, name: str) -> datetime | None:
        """None if ``name`` may send now (its next slot is then taken); else when it may send next."""
        channel = self.channels.get(name)
        rate = channel.rate_per_second if channel is not None else None
        if not rate:
            return None
        now = self.clock()
        free = self._next_slot.get(name, now)
        if free > now:
            return free
        self._next_slot[name] = now + timedelta(seconds=self._rate_share / rate)
        return None

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
