"""Turning service results into response models."""

from __future__ import annotations

from datetime import datetime

from holdoff.api.schemas import (
    Accepted,
    AlertDetail,
    AlertOut,
    AttemptOut,
    NotificationOut,
    TimelineEvent,
)
from holdoff.notify.message import alert_url
from holdoff.service.mediation import Applied
from holdoff.service.queries import AlertHistory
from holdoff.store.alerts import StoredAlert


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
    return AlertDetail(
        **base.model_dump(),
        timeline=[
            TimelineEvent(
                at=e.at,
                occurrence=e.occurrence,
                action=e.action,
                state_before=e.state_before,
                state_after=e.state_after,
                summary=e.summary,
                actor=e.actor,
            )
            for e in history.timeline
        ],
        notifications=[
            NotificationOut(
                id=d.id,
                occurrence=d.occurrence,
                kind=d.kind,
                channel=d.channel,
                status=d.status,
                title=d.title,
                created_at=d.created_at,
                delivered_at=d.delivered_at,
                next_attempt_at=d.next_attempt_at,
                last_error=d.last_error,
                attempts=[
                    AttemptOut(
                        attempt=a.attempt,
                        at=a.at,
                        ok=a.ok,
                        status_code=a.status_code,
                        error=a.error,
                        latency_ms=a.latency_ms,
                    )
                    for a in d.attempts
                ],
            )
            for d in history.deliveries
        ],
    )
