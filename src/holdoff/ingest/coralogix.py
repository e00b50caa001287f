"""Coralogix outbound webhooks: the seed POC's payload and Coralogix's default template.

POC: ``{"alert_id", "alert_name", "alert_action": "TRIGGERED|RESOLVED"}``.
Default template: ``name`` instead of ``alert_name``, plus ``description``, ``alert_url``, ``log_url``,
``service`` and ``fields[]`` key/value pairs (team, application, subsystem, severity, priority).
``alert_action`` is matched case-insensitively: TRIGGERED/RESOLVED and trigger/resolve are both seen.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from holdoff.ingest.text import Text
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "coralogix"

_ACTIONS = {
    "triggered": Action.TRIGGERED,
    "trigger": Action.TRIGGERED,
    "resolved": Action.RESOLVED,
    "resolve": Action.RESOLVED,
}

# Coralogix event severities (and the alert priorities P1-P5) onto Holdoff's scale.
_SEVERITIES = {
    "critical": Severity.CRITICAL,
    "error": Severity.HIGH,
    "high": Severity.HIGH,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "debug": Severity.LOW,
    "verbose": Severity.LOW,
    "low": Severity.LOW,
    "p1": Severity.CRITICAL,
    "p2": Severity.HIGH,
    "p3": Severity.WARNING,
    "p4": Severity.INFO,
    "p5": Severity.LOW,
}

_TEXT_ANNOTATIONS = (
    "description",
    "threshold",
    "timewindow",
    "group_by_labels",
    "duration",
    "errors",
    "spans",
)
_LINKS = ("alert_url", "log_url")


class KeyValue(BaseModel):
    """One ``fields[]`` entry of the default template."""

    model_config = ConfigDict(extra="ignore")

    key: Text = Field(min_length=1, max_length=256)
    value: Text | int | float | bool | None = None


class CoralogixWebhook(BaseModel):
    """The body Coralogix posts (or the POC's three-field version of it)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    alert_id: Text = Field(
        min_length=1, max_length=255, description="Coralogix's alert id: the alert's identity."
    )
    alert_action: Text = Field(description="TRIGGERED or RESOLVED (any case); trigger/resolve also accepted.")
    alert_name: Text | None = Field(default=None, max_length=512)
    name: Text | None = Field(default=None, max_length=512, description="The default template's name field.")
    description: Text | None = Field(default=None, max_length=65_536)
    service: Text | None = Field(default=None, max_length=256)
    alert_url: Text | None = Field(default=None, max_length=4096)
    log_url: Text | None = Field(default=None, max_length=4096)
    fields: list[KeyValue] = Field(default_factory=list, max_length=1000)

    @field_validator("alert_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Coralogix ids are strings, but a numeric id is the same id.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("alert_action")
    @classmethod
    def _known_action(cls, value: str) -> str:
        if value.lower() not in _ACTIONS:
            raise ValueError(
                f"unknown action {value!r}: expected TRIGGERED or RESOLVED (any case, or trigger/resolve)"
            )
        return value

    @model_validator(mode="after")
    def _extra_is_small(self) -> CoralogixWebhook:
        if self.model_extra and len(self.model_extra) > 200:
            raise ValueError("too many top-level fields (more than 200)")
        return self

    @property
    def action(self) -> Action:
        return _ACTIONS[self.alert_action.lower()]

    def to_event(self, raw: dict[str, Any]) -> AlertEvent:
        labels = {
            item.key: str(item.value)
            for item in self.fields
            if item.value is not None and not _is_placeholder(str(item.value))
        }
        if self.service and not _is_placeholder(self.service):
            labels.setdefault("service", self.service)
        texts = {**(self.model_extra or {}), "description": self.description}
        annotations = {
            key: str(texts[key])
            for key in _TEXT_ANNOTATIONS
            if texts.get(key) not in (None, "") and not _is_placeholder(str(texts[key]))
        }
        links = {key: value for key in _LINKS if (value := getattr(self, key)) and not _is_placeholder(value)}
        return AlertEvent(
            source=SOURCE,
            fingerprint=self.alert_id,
            action=self.action,
            name=_first_real(self.alert_name, self.name) or self.alert_id,
            severity=_severity(labels),
            labels=labels,
            annotations=annotations,
            links=links,
            raw=raw,
        )


def _is_placeholder(value: str) -> bool:
    """A template variable Coralogix left unsubstituted, like ``$ALERT_URL``."""
    return value.startswith("$") and value[1:].replace("_", "").isalnum() and value[1:].isupper()


def _first_real(*values: str | None) -> str | None:
    return next((value for value in values if value and not _is_placeholder(value)), None)


def _severity(labels: dict[str, str]) -> Severity | None:
    for key in ("severity", "priority"):
        found = _SEVERITIES.get(labels.get(key, "").strip().lower())
        if found is not None:
            return found
    return None
