"""A channel that keeps failing raises its own alert, so a broken pager is itself paged about.

After ``threshold`` failed attempts in a row on one channel, an alert ``HoldoffChannelFailing`` (source
``holdoff``, one per channel) fires with the last error; the first success resolves it. It goes
through the policy like any alert: the built-in route for ``source="holdoff"`` sends it to the
``fallback_channel`` at once (no grace window) when one is configured.
"""

from __future__ import annotations

import logging
import threading

from holdoff.mediate.model import Action, AlertEvent, Severity
from holdoff.service.mediation import Mediator

log = logging.getLogger(__name__)

SOURCE = "holdoff"
ALERT_NAME = "HoldoffChannelFailing"


class ChannelHealth:
    def __init__(self, mediator: Mediator, *, threshold: int) -> None:
        self.mediator = mediator
        self.threshold = threshold
        self._failures: dict[str, int] = {}
        self._raised: set[str] = set()
        self._lock = threading.Lock()

    def record(self, channel: str, ok: bool, error: str | None) -> None:
        """One delivery attempt on ``channel`` (called by the outbox sender after recording it)."""
        with self._lock:
            if ok:
                self._failures.pop(channel, None)
                raise_it, resolve_it = False, channel in self._raised
                self._raised.discard(channel)
            else:
                count = self._failures.get(channel, 0) + 1
                self._failures[channel] = count
                raise_it, resolve_it = count >= self.threshold and channel not in self._raised, False
                if raise_it:
                    self._raised.add(channel)
        if raise_it:
            log.error("channel %s failed %d times in a row; raising %s", channel, self.threshold, ALERT_NAME)
            self.mediator.apply(self._event(channel, Action.TRIGGERED, error))
        elif resolve_it:
            log.info("channel %s delivers again; resolving %s", channel, ALERT_NAME)
            self.mediator.apply(self._event(channel, Action.RESOLVED, None))

    def _event(self, channel: str, action: Action, error: str | None) -> AlertEvent:
        annotations = {"summary": f"Holdoff cannot deliver messages through channel {channel!r}"}
        if error:
            annotations["description"] = f"Last error: {error}"
        return AlertEvent(
            source=SOURCE,
            fingerprint=f"channel-failing:{channel}",
            action=action,
            name=ALERT_NAME,
            severity=Severity.CRITICAL,  # pages may be getting lost: this one pages even in quiet hours
            labels={"channel": channel, "alertname": ALERT_NAME},
            annotations=annotations,
        )
