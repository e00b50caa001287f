"""AWS CloudWatch alarms, delivered by an SNS HTTP(S) subscription.

The SNS ``Notification``'s ``Message`` is a JSON *string* describing one alarm state change:
``AlarmName``, ``AlarmDescription``, ``AWSAccountId``, ``NewStateValue`` (ALARM | OK | INSUFFICIENT_DATA),
``OldStateValue``, ``NewStateReason``, ``StateChangeTime``, ``Region`` (a display name such as
"US East (N. Virginia)"), ``AlarmArn`` and ``Trigger`` (metric, dimensions, threshold ...).

- ALARM is TRIGGERED, OK is RESOLVED; INSUFFICIENT_DATA is either, or nothing, as configured.
- Identity: the alarm's ARN (account + region + name when a message has no ARN).
- Severity: a ``[critical]`` or ``severity=high`` tag in the description (else the name) sets it; without
  one, ALARM is ``warning`` and OK carries none (the alert keeps what it had).
- Time: every event's ``starts_at`` is the ``StateChangeTime``; resolved events carry it as ``ends_at``
  too. A resolve thus counts for the occurrence it follows and is ignored when a newer ALARM has
  opened since (SNS may deliver out of order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holdoff.edge import InputRefused, parse_json
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.ingest.text import Text
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "cloudwatch"

InsufficientData = Literal["firing", "resolved", "ignore"]

DEFAULT_SEVERITY = Severity.WARNING
"""Severity of a firing alarm whose description and name carry no severity tag."""

_SEVERITY_NAMES = "critical|high|warning|info|low"
# "[critical]" anywhere, or "severity=high" / "severity: high" as a word.
_SEVERITY_TAG = re.compile(
    rf"\[\s*({_SEVERITY_NAMES})\s*\]|\bseverity\s*[=:]\s*({_SEVERITY_NAMES})\b", re.IGNORECASE
)

_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "below the band",
    "GreaterThanUpperThreshold": "above the band",
}

# The console's host per ARN partition; only the commercial one is per region.
_CONSOLES = {
    "aws": "https://{region}.console.aws.amazon.com",
    "aws-cn": "https://console.amazonaws.cn",
    "aws-us-gov": "https://console.amazonaws-us-gov.com",
}


class Dimension(BaseModel):
    """One ``Trigger.Dimensions`` entry."""

    model_config = ConfigDict(extra="ignore")

    name: Text = Field(min_length=1, max_length=255)
    value: Text = Field(max_length=1024)


class AlarmTrigger(BaseModel):
    """The metric condition of a metric alarm (composite alarms have none)."""

    model_config = ConfigDict(extra="allow")

    MetricName: Text | None = Field(default=None, max_length=255)
    Namespace: Text | None = Field(default=None, max_length=255)
    Dimensions: list[Dimension] = Field(default_factory=list, max_length=100)
    Threshold: float | None = None
    ComparisonOperator: Text | None = Field(default=None, max_length=64)
    Statistic: Text | None = Field(default=None, max_length=64)
    ExtendedStatistic: Text | None = Field(default=None, max_length=64)
    Period: int | None = Field(default=None, ge=0)
    EvaluationPeriods: int | None = Field(default=None, ge=0)

    def condition(self) -> str | None:
        """The threshold as a sentence, e.g. "AVERAGE CPUUtilization > 80 for 1 period(s) of 300 s"."""
        if self.Threshold is None or not self.ComparisonOperator:
            return None
        comparison = _COMPARISONS.get(self.ComparisonOperator, self.ComparisonOperator)
        statistic = self.Statistic or self.ExtendedStatistic
        subject = " ".join(part for part in (statistic, self.MetricName) if part) or "value"
        text = f"{subject} {comparison} {_number(self.Threshold)}"
        if self.EvaluationPeriods is not None and self.Period is not None:
            text += f" for {self.EvaluationPeriods} period(s) of {self.Period} s"
        return text


class AlarmMessage(BaseModel):
    """The alarm state change inside an SNS notification's ``Message``."""

    model_config = ConfigDict(extra="allow")

    AlarmName: Text = Field(min_length=1, max_length=255)
    AlarmDescription: Text | None = Field(default=None, max_length=65_536)
    AWSAccountId: Text | None = Field(default=None, max_length=64)
    NewStateValue: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
    OldStateValue: Text | None = Field(default=None, max_length=64)
    NewStateReason: Text | None = Field(default=None, max_length=65_536)
    StateChangeTime: datetime | None = Field(
        default=None, description='e.g. "2026-11-22T07:57:34.449+0000"; a time without zone is UTC.'
    )
    Region: Text | None = Field(default=None, max_length=128)
    AlarmArn: Text | None = Field(default=None, max_length=2048)
    Trigger: AlarmTrigger | None = None

    @field_validator("StateChangeTime")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @property
    def arn_parts(self) -> tuple[str, str, str] | None:
        """(partition, region, account) from ``AlarmArn``, when it is an ARN."""
        if not self.AlarmArn:
            return None
        parts = self.AlarmArn.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return None
        return parts[1], parts[3], parts[4]


