"""Login throttling: growing delays per (user name, source address), and a coarser cap per address.

A lock that anyone could set by failing five times let a stranger keep any user, admins included, out
of the dashboard. Throttling instead slows down the address that fails: the real user, logging in from
their own address, is not held back by an attacker's failures elsewhere.

Every attempt is counted *before* the password is checked (a success takes its count back), so a burst
of parallel requests cannot slip more guesses past the limit than one request at a time would.

This module is the policy only (no clock, no database): :mod:`holdoff.auth.passwords` applies it to
the rows of :mod:`holdoff.store.login_throttle`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

ANY_USER: Final = ""
"""The user key of an address's row that counts failures for every name tried from it."""


@dataclass(frozen=True)
class Limit:
    """``free`` failures are allowed; the next ones wait ``first``, then twice as long, up to ``cap``."""

    free: int
    first: timedelta
    cap: timedelta

    def delay(self, failures: int) -> timedelta | None:
        """How long to wait after ``failures`` failures (None: no wait)."""
        if failures < self.free:
            return None
        doublings = min(failures - self.free, 32)  # 2**32 s is far past any cap
        grown: timedelta = self.first * (1 << doublings)
        return min(grown, self.cap)


PER_USER: Final = Limit(free=3, first=timedelta(seconds=1), cap=timedelta(minutes=15))
"""One name from one address: after 3 failures 1 s, 2 s, 4 s … up to 15 minutes."""
PER_ADDRESS: Final = Limit(free=20, first=timedelta(seconds=1), cap=timedelta(minutes=15))
"""Every name from one address (guessing many names): after 20 failures 1 s, 2 s … up to 15 minutes."""
FORGET_AFTER: Final = timedelta(hours=1)
"""Failures are forgotten after an hour without one."""


@dataclass(frozen=True)
class Count:
    """Failures counted for one key, the last one's time, and until when attempts are refused."""

    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None

    def wait(self, now: datetime) -> timedelta | None:
        """How long attempts are still refused at ``now`` (None: not blocked)."""
        if self.blocked_until is None or self.blocked_until <= now:
            return None
        return self.blocked_until - now

    def current(self, now: datetime) -> Count | None:
        """This count, or None when it has been forgotten by ``now``."""
        return self if now - self.last_failure_at < FORGET_AFTER else None


def attempt(count: Count | None, now: datetime, limit: Limit) -> Count:
    """The count after one more attempt at ``now`` (counted as a failure until it succeeds)."""
    failures = (count.failures if count is not None and count.current(now) is not None else 0) + 1
    delay = limit.delay(failures)
    return Count(failures=failures, last_failure_at=now, blocked_until=now + delay if delay else None)


def succeeded(count: Count, limit: Limit) -> Count:
    """An address's count after one of its attempts turned out right: that attempt is taken back."""
    failures = max(count.failures - 1, 0)
    delay = limit.delay(failures)
    blocked = count.last_failure_at + delay if delay else None
    return replace(count, failures=failures, blocked_until=blocked)


def retry_after(wait: timedelta) -> int:
    """Whole seconds for a ``Retry-After`` header (at least 1)."""
    return max(1, math.ceil(wait.total_seconds()))


def user_key(name: str) -> str:
    """The key of a tried name: its SHA-256, so the table holds no text an attacker chose."""
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def source_key(address: str | None) -> str:
    """The key of a client address: IPv4 as it is, IPv6 by its /64 (one host usually holds a whole /64)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)
