"""Response shapes of the HTTP API (what OpenAPI documents)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from holdoff.mediate.model import AlertState, Resolution


class Accepted(BaseModel):
    """What a webhook or an operator action did to the alert."""

    alert_id: int
    state: AlertState
    occurrence: int
    resolution: Resolution | None
    summary: str
    url: str


class Received(BaseModel):
    """What a multi-alert webhook did: one entry per alert it carried, in order."""

    received: int = Field(description="Alerts in the webhook.")
    alerts: list[Accepted]
    detail: str | None = Field(default=None, description="Why nothing was stored, when nothing was.")


class AlertOut(BaseModel):
    id: int
    source: str
    fingerprint: str
    name: str
    state: AlertState
    severity: str | None
    occurrence: int
    repeat_count: int
    flap_count: int
    resolution: Resolution | None
    labels: dict[str, str]
    annotations: dict[str, str]
    links: dict[str, str]
    opened_at: datetime | None
    deadline_at: datetime | None
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    suppressed_at: datetime | None
    resolved_at: datetime | None
    last_seen_at: datetime | None
    updated_at: datetime
    open_seconds: float
    url: str


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class TimelineEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    occurrence: int
    action: str
    state_before: str | None
    state_after: str
    summary: str
    actor: str | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: float


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurrence: int
    kind: str
    channel: str
    status: str
    title: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    attempts: list[AttemptOut]


class AlertDetail(AlertOut):
    timeline: list[TimelineEvent]
    notifications: list[NotificationOut]


class OperatorAction(BaseModel):
    """Optional body of acknowledge / suppress / resolve."""

    by: str | None = Field(default=None, max_length=255, description="Who is acting (shown in the timeline).")
    note: str | None = Field(default=None, max_length=2000)


class Health(BaseModel):
    status: str
    database: str
    version: str
