"""Request and response shapes of the HTTP API (what OpenAPI documents)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from holdoff.edge import utc_in_range
from holdoff.ingest.text import Text
from holdoff.mediate.durations import parse_duration
from holdoff.mediate.matchers import Matcher, MatchType, parse_matchers
from holdoff.mediate.model import AlertState, Resolution
from holdoff.store.silences import SilenceState


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
    render_error: str | None = Field(
        default=None,
        description="Set when this alert could not be shown (its other fields are then mostly empty); "
        "the rest of the list is unaffected.",
    )


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


class AuditOut(BaseModel):
    id: int
    at: datetime
    who: str = Field(description="alice, token ops-bot, anonymous (open mode), or the name tried at login.")
    via: str = Field(description="session, token <id>, open, or login.")
    role: str | None
    method: str
    path: str
    target: str | None = Field(description="What it acted on, e.g. alert:12, silence:3.")
    status: int = Field(description="The HTTP status it was answered with.")


class AlertDetail(AlertOut):
    timeline: list[TimelineEvent]
    notifications: list[NotificationOut]
    audit: list[AuditOut] = Field(
        default_factory=list,
        description=(
            "Admins only (empty for other roles): requests made about this alert with credentials "
            "(newest first), refused ones included."
        ),
    )


class IncidentOut(BaseModel):
    id: int
    title: str
    route: str
    labels: dict[str, str] = Field(description="The group labels its alerts share.")
    state: str = Field(description="open or resolved")
    opened_at: datetime
    resolved_at: datetime | None
    firing: int = Field(description="Its alerts open now.")
    alerts: int = Field(description="Alert occurrences that have joined it.")
    waiting: int = Field(description="Alert messages collected for its next message.")
    next_message_at: datetime | None
    paged_at: datetime | None
    notified_at: datetime | None
    messages: int = Field(description="Messages sent about it so far (each to its channels).")
    url: str


class IncidentPage(BaseModel):
    items: list[IncidentOut]


class IncidentDetail(IncidentOut):
    firing_alerts: list[AlertOut]
    notifications: list[NotificationOut]


class IncidentAcknowledged(BaseModel):
    incident_id: int
    acknowledged: list[int] = Field(description="Alerts acknowledged now.")
    unchanged: list[int] = Field(description="Firing alerts already acknowledged or suppressed.")


class OperatorAction(BaseModel):
    """Optional body of acknowledge / suppress / resolve."""

    by: Text | None = Field(
        default=None, max_length=255, description="Who is acting (shown in the timeline)."
    )
    note: Text | None = Field(default=None, max_length=2000)


class Health(BaseModel):
    status: str
    database: str
    version: str


# --- silences ---

AwareMoment = Annotated[AwareDatetime, AfterValidator(utc_in_range)]
"""A time with its zone, in the range Holdoff accepts (:mod:`holdoff.edge`)."""
_CLEAN = get_args(Text)[1:]  # Text's own validator: the rule for input text
LabelName = Annotated[str, StringConstraints(min_length=1, max_length=255), *_CLEAN]
LabelValue = Annotated[str, StringConstraints(max_length=4096), *_CLEAN]
CreatedBy = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), *_CLEAN]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), *_CLEAN]


class MatcherIn(BaseModel):
    """One condition on one label, as in Alertmanager."""

    name: LabelName = Field(examples=["alertname"])
    value: LabelValue = Field(examples=["HighCPU"])
    type: MatchType = Field(
        default=MatchType.EQUAL,
        description="= equal, != not equal, =~ regex, !~ not regex (regexes anchored).",
    )

    @model_validator(mode="after")
    def _compiles(self) -> MatcherIn:
        Matcher(self.name, self.type, self.value)  # raises MatcherError (a ValueError) naming the problem
        return self

    def matcher(self) -> Matcher:
        return Matcher(self.name, self.type, self.value)


def _matchers_from_text(value: Any) -> Any:
    """The string form, ``{alertname="HighCPU", instance=~"web-.*"}``, read into the list form."""
    if isinstance(value, str):
        return [{"name": m.name, "type": m.type, "value": m.value} for m in parse_matchers(value)]
    return value


def _list_or_text(schema: JsonDict) -> None:
    """Document both accepted forms of ``matchers``."""
    as_list: JsonDict = {key: schema.pop(key) for key in ("type", "items", "maxItems") if key in schema}
    as_text: JsonDict = {"type": "string", "examples": ['{alertname="HighCPU", instance=~"web-.*"}']}
    schema["anyOf"] = [as_list, as_text]


class SilenceIn(BaseModel):
    """Body of ``POST /silences`` and ``PUT /silences/{id}``: give either ``ends_at`` or ``duration``."""

    model_config = ConfigDict(extra="forbid")

    matchers: Annotated[list[MatcherIn], BeforeValidator(_matchers_from_text)] = Field(
        max_length=100,
        description='A list of {"name", "value", "type"} objects, or a string like '
        '{alertname="HighCPU", instance=~"web-.*"}. An alert is silenced when every matcher matches.',
        json_schema_extra=_list_or_text,
    )
    starts_at: AwareMoment | None = Field(
        default=None, description="When the silence starts (ISO 8601 with a time zone); default now."
    )
    ends_at: AwareMoment | None = Field(default=None, description="When it ends; or give duration.")
    duration: str | None = Field(
        default=None,
        max_length=64,
        description="How long it lasts from starts_at (or from now), e.g. 30m, 2h, 2h30m, 1d.",
        examples=["2h"],
    )
    created_by: CreatedBy = Field(description="Who is silencing (kept on update).")
    comment: Comment = Field(description="Why; shown in each muted alert's timeline.")

    @field_validator("matchers")
    @classmethod
    def _at_least_one(cls, value: list[MatcherIn]) -> list[MatcherIn]:
        if not value:
            raise ValueError(
                'no matchers: a silence needs at least one matcher, e.g. {alertname="HighCPU"} '
                "(one without any would mute every alert)"
            )
        return value

    @field_validator("duration")
    @classmethod
    def _duration_parses(cls, value: str | None) -> str | None:
        if value is not None and parse_duration(value) <= timedelta(0):
            raise ValueError(f"{value!r} is not longer than zero")
        return value

    @model_validator(mode="after")
    def _one_end(self) -> SilenceIn:
        if (self.ends_at is None) == (self.duration is None):
            raise ValueError("give exactly one of ends_at and duration")
        return self

    def parsed_matchers(self) -> tuple[Matcher, ...]:
        return tuple(m.matcher() for m in self.matchers)


class MatcherOut(BaseModel):
    name: str
    type: MatchType
    value: str


class SilenceOut(BaseModel):
    id: int
    matchers: list[MatcherOut]
    text: str = Field(description='The matchers in string form, e.g. {alertname="HighCPU"}.')
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    state: SilenceState = Field(description="At the time of the request.")
    created_at: datetime
    updated_at: datetime


class SilencePage(BaseModel):
    items: list[SilenceOut]
