"""What every channel promises the outbox sender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from holdoff.mediate.model import NotificationKind
from holdoff.notify.message import Message


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one delivery attempt, as stored in the alert's timeline."""

    ok: bool
    retryable: bool
    """False when trying again cannot help (e.g. HTTP 400: the request itself is wrong)."""
    status_code: int | None = None
    error: str | None = None
    latency_ms: float = 0.0
    ref: str | None = None
    """What the channel calls the message it created (a Slack ``ts``...), kept per ``Message.key`` and
    handed back to ``send`` for later messages about the same thing, so a channel can update or thread."""


class Channel(Protocol):
    """A place messages go. ``send`` never raises: every failure is a :class:`DeliveryResult`."""

    name: str
    kinds: frozenset[NotificationKind] | None
    """Message kinds it takes (None: all). The outbox never queues another kind for it."""
    rate_per_second: float | None
    """At most this many sends per second (None: no limit)."""

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        """Deliver ``message``; ``ref`` is the last :attr:`DeliveryResult.ref` for ``message.key``, if any."""
        ...

    def close(self) -> None: ...


ALL_BUT_ACKNOWLEDGED = frozenset(set(NotificationKind) - {NotificationKind.ACKNOWLEDGED})
"""Kinds for channels that post messages (chat, mail): an acknowledgement is mirrored only by channels
that keep state of their own (PagerDuty, Opsgenie, Slack messages updated in place)."""
