"""What a notification says, rendered once when it is decided and stored with it in the outbox.

Rendering at decision time means a retried message says exactly what was true when it was
decided, and channels only lay the same words out in their own format.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from holdoff.mediate.durations import humanize
from holdoff.mediate.model import AlertRecord, NotificationKind


class Fact(BaseModel):
    name: str
    value: str


class Message(BaseModel):
    """A channel-neutral message."""

    kind: NotificationKind
    alert_id: int
    title: str
    summary: str
    facts: list[Fact]
    url: str
    severity: str | None = None


def alert_url(public_url: str, alert_id: int) -> str:
    return f"{public_url.rstrip('/')}/alerts/{alert_id}"


def render(
    alert_id: int, alert: AlertRecord, kind: NotificationKind, now: datetime, public_url: str
) -> Message:
    """Words for a tired engineer: what happened, to what, for how long, and where to look."""
    open_for = humanize(alert.open_for(now))
    if kind is NotificationKind.TRANSIENT_RESOLVED:
        title = f"Resolved on its own: {alert.name}"
        summary = (
            f"{alert.name} from {alert.source} fired and cleared within {open_for}. "
            "Nobody was paged. No action needed."
        )
    elif kind is NotificationKind.ESCALATED:
        title = f"ESCALATED: {alert.name} is still firing after {open_for}"
        summary = (
            f"{alert.name} from {alert.source} has been firing for {open_for} and did not clear "
            "inside its grace window. Someone needs to look at it."
        )
    elif kind is NotificationKind.REMINDER:
        title = f"STILL FIRING, NOT ACKNOWLEDGED: {alert.name} ({open_for})"
        summary = (
            f"{alert.name} from {alert.source} escalated and has been firing for {open_for}; nobody has "
            "acknowledged it yet. Acknowledge it in Holdoff to stop the escalation chain."
        )
    elif kind is NotificationKind.FLAPPING:
        times = len(alert.flap_times)
        title = f"FLAPPING: {alert.name} keeps firing and clearing by itself"
        summary = (
            f"{alert.name} from {alert.source} fired again {times} times recently and cleared each time "
            "inside its grace window. Nobody was paged. Holdoff posts one summary per period while it flaps; "
            "if it stays broken past its grace window it escalates as usual."
        )
    else:
        title = f"RESOLVED: {alert.name} after {open_for}"
        summary = f"{alert.name} from {alert.source} has resolved after being open for {open_for}."
    facts = [Fact(name="Alert", value=alert.name), Fact(name="Source", value=alert.source)]
    if alert.severity is not None:
        facts.append(Fact(name="Severity", value=alert.severity.value))
    facts.append(Fact(name="Open for", value=open_for))
    if alert.opened_at is not None:
        facts.append(Fact(name="Started", value=alert.opened_at.strftime("%Y-%m-%d %H:%M:%S UTC")))
    if alert.occurrence > 1:
        facts.append(
            Fact(name="Fired before", value=f"{alert.occurrence - 1} time(s); flaps: {alert.flap_count}")
        )
    for key in ("team", "service", "application", "subsystem", "env", "environment"):
        if alert.labels.get(key):
            facts.append(Fact(name=key.capitalize(), value=alert.labels[key]))
    description = alert.annotations.get("description") or alert.annotations.get("summary")
    if description:
        facts.append(Fact(name="Description", value=description))
    return Message(
        kind=kind,
        alert_id=alert_id,
        title=title,
        summary=summary,
        facts=facts,
        url=alert_url(public_url, alert_id),
        severity=alert.severity.value if alert.severity else None,
    )
