"""What a notification says, rendered once when it is decided and stored with it in the outbox.

Rendering at decision time means a retried message says exactly what was true when it was
decided, and channels only lay the same words out in their own format.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from holdoff.mediate.durations import humanize
from holdoff.mediate.grouping import IncidentNotify, IncidentRecord
from holdoff.mediate.model import AlertRecord, NotificationKind


class Fact(BaseModel):
    name: str
    value: str


class ActionLink(BaseModel):
    """A button or link that acts without logging in (a signed, single-use, expiring token in the URL)."""

    action: str
    """acknowledge, resolve or silence"""
    label: str
    url: str


class Message(BaseModel):
    """A channel-neutral message."""

    kind: NotificationKind
    alert_id: int | None = None
    incident_id: int | None = None
    occurrence: int = 0
    title: str
    summary: str
    facts: list[Fact]
    url: str
    """Where a person looks: the dashboard page of the alert or incident (``/ui/alerts/7``), which
    sends a browser through the login and back in protected mode."""
    api_url: str | None = None
    """The same thing in the API (``/alerts/7``), for programs that receive the message (the webhook
    body carries both); None for a digest and for messages stored before it existed."""
    severity: str | None = None
    name: str | None = None
    """The alert's name (or the incident's title)."""
    source: str | None = None
    labels: dict[str, str] = {}
    actions: list[ActionLink] = []
    closes: bool = True
    """False for a resolution that does not end what was paged (some alerts of an incident still fire):
    pagers keep their incident open."""
    thread_key: str | None = None
    """Overrides :attr:`key` (``holdoff test-channel`` uses its own)."""
    thread_incident: int | None = None
    """The incident whose thread the message goes into when not its own: a CORRELATED update of a group
    goes under the page of its correlated incident's lead (:mod:`holdoff.notify.correlated`)."""
    delivery_id: str | None = Field(default=None, exclude=True)
    """Names this one message to this one channel, the same on every attempt: set by the outbox
    sender from the outbox row (never stored). A message sent twice (a crash between sending and
    recording it) carries the same id both times, so a receiver that deduplicates (a mail system by
    ``Message-ID``, a webhook receiver by ``X-Holdoff-Delivery``) sees one message."""

    @property
    def key(self) -> str:
        """Stable for every message about one alert occurrence or one incident: PagerDuty's ``dedup_key``,
        Opsgenie's ``alias``, the thread a Slack message is updated in."""
        if self.thread_key is not None:
            return self.thread_key
        if self.thread_incident is not None:
            return f"holdoff-incident-{self.thread_incident}"
        if self.incident_id is not None:
            return f"holdoff-incident-{self.incident_id}"
        if self.alert_id is not None:
            return f"holdoff-alert-{self.alert_id}-{self.occurrence}"
        return f"holdoff-{self.kind.value}"

    def thread(self) -> str | None:
        """What the message is about (``alert-7``, ``incident-3``); None for a digest."""
        if self.thread_incident is not None:
            return f"incident-{self.thread_incident}"
        if self.incident_id is not None:
            return f"incident-{self.incident_id}"
        return f"alert-{self.alert_id}" if self.alert_id is not None else None


def alert_url(public_url: str, alert_id: int) -> str:
    """The alert in the API (JSON)."""
    return f"{public_url.rstrip('/')}/alerts/{alert_id}"


def alert_page_url(public_url: str, alert_id: int) -> str:
    """The alert's dashboard page: what a person opening a message's link should see."""
    return f"{public_url.rstrip('/')}/ui/alerts/{alert_id}"


def incident_url(public_url: str, incident_id: int) -> str:
    """The incident in the API (JSON)."""
    return f"{public_url.rstrip('/')}/incidents/{incident_id}"


def incident_page_url(public_url: str, incident_id: int) -> str:
    """The incident's dashboard page."""
    return f"{public_url.rstrip('/')}/ui/incidents/{incident_id}"


MAX_LISTED = 25
"""Alerts named one by one in an incident message or digest; the rest are counted."""

_INCIDENT_TITLES = {
    NotificationKind.ESCALATED: "ESCALATED",
    NotificationKind.REMINDER: "STILL FIRING, NOT ACKNOWLEDGED",
    NotificationKind.RESOLVED: "RESOLVED",
    NotificationKind.TRANSIENT_RESOLVED: "Resolved on their own",
    NotificationKind.FLAPPING: "FLAPPING",
    NotificationKind.ACKNOWLEDGED: "ACKNOWLEDGED",
    NotificationKind.CORRELATED: "Correlated",
}
_URGENCY = ("critical", "high", "warning", "info", "low")


