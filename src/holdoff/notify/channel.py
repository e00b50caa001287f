"""What every channel promises the outbox sender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


class Channel(Protocol):
    """A place messages go. ``send`` never raises: every failure is a :class:`DeliveryResult`."""

    name: str

    def send(self, message: Message) -> DeliveryResult: ...

    def close(self) -> None: ...
