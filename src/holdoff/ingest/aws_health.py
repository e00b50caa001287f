"""AWS Health events, as EventBridge delivers them or as the bare ``detail`` object.

EventBridge wraps the event: ``{"source": "aws.health", "detail-type": "AWS Health Event", "account",
"region", "time", "resources": [...], "detail": {...}}``. Test events and hand-written integrations often
post the ``detail`` alone, recognised here by its ``eventArn`` / ``eventTypeCode``; both give the same alert.

Identity: AWS deduplicates on the account plus ``communicationId``, so the fingerprint is
``stable_fingerprint(account, communicationId)``, falling back to the ``eventArn`` when there is no
communication id. The account is the detail's ``affectedAccount`` (the member account under an
organisational view, and the only account the bare detail carries), else the envelope's ``account``.

``statusCode`` ``closed`` resolves the alert; ``open`` and ``upcoming`` trigger it. Severity comes from
``eventTypeCategory``: see :data:`CATEGORY_SEVERITY`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.ingest.text import OptionalText, Text
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "aws-health"

CATEGORY_SEVERITY: dict[str, Severity] = {
    "issue": Severity.HIGH,
    "investigation": Severity.WARNING,
    "scheduledchange": Severity.INFO,
    "plannedchange": Severity.INFO,
    "accountnotification": Severity.LOW,
}
"""``eventTypeCategory`` (compared case-insensitively) onto Holdoff's scale; other categories get none.

An ``issue`` is a service problem affecting the account right now: high, never critical, because AWS does
not say how bad it is for *you*. Investigations are warnings; scheduled and planned changes (maintenance,
deprecations, lifecycle ends) are information; account notifications (billing, security advisories to read)
are low."""

_ACTIONS = {"open": Action.TRIGGERED, "upcoming": Action.TRIGGERED, "closed": Action.RESOLVED}

DASHBOARD_URL = "https://health.aws.amazon.com/health/home#/account/event-log?eventID={arn}"
MAX_ENTITIES = 1_000
"""Affected entities accepted in one event; AWS pages larger sets (``page``/``totalPages``)."""
MAX_LISTED_ENTITIES = 20
"""How many affected entities the ``affected_entities`` annotation names before it says "and N more".

Each is its ``entityValue`` followed by its status in parentheses when AWS gives one (lifecycle events
mark each entity PENDING or RESOLVED); without ``affectedEntities`` the envelope's ``resources`` are listed."""


def _aws_time(value: Any) -> datetime | None:
    """``Thu, 22 Feb 2024 01:49:40 GMT`` (what EventBridge sends), ISO 8601, or epoch seconds; "" is none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("expected a time, not a boolean")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch seconds out of range: {value}") from None
    if not isinstance(value, str):
        raise ValueError("expected a time as a string")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                f"not a time: {value[:64]!r} (expected e.g. 'Thu, 22 Feb 2024 01:49:40 GMT' or ISO 8601)"
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


AwsTime = Annotated[datetime | None, BeforeValidator(_aws_time)]


class EventDescription(BaseModel):
    """One ``eventDescription[]`` entry: the latest text in one language."""

    model_config = ConfigDict(extra="ignore")

    language: OptionalText = Field(default=None, max_length=32)
    latest_description: Text = Field(alias="latestDescription", max_length=65_536)


class AffectedEntity(BaseModel):
    """One ``affectedEntities[]`` entry; the full entry (tags, status ...) stays in ``raw``."""

    model_config = ConfigDict(extra="ignore")

    entity_value: OptionalText = Field(default=None, alias="entityValue", max_length=1600)
    status_code: OptionalText = Field(default=None, alias="statusCode", max_length=64)


class HealthDetail(BaseModel):
    """The ``detail`` object of an AWS Health event."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    event_arn: Text = Field(alias="eventArn", min_length=1, max_length=1600)
    service: Text = Field(min_length=1, max_length=256)
    event_type_code: Text = Field(alias="eventTypeCode", min_length=1, max_length=256)
    event_type_category: Text = Field(alias="eventTypeCategory", min_length=1, max_length=64)
    event_scope_code: OptionalText = Field(default=None, alias="eventScopeCode", max_length=64)
    communication_id: OptionalText = Field(default=None, alias="communicationId", max_length=255)
    status_code: Text = Field(alias="statusCode", description="open, upcoming or closed (any case).")
    start_time: AwsTime = Field(default=None, alias="startTime")
    end_time: AwsTime = Field(default=None, alias="endTime")
    last_updated_time: AwsTime = Field(default=None, alias="lastUpdatedTime")
    event_region: OptionalText = Field(default=None, alias="eventRegion", max_length=64)
    event_description: list[EventDescription] = Field(
        default_factory=list, alias="eventDescription", max_length=100
    )
    affected_entities: list[AffectedEntity] = Field(
        default_factory=list, alias="affectedEntities", max_length=MAX_ENTITIES
    )
    affected_account: OptionalText = Field(default=None, alias="affectedAccount", max_length=64)

    @field_validator("status_code")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value.lower() not in _ACTIONS:
            raise ValueError(f"unknown status {value[:64]!r}: expected open, upcoming or closed")
        return value.lower()

    @property
    def action(self) -> Action:
        return _ACTIONS[self.status_code]

    def description(self) -> str | None:
        """The latest description, in English when there is one, else in the first language given."""
        english = [d for d in self.event_description if (d.language or "").lower().startswith("en")]
        chosen = english or self.event_description
        if not chosen:
            return None
        return chosen[0].latest_description.strip() or None