def render_incident(
    incident_id: int, incident: IncidentRecord, notify: IncidentNotify, now: datetime, public_url: str
) -> Message:
    """One message about several alerts of one incident, with counts."""
    names = sorted({item.name for item in notify.alerts})
    count = len({item.alert for item in notify.alerts})
    firing = len(incident.firing)
    what = _INCIDENT_TITLES.get(notify.kind, notify.kind.value)
    title = f"{what}: {incident.title} ({count} alert{'s' if count != 1 else ''}, {firing} firing)"
    open_for = humanize(max(now - incident.opened_at, timedelta(0)))
    if notify.kind is NotificationKind.ESCALATED:
        summary = (
            f"{count} alert(s) of this incident did not clear inside their grace window. {firing} of its "
            f"{incident.alerts} alert(s) are firing now; it has been open for {open_for}."
        )
    elif notify.kind is NotificationKind.REMINDER:
        summary = (
            f"{count} escalated alert(s) of this incident are still firing and nobody has acknowledged them."
        )
    elif notify.kind is NotificationKind.RESOLVED:
        rest = "The incident is over." if not firing else f"{firing} alert(s) of it are still firing."
        summary = f"{count} escalated alert(s) of this incident have resolved. {rest}"
    elif notify.kind is NotificationKind.TRANSIENT_RESOLVED:
        summary = f"{count} alert(s) fired and cleared inside their grace window. Nobody was paged."
    elif notify.kind is NotificationKind.ACKNOWLEDGED:
        summary = f"{count} escalated alert(s) of this incident were acknowledged; someone is on it."
    elif notify.kind is NotificationKind.CORRELATED:
        summary = f"{count} alert(s) of this group did not clear inside their grace window."
    else:
        summary = f"{count} alert(s) of this incident keep firing and clearing by themselves."
    facts = [Fact(name="Incident", value=incident.title), Fact(name="Open for", value=open_for)]
    facts += [Fact(name=name, value=value) for name, value in incident.labels.items() if value]
    severities = sorted(
        {item.severity for item in notify.alerts if item.severity},
        key=lambda s: _URGENCY.index(s) if s in _URGENCY else len(_URGENCY),
    )
    if severities:
        facts.append(Fact(name="Severity", value=", ".join(severities)))
    listed = ", ".join(names[:MAX_LISTED]) + (
        f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    )
    facts.append(Fact(name="Alerts", value=listed))
    return Message(
        kind=notify.kind,
        incident_id=incident_id,
        title=title,
        summary=summary,
        facts=facts,
        url=incident_page_url(public_url, incident_id),
        api_url=incident_url(public_url, incident_id),
        severity=severities[0] if severities else None,
        name=incident.title,
        labels=incident.labels,
        closes=not incident.firing,
    )


def render_digest(channel: str, lines: list[tuple[datetime, str]], now: datetime, public_url: str) -> Message:
    """A channel's periodic summary: one line per collected message, oldest first."""
    since = min(at for at, _ in lines)
    title = f"Digest: {len(lines)} item{'s' if len(lines) != 1 else ''} since {since:%Y-%m-%d %H:%M} UTC"
    summary = "Collected for this channel by the policy (noise rules, transients, quiet hours). No action needed unless noted."
    facts = [Fact(name=f"{at:%H:%M}", value=line) for at, line in lines[:MAX_LISTED]]
    if len(lines) > MAX_LISTED:
        facts.append(Fact(name="More", value=f"{len(lines) - MAX_LISTED} more item(s) in Holdoff"))
    return Message(
        kind=NotificationKind.DIGEST,
        title=title,
        summary=summary,
        facts=facts,
        url=f"{public_url.rstrip('/')}/",
    )


def render(
    alert_id: int,
    alert: AlertRecord,
    kind: NotificationKind,
    now: datetime,
    public_url: str,
    *,
    evidence: str | None = None,
) -> Message:
    """Words for a tired engineer: what happened, to what, for how long, and where to look; with
    ``evidence``, the summary of its root-cause evidence (error templates, new templates, changes,
    related alerts)."""
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
    elif kind is NotificationKind.ACKNOWLEDGED:
        by = alert.acknowledged_by or "someone"
        title = f"ACKNOWLEDGED by {by}: {alert.name}"
        summary = f"{alert.name} from {alert.source} was acknowledged by {by} after {open_for}."

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
    if kind is NotificationKind.ACKNOWLEDGED:
        facts.append(Fact(name="Acknowledged by", value=alert.acknowledged_by or "someone"))
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
    if evidence:
        facts.append(Fact(name="Evidence", value=evidence))
    return Message(
        kind=kind,
        alert_id=alert_id,
        occurrence=alert.occurrence,
        title=title,
        summary=summary,
        facts=facts,
        url=alert_page_url(public_url, alert_id),
        api_url=alert_url(public_url, alert_id),
        severity=alert.severity.value if alert.severity else None,
        name=alert.name,
        source=alert.source,
        labels=alert.labels,
    )
