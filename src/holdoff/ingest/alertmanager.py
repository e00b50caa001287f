"""Prometheus Alertmanager webhooks (``webhook_configs``, payload version 4).

One webhook carries one notification group: an envelope (``receiver``, ``status``, ``groupLabels``,
``externalURL`` ...) and up to ``max_alerts`` alerts, firing and resolved mixed. Each alert becomes one
:class:`~holdoff.mediate.model.AlertEvent`, in the order they were sent.

Identity: the alert's ``fingerprint`` (Alertmanager's hash of its label set); a payload without one gets
:func:`~holdoff.ingest.identity.label_set_fingerprint` of the labels (Alertmanager's own hash), so
label order never matters and the identity is the same whether or not the sender includes it.
Severity: the ``severity`` label, else ``priority``, through :data:`SEVERITIES`; anything else is None.
Alertmanager's zero time ``0001-01-01T00:00:00Z`` (what a firing alert carries as ``endsAt``) means "not set".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, get_args
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from holdoff.ingest.identity import label_set_fingerprint
from holdoff.ingest.text import Text
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "alertmanager"

MAX_ALERTS = 1000
"""Alerts in one webhook (Alertmanager's ``max_alerts`` is unlimited by default)."""
MAX_LABELS = 200
"""Labels per alert (and per envelope label set)."""
MAX_LABEL_NAME = 256
MAX_LABEL_VALUE = 4096
MAX_ANNOTATIONS = 200
MAX_ANNOTATION_VALUE = 65_536
MAX_URL = 32_768
"""Prometheus' ``generatorURL`` carries the whole PromQL expression, so links can be long."""
MAX_FINGERPRINT = 255
MAX_NAME = 512
"""Longer ``alertname`` values are shortened for the alert's name (the label keeps the full value)."""

SEVERITIES: Mapping[str, Severity] = {
    "critical": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "p1": Severity.CRITICAL,
    "error": Severity.HIGH,
    "high": Severity.HIGH,
    "major": Severity.HIGH,
    "p2": Severity.HIGH,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "minor": Severity.WARNING,
    "p3": Severity.WARNING,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "notice": Severity.INFO,
    "p4": Severity.INFO,
    "low": Severity.LOW,
    "debug": Severity.LOW,
    "none": Severity.LOW,
    "p5": Severity.LOW,
}
"""Values of the ``severity`` (or ``priority``) label, lower-cased and trimmed, onto Holdoff's scale."""

_ACTIONS = {"firing": Action.TRIGGERED, "resolved": Action.RESOLVED}

# ``Text`` plus a length limit. The constraint goes before Text's validator: after it, pydantic would
# report "at most N items" instead of "at most N characters".
_CLEAN = get_args(Text)[1:]  # Text's own validator: the rule for input text
LabelName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL_NAME), *_CLEAN]
LabelValue = Annotated[str, StringConstraints(max_length=MAX_LABEL_VALUE), *_CLEAN]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=MAX_LABELS)]
AnnotationValue = Annotated[str, StringConstraints(max_length=MAX_ANNOTATION_VALUE), *_CLEAN]
Annotations = Annotated[dict[LabelName, AnnotationValue], Field(max_length=MAX_ANNOTATIONS)]
Url = Annotated[str, StringConstraints(max_length=MAX_URL), *_CLEAN]
Fingerprint = Annotated[str, StringConstraints(max_length=MAX_FINGERPRINT), *_CLEAN]


def _status(value: str) -> str:
    status = value.strip().lower()
    if status not in _ACTIONS:
        raise ValueError(f"unknown status {value!r}: expected firing or resolved")
    return status


def _bounded(value: Any, limit: int, what: str) -> None:
    """Refuse an oversized list or mapping before validating its items one by one."""
    if isinstance(value, dict | list) and len(value) > limit:
        raise ValueError(f"too many {what}: at most {limit:,} allowed, got {len(value):,}")
    if isinstance(value, dict):
        for name in value:
            if isinstance(name, str) and len(name) > MAX_LABEL_NAME:
                raise ValueError(f"name {name[:40]!r}... is longer than {MAX_LABEL_NAME} characters")


