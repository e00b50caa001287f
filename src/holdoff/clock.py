"""Time, injected: the core takes ``now`` as an argument and the shell asks a :data:`Clock` for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)