class HealthEnvelope(BaseModel):
    """The EventBridge event around the detail (only the fields Holdoff uses; all of it stays in ``raw``).

    ``source`` and ``detail-type`` are not checked: EventBridge refuses ``aws.*`` sources in PutEvents,
    so test events sent by hand carry a custom source around a genuine Health ``detail``.
    """

    model_config = ConfigDict(extra="ignore")

    account: OptionalText = Field(default=None, max_length=64)
    region: OptionalText = Field(default=None, max_length=64)
    resources: list[Text] = Field(default_factory=list, max_length=10_000)
    detail: HealthDetail


def parse(payload: dict[str, Any]) -> list[AlertEvent]:
    """One alert event from an AWS Health EventBridge event or its bare ``detail``.

    Raises :class:`PayloadError` for a payload that is neither, and pydantic's ``ValidationError``
    (naming the field, ``detail.statusCode`` for instance) for a missing or malformed field.
    """
    if "detail" in payload:
        envelope = HealthEnvelope.model_validate(payload)
        detail, account, region, resources = (
            envelope.detail,
            envelope.account,
            envelope.region,
            envelope.resources,
        )
    elif "eventArn" in payload or "eventTypeCode" in payload:
        detail, account, region, resources = HealthDetail.model_validate(payload), None, None, []
    else:
        raise PayloadError(
            "not an AWS Health event: expected an EventBridge event with a 'detail' object, "
            "or the bare detail (with 'eventArn' and 'eventTypeCode')"
        )
    return [_to_event(detail, account, region, resources, payload)]


def _to_event(
    detail: HealthDetail,
    envelope_account: str | None,
    envelope_region: str | None,
    resources: Sequence[str],
    raw: dict[str, Any],
) -> AlertEvent:
    account = detail.affected_account or envelope_account
    if not account:
        raise PayloadError(
            "detail.affectedAccount: required when the payload carries no EventBridge 'account' "
            "(the account is part of the alert's identity)"
        )
    labels = {
        "account": account,
        "region": detail.event_region or envelope_region or "",
        "service": detail.service,
        "event_type": detail.event_type_code,
        "category": detail.event_type_category,
        "scope": detail.event_scope_code or "",
        "status": detail.status_code,
    }
    annotations: dict[str, str] = {}
    description = detail.description()
    if description:
        annotations["description"] = description
    entities = [
        f"{e.entity_value} ({e.status_code})" if e.status_code else e.entity_value
        for e in detail.affected_entities
        if e.entity_value
    ] or list(resources)
    if entities:
        annotations["affected_entities"] = _listing(entities)
    closed = detail.action is Action.RESOLVED
    return AlertEvent(
        source=SOURCE,
        fingerprint=stable_fingerprint(account, detail.communication_id or detail.event_arn),
        action=detail.action,
        name=f"{detail.service} {detail.event_type_code}",
        severity=CATEGORY_SEVERITY.get(detail.event_type_category.lower()),
        labels={key: value for key, value in labels.items() if value},
        annotations=annotations,
        links={"health_dashboard": DASHBOARD_URL.format(arn=quote(detail.event_arn, safe=":/"))},
        # The event's version: an update (new lastUpdatedTime) is newer, a re-delivery is the same.
        starts_at=detail.last_updated_time or detail.start_time,
        ends_at=detail.end_time if closed else None,
        raw=raw,
    )


def _listing(values: Sequence[str]) -> str:
    shown = ", ".join(values[:MAX_LISTED_ENTITIES])
    hidden = len(values) - MAX_LISTED_ENTITIES
    return f"{shown} and {hidden} more" if hidden > 0 else shown