def _time(value: Any) -> Any:
    """Accept RFC 3339 strings only; Alertmanager's zero time becomes None."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be an RFC 3339 time string, got {type(value).__name__}")
    return None if value.startswith("0001-01-01T") else value


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.year == 1:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the last representable instant
        raise ValueError("time out of range") from None


class AlertmanagerAlert(BaseModel):
    """One entry of ``alerts[]``."""

    model_config = ConfigDict(extra="ignore")

    status: Text = Field(description="firing or resolved (any case).")
    labels: Labels = Field(
        min_length=1,
        description="The alert's label set: its identity. At least one label, at most 200.",
    )
    annotations: Annotations = Field(default_factory=dict)
    starts_at: datetime | None = Field(default=None, alias="startsAt")
    ends_at: datetime | None = Field(
        default=None, alias="endsAt", description="0001-01-01T00:00:00Z (not set) while firing."
    )
    generator_url: Url | None = Field(default=None, alias="generatorURL")
    fingerprint: Fingerprint | None = Field(
        default=None,
        description="Alertmanager's hash of the label set; computed from the labels when absent.",
    )

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return _status(value)

    @field_validator("labels", mode="before")
    @classmethod
    def _few_labels(cls, value: Any) -> Any:
        _bounded(value, MAX_LABELS, "labels")
        return value

    @field_validator("annotations", mode="before")
    @classmethod
    def _few_annotations(cls, value: Any) -> Any:
        _bounded(value, MAX_ANNOTATIONS, "annotations")
        return value

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _zero_time_is_unset(cls, value: Any) -> Any:
        return _time(value)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @property
    def action(self) -> Action:
        return _ACTIONS[self.status]

    @property
    def identity(self) -> str:
        return self.fingerprint or label_set_fingerprint(self.labels)

    def event_annotations(self) -> dict[str, str]:
        return dict(self.annotations)

    def event_links(self) -> dict[str, str]:
        return {"generator": self.generator_url} if self.generator_url else {}


class AlertmanagerWebhook(BaseModel):
    """The body Alertmanager posts to a ``webhook_configs`` receiver."""

    model_config = ConfigDict(extra="ignore")

    version: LabelValue | None = Field(default=None, description='"4" for Alertmanager.')
    group_key: AnnotationValue | None = Field(default=None, alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, alias="truncatedAlerts")
    status: Text | None = Field(default=None, description="firing or resolved (any case).")
    receiver: LabelValue | None = None
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    common_annotations: Annotations = Field(default_factory=dict, alias="commonAnnotations")
    external_url: Url | None = Field(default=None, alias="externalURL")
    notification_reason: LabelValue | None = None
    alerts: Sequence[AlertmanagerAlert] = Field(description="At most 1,000 alerts.")

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        return None if value is None else _status(value)

    @field_validator("group_labels", "common_labels", mode="before")
    @classmethod
    def _few_labels(cls, value: Any) -> Any:
        _bounded(value, MAX_LABELS, "labels")
        return value

    @field_validator("common_annotations", mode="before")
    @classmethod
    def _few_annotations(cls, value: Any) -> Any:
        _bounded(value, MAX_ANNOTATIONS, "annotations")
        return value

    @field_validator("alerts", mode="before")
    @classmethod
    def _list_of_few_alerts(cls, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"must be a list of alerts, got {_json_type(value)}")
        _bounded(value, MAX_ALERTS, "alerts in one webhook")
        return value

    def group_links(self) -> dict[str, str]:
        """A link to this notification group in Alertmanager's web UI, when ``externalURL`` is set."""
        if not self.external_url:
            return {}
        query: dict[str, str] = {}
        if self.receiver:
            # The UI (and API v2) read ``receiver`` as an anchored regular expression.
            query["receiver"] = _regex_literal(self.receiver)
        if self.group_labels:
            query["filter"] = _matchers(self.group_labels)
        url = f"{self.external_url.rstrip('/')}/#/alerts"
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        return {"alertmanager": url}

    def to_events(self, payload: Mapping[str, Any], *, source: str) -> list[AlertEvent]:
        """One event per alert, in order; ``payload`` is the validated body, kept as ``raw``."""
        envelope = {key: value for key, value in payload.items() if key != "alerts"}
        originals: list[Any] = payload["alerts"]
        group_links = self.group_links()
        events = []
        for alert, original in zip(self.alerts, originals, strict=True):
            fingerprint = alert.identity
            name = alert.labels.get("alertname") or fingerprint
            if len(name) > MAX_NAME:
                name = name[: MAX_NAME - 1] + "\N{HORIZONTAL ELLIPSIS}"
            action = alert.action
            events.append(
                AlertEvent(
                    source=source,
                    fingerprint=fingerprint,
                    action=action,
                    name=name,
                    severity=severity(alert.labels),
                    labels=dict(alert.labels),
                    annotations=alert.event_annotations(),
                    links={**alert.event_links(), **group_links},
                    starts_at=alert.starts_at,
                    ends_at=alert.ends_at if action is Action.RESOLVED else None,
                    raw={"envelope": envelope, "alert": original},
                )
            )
        return events


def severity(labels: Mapping[str, str]) -> Severity | None:
    """The ``severity`` label through :data:`SEVERITIES`, else the ``priority`` label; None if neither maps."""
    for key in ("severity", "priority"):
        found = SEVERITIES.get(labels.get(key, "").strip().lower())
        if found is not None:
            return found
    return None


def parse(payload: dict[str, Any], *, source: str = SOURCE) -> list[AlertEvent]:
    """Validate an Alertmanager webhook body and turn each of its alerts into an event.

    Raises :class:`pydantic.ValidationError` naming the field when the body is not a valid webhook.
    """
    return AlertmanagerWebhook.model_validate(payload).to_events(payload, source=source)


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null" if value is None else type(value).__name__


def _regex_literal(text: str) -> str:
    # Escape only punctuation: RE2 (Go) accepts "\" before punctuation but not before letters or spaces.
    return "".join("\\" + char if char in r"\.+*?()|[]{}^$" else char for char in text)


def _matchers(labels: Mapping[str, str]) -> str:
    """``{a="1",b="x\\"y"}``: a label set as the equality matchers the Alertmanager UI filters by."""
    escaped = (
        (name, value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
        for name, value in labels.items()
    )
    return "{" + ",".join(f'{name}="{value}"' for name, value in escaped) + "}"