def load_message(message: Any) -> dict[str, Any]:
    """The notification's ``Message`` string as a JSON object, or :class:`PayloadError`."""
    if not isinstance(message, str):
        raise PayloadError(f"Message: expected a JSON string, got {type(message).__name__}")
    try:
        data = parse_json(message)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"Message: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "expected a CloudWatch alarm"
        ) from None
    except InputRefused as exc:
        raise PayloadError(f"Message: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError(f"Message: expected a JSON object, got {type(data).__name__}")
    return data


def parse_notification(
    envelope: Mapping[str, Any], *, insufficient_data: InsufficientData = "ignore"
) -> list[AlertEvent]:
    """Events from a whole SNS ``Notification`` envelope (as decoded JSON)."""
    if envelope.get("Type") != "Notification":
        raise PayloadError(f"Type: expected 'Notification', got {envelope.get('Type')!r}")
    if "Message" not in envelope:
        raise PayloadError("Message: missing")
    return parse(load_message(envelope["Message"]), insufficient_data=insufficient_data, envelope=envelope)


def parse(
    message: dict[str, Any],
    *,
    insufficient_data: InsufficientData = "ignore",
    envelope: Mapping[str, Any] | None = None,
) -> list[AlertEvent]:
    """The events one alarm message stands for: none or one.

    ``message`` is the decoded ``Message``; ``envelope`` the SNS envelope it came in, kept (without
    ``Message``) in ``raw`` for audit. Raises pydantic's ``ValidationError`` for missing or invalid
    fields.
    """
    alarm = AlarmMessage.model_validate(message)
    action = _action(alarm.NewStateValue, insufficient_data)
    if action is None:
        return []
    sns = None if envelope is None else {key: value for key, value in envelope.items() if key != "Message"}
    return [_event(alarm, action, _topic_region(envelope), raw={"sns": sns, "message": message})]


def _action(state: str, insufficient_data: InsufficientData) -> Action | None:
    if state == "ALARM":
        return Action.TRIGGERED
    if state == "OK":
        return Action.RESOLVED
    return {"firing": Action.TRIGGERED, "resolved": Action.RESOLVED, "ignore": None}[insufficient_data]


def _event(alarm: AlarmMessage, action: Action, topic_region: str | None, raw: dict[str, Any]) -> AlertEvent:
    arn = alarm.arn_parts
    partition = arn[0] if arn else "aws"
    region_code = (arn[1] if arn else None) or topic_region
    account = alarm.AWSAccountId or (arn[2] if arn else None)
    region = region_code or alarm.Region

    if alarm.AlarmArn:
        fingerprint = stable_fingerprint(alarm.AlarmArn)
    else:
        fingerprint = stable_fingerprint(account, region, alarm.AlarmName)

    labels = {"account": account, "region": region}
    annotations = {
        "description": alarm.AlarmDescription,
        "reason": alarm.NewStateReason,
        "transition": f"{alarm.OldStateValue} -> {alarm.NewStateValue}" if alarm.OldStateValue else None,
    }
    if alarm.Trigger is not None:
        labels["namespace"] = alarm.Trigger.Namespace
        labels["metric"] = alarm.Trigger.MetricName
        for dimension in alarm.Trigger.Dimensions:
            labels[f"dim_{dimension.name}"] = dimension.value
        annotations["threshold"] = alarm.Trigger.condition()

    links: dict[str, str] = {}
    console = _CONSOLES.get(partition)
    if region_code and console:
        base = console.format(region=region_code)
        links["console"] = (
            f"{base}/cloudwatch/home?region={region_code}#alarmsV2:alarm/{quote(alarm.AlarmName, safe='')}"
        )

    severity = _tagged_severity(alarm.AlarmDescription, alarm.AlarmName)
    if severity is None and action is Action.TRIGGERED:
        severity = DEFAULT_SEVERITY

    return AlertEvent(
        source=SOURCE,
        fingerprint=fingerprint,
        action=action,
        name=alarm.AlarmName,
        severity=severity,
        labels={key: value for key, value in labels.items() if value},
        annotations={key: value for key, value in annotations.items() if value},
        links=links,
        starts_at=alarm.StateChangeTime,
        ends_at=alarm.StateChangeTime if action is Action.RESOLVED else None,
        raw=raw,
    )


def _tagged_severity(*texts: str | None) -> Severity | None:
    """The first ``[severity]`` or ``severity=...`` tag, looking in each text in turn."""
    for text in texts:
        match = _SEVERITY_TAG.search(text or "")
        if match:
            return Severity((match.group(1) or match.group(2)).lower())
    return None


def _topic_region(envelope: Mapping[str, Any] | None) -> str | None:
    """The region of the SNS topic (``arn:aws:sns:<region>:...``), a fallback for messages without ARN."""
    topic = envelope.get("TopicArn") if envelope is not None else None
    if not isinstance(topic, str):
        return None
    parts = topic.split(":", 5)
    return (parts[3] or None) if len(parts) == 6 and parts[0] == "arn" else None


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
