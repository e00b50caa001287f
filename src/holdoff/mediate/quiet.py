"""Quiet hours: recurring periods (a cron expression and a duration, like a maintenance window) when a
route pages only for the most urgent alerts.

During quiet hours an escalation of an alert whose severity is not one of ``page`` is held back until
the quiet hours end; if the alert still fires then, it escalates at that moment. If it resolves in
the meantime nobody is woken, but it is not lost either: its resolution goes into the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from holdoff.mediate.maintenance import MaintenanceWindow
from holdoff.mediate.model import AlertRecord, Severity

QUIET_HOURS = "quiet hours"
"""How the timeline and :attr:`AlertRecord.muted_reason` name a hold-back by quiet hours."""


@dataclass(frozen=True)
class QuietHours:
    window: MaintenanceWindow
    """When quiet hours start (cron, in the window's time zone) and how long they last."""
    page: frozenset[Severity] = frozenset({Severity.CRITICAL})
    """Severities that still page during quiet hours. An alert without a severity counts as paging."""

    def holds_until(self, alert: AlertRecord, now: datetime) -> datetime | None:
        """When the quiet hours that hold back ``alert``'s escalation end, or None if it may page now."""
        if alert.severity is None or alert.severity in self.page:
            return None
        return self.window.active_until(now)
