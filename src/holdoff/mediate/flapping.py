"""Flapping: an alert that keeps firing and clearing by itself is announced once per period, not per flap.

An alert that re-triggers ``threshold`` times within ``window`` is flapping. While it flaps, its
"resolved on its own" messages are replaced by one FLAPPING message per ``period`` with the flap
count. Escalations are never damped: a flapping alert that stays broken past its grace window still
pages, and its resolution is still announced. The alert is stable again once ``window`` passes
without a re-trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from holdoff.mediate.durations import humanize
from holdoff.mediate.evolve import evolve
from holdoff.mediate.model import AlertRecord, NotificationKind, Notify, Outcome

MAX_REMEMBERED = 100
"""Re-trigger times kept per alert (those inside the window, newest last)."""


@dataclass(frozen=True)
class FlapPolicy:
    threshold: int = 0
    """Re-triggers within ``window`` that make an alert flapping; 0 turns detection off."""
    window: timedelta = timedelta(minutes=30)
    period: timedelta = timedelta(hours=1)
    """At most one FLAPPING message per alert per period."""

    @property
    def enabled(self) -> bool:
        return self.threshold > 0


def retrigger_changes(alert: AlertRecord, now: datetime, policy: FlapPolicy) -> dict[str, Any]:
    """Remember a re-trigger: the fields that change (recent re-trigger times, and when the alert started
    flapping once there are enough of them in the window), to apply together with the new occurrence's."""
    if not policy.enabled:
        return {}
    earlier = tuple(t for t in alert.flap_times if now - t <= policy.window)
    recent = (*earlier, now)[-MAX_REMEMBERED:]
    # No re-trigger for a whole window: whatever flapping there was is over.
    flapping_since = alert.flapping_since if earlier else None
    changes: dict[str, Any] = {"flap_times": recent}
    if not earlier:
        changes["flap_notified_at"] = None
    if len(recent) >= policy.threshold and flapping_since is None:
        flapping_since = now
    changes["flapping_since"] = flapping_since
    return changes


def is_flapping(alert: AlertRecord, now: datetime, policy: FlapPolicy) -> bool:
    return (
        policy.enabled
        and alert.flapping_since is not None
        and bool(alert.flap_times)
        and now - alert.flap_times[-1] <= policy.window
    )


def damp(outcome: Outcome, now: datetime, policy: FlapPolicy) -> Outcome:
    """Replace a flapping alert's transient messages by at most one FLAPPING message per period."""
    alert = outcome.alert
    if alert.flapping_since is not None and not is_flapping(alert, now, policy):
        # Quiet for a whole window: stable again.
        stable = evolve(alert, flapping_since=None, flap_notified_at=None)
        outcome = evolve(outcome, alert=stable, changed=outcome.changed or stable != alert)
        alert = stable
    if not outcome.notifications or not is_flapping(alert, now, policy):
        return outcome
    transient = [n for n in outcome.notifications if n.kind is NotificationKind.TRANSIENT_RESOLVED]
    if not transient:
        return outcome
    others = tuple(n for n in outcome.notifications if n.kind is not NotificationKind.TRANSIENT_RESOLVED)
    times = len(alert.flap_times)
    due = alert.flap_notified_at is None or now - alert.flap_notified_at >= policy.period
    if due:
        flapping = tuple(Notify(NotificationKind.FLAPPING, n.channels, digest=n.digest) for n in transient)
        alert = evolve(alert, flap_notified_at=now)
        note = (
            f"; flapping ({times} re-triggers within {humanize(policy.window)}): one summary message instead"
        )
        notifications = others + flapping
    else:
        note = f"; flapping: message damped (next summary at most every {humanize(policy.period)})"
        notifications = others
    timeline = evolve(outcome.timeline, summary=outcome.timeline.summary + note)
    return evolve(outcome, alert=alert, notifications=notifications, timeline=timeline, held="flapping")
