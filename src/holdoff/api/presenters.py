"""Turning service results into response models."""

from __future__ import annotations

import logging
from datetime import datetime

from holdoff.api.schemas import (
    Accepted,
    AlertDetail,
    AlertOut,
    IncidentDetail,
    IncidentOut,
    NotificationOut,
    TimelineEvent,
)
from holdoff.edge import clean_text
from holdoff.notify.message import alert_url
from holdoff.service.mediation import Applied
from holdoff.service.queries import AlertHistory, IncidentHistory
from holdoff.store.alerts import StoredAlert
from holdoff.store.incidents import StoredIncident

log = logging.getLogger(__name__)


def accepted(applied: Applied, public_url: str) -> Accepted:
    return Accepted(
        alert_id=applied.alert_id,
        state=applied.state,
        occurrence=applied.occurrence,
        resolution=applied.resolution,
        summary=applied.summary,
        url=alert_url(public_url, applied.alert_id),
    )


def alert_out(stored: StoredAlert, public_url: str, now: datetime) -> AlertOut:
    """The alert as the API shows it; an alert that cannot be shown becomes an error item for itself
    only, so one bad row never breaks a list, a snapshot or a page."""
    try:
        return _alert_out(stored, public_url, now)
    except Exception as exc:
        log.exception("alert %s cannot be shown", stored.id)
        return _unshowable(stored, public_url, exc)


def _unshowable(stored: StoredAlert, public_url: str, exc: Exception) -> AlertOut:
    r = stored.record
    return AlertOut(
        id=stored.id,
        source=clean_text(str(r.source)),
        fingerprint=clean_text(str(r.fingerprint)),
        name=f"(alert {stored.id} could not be shown)",
        state=r.state,
        severity=None,
        occurrence=r.occurrence,
        repeat_count=0,
        flap_count=0,
        resolution=None,
        labels={},
        annotations={},
        links={},
        opened_at=None,
        deadline_at=None,
        escalated_at=None,
        acknowledged_at=None,
        acknowledged_by=None,
        suppressed_at=None,
        resolved_at=None,
        last_seen_at=None,
        updated_at=stored.updated_at,
        open_seconds=0.0,
        url=alert_url(public_url, stored.id),
        render_error=clean_text(f"{type(exc).__name__}: {exc}")[:500],
    )


def _alert_out(stored: StoredAlert, public_url: str, now: datetime) -> AlertOut:
    r = stored.record
    return AlertOut(
        id=stored.id,
        source=r.source,
        fingerprint=r.fingerprint,
        name=r.name,
        state=r.state,
        severity=r.severity.value if r.severity else None,
        occurrence=r.occurrence,
        repeat_count=r.repeat_count,
        flap_count=r.flap_count,
        resolution=r.resolution,
        labels=r.labels,
        annotations=r.annotations,
        links=r.links,
        opened_at=r.opened_at,
        deadline_at=r.deadline_at,
        escalated_at=r.escalated_at,
        acknowledged_at=r.acknowledged_at,
        acknowledged_by=r.acknowledged_by,
        suppressed_at=r.suppressed_at,
        resolved_at=r.resolved_at,
        last_seen_at=r.last_seen_at,
        updated_at=stored.updated_at,
        open_seconds=r.open_for(now).total_seconds(),
        url=alert_url(public_url, stored.id),
    )


def alert_detail(history: AlertHistory, public_url: str, now: datetime) -> AlertDetail:
    base = alert_out(history.alert, public_url, now)
    try:
        return AlertDetail(
            **base.model_dump(),
            timeline=[TimelineEvent.model_validate(event) for event in history.timeline],
            notifications=[NotificationOut.model_validate(delivery) for delivery in history.deliveries],
        )
    except Exception as exc:
        log.exception("the history of alert %s cannot be shown", history.alert.id)
        error = base.render_error or clean_text(f"history: {type(exc).__name__}: {exc}")[:500]
        return AlertDetail(
            **base.model_dump(exclude={"render_error"}), timeline=[], notifications=[], render_error=error
        )


def incident_out(stored: StoredIncident, public_url: str) -> IncidentOut:
    r = stored.record
    return IncidentOut(
        id=stored.id,
        title=r.title,
        route=r.route,
        labels=r.labels,
        state=r.state.value,
        opened_at=r.opened_at,
        resolved_at=r.resolved_at,
        firing=len(r.firing),
        alerts=r.alerts,
        waiting=len(r.pending),
        next_message_at=r.flush_at,
        paged_at=r.paged_at,
        notified_at=r.notified_at,
        messages=r.sequence,
        url=f"{public_url.rstrip('/')}/incidents/{stored.id}",
    )


def incident_detail(history: IncidentHistory, public_url: str, now: datetime) -> IncidentDetail:
    return IncidentDetail(
        **incident_out(history.incident, public_url).model_dump(),
        firing_alerts=[alert_out(alert, public_url, now) for alert in history.firing],
        notifications=[NotificationOut.model_validate(delivery) for delivery in history.deliveries],
    )
