"""CloudWatch alarm messages (inside SNS notifications) as alert events."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.ingest import cloudwatch
from holdoff.ingest.errors import PayloadError
from holdoff.ingest.identity import stable_fingerprint
from holdoff.mediate.model import Action, AlertEvent, Severity

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
ALARM_ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:web-cpu-high"
CONSOLE = (
    "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-cpu-high"
)


def sample_envelope() -> dict[str, Any]:
    return json.loads((PAYLOADS / "cloudwatch-alarm-sns.json").read_text())  # type: ignore[no-any-return]


def sample_message(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(sample_envelope()["Message"])
    message.update(changes)
    return message


def only(events: list[AlertEvent]) -> AlertEvent:
    assert len(events) == 1
    return events[0]


def test_reference_sample_becomes_a_triggered_event() -> None:
    envelope = sample_envelope()
    event = only(cloudwatch.parse_notification(envelope))
    message = json.loads(envelope["Message"])
    sns_without_message = {key: value for key, value in envelope.items() if key != "Message"}
    assert event == AlertEvent(
        source="cloudwatch",
        fingerprint=stable_fingerprint(ALARM_ARN),
        action=Action.TRIGGERED,
        name="web-cpu-high",
        severity=Severity.WARNING,
        labels={
            "account": "111122223333",
            "region": "us-east-1",
            "namespace": "AWS/EC2",
            "metric": "CPUUtilization",
            "dim_InstanceId": "i-0abc123def4567890",
        },
        annotations={
            "description": "CPU above 80% on web tier",
            "reason": "Threshold Crossed: 1 datapoint [91.2 (22/11/26 07:50:00)] was greater than the "
            "threshold (80.0).",
            "transition": "OK -> ALARM",
            "threshold": "AVERAGE CPUUtilization > 80 for 1 period(s) of 300 s",
        },
        links={"console": CONSOLE},
        starts_at=datetime(2026, 11, 22, 7, 55, 12, 123_000, tzinfo=UTC),
        ends_at=None,
        raw={"sns": sns_without_message, "message": message},
    )
    assert event.source == cloudwatch.SOURCE
    assert "Message" not in event.raw["sns"]  # type: ignore[index]


def test_parse_of_the_message_alone_keeps_no_envelope() -> None:
    message = sample_message()
    event = only(cloudwatch.parse(message))
    assert event.raw == {"sns": None, "message": message}
    assert event.fingerprint == stable_fingerprint(ALARM_ARN)
    assert event.labels["region"] == "us-east-1"


def test_ok_resolves_the_same_alert() -> None:
    alarm = only(cloudwatch.parse(sample_message()))
    ok = only(
        cloudwatch.parse(
            sample_message(
                NewStateValue="OK",
                OldStateValue="ALARM",
                NewStateReason="Threshold Crossed: 1 datapoint [42.0] was not greater than the threshold (80.0).",
                StateChangeTime="2026-11-22T08:10:00.000+0000",
            )
        )
    )
    assert ok.action is Action.RESOLVED
    assert ok.fingerprint == alarm.fingerprint
    assert ok.name == alarm.name
    assert ok.severity is None  # the alert keeps the severity it had
    assert ok.annotations["transition"] == "ALARM -> OK"
    assert ok.ends_at == datetime(2026, 11, 22, 8, 10, tzinfo=UTC)
    # The state change time orders it after the ALARM it ends, before any later ALARM.
    assert ok.starts_at == ok.ends_at
    assert alarm.starts_at is not None and ok.starts_at > alarm.starts_at


@pytest.mark.parametrize(
    ("option", "action"),
    [("firing", Action.TRIGGERED), ("resolved", Action.RESOLVED), ("ignore", None)],
)
def test_insufficient_data_follows_the_option(
    option: cloudwatch.InsufficientData, action: Action | None
) -> None:
    message = sample_message(NewStateValue="INSUFFICIENT_DATA", OldStateValue="ALARM")
    events = cloudwatch.parse(message, insufficient_data=option)
    if action is None:
        assert events == []
        return
    event = only(events)
    assert event.action is action
    assert event.fingerprint == stable_fingerprint(ALARM_ARN)
    assert event.severity == (Severity.WARNING if action is Action.TRIGGERED else None)
    assert event.annotations["transition"] == "ALARM -> INSUFFICIENT_DATA"


def test_insufficient_data_is_ignored_by_default() -> None:
    assert cloudwatch.parse(sample_message(NewStateValue="INSUFFICIENT_DATA")) == []
    envelope = sample_envelope()
    envelope["Message"] = json.dumps(sample_message(NewStateValue="INSUFFICIENT_DATA"))
    assert cloudwatch.parse_notification(envelope) == []
    assert (
        only(cloudwatch.parse_notification(envelope, insufficient_data="firing")).action is Action.TRIGGERED
    )


# --- severity ---


@pytest.mark.parametrize(
    ("description", "name", "severity"),
    [
        ("[critical] CPU above 95%", "web-cpu-high", Severity.CRITICAL),
        ("CPU above 95% [ CRITICAL ]", "web-cpu-high", Severity.CRITICAL),
        ("CPU above 80%. severity=high", "web-cpu-high", Severity.HIGH),
        ("CPU above 80%. Severity: info", "web-cpu-high", Severity.INFO),
        ("CPU above 80%", "[low] web-cpu", Severity.LOW),
        ("CPU above 80%", "web-cpu severity=critical", Severity.CRITICAL),
        ("[high] from the description wins", "[critical] web-cpu", Severity.HIGH),
        (None, "web-cpu-high", Severity.WARNING),
        ("severity=urgent is not a severity", "web-cpu-high", Severity.WARNING),
        ("[criticality] is not a tag", "web-cpu-high", Severity.WARNING),
    ],
)
def test_severity_comes_from_a_tag_else_warning(
    description: str | None, name: str, severity: Severity
) -> None:
    event = only(cloudwatch.parse(sample_message(AlarmDescription=description, AlarmName=name)))
    assert event.severity is severity


def test_resolve_carries_a_tagged_severity() -> None:
    message = sample_message(NewStateValue="OK", AlarmDescription="[critical] disk almost full")
    assert only(cloudwatch.parse(message)).severity is Severity.CRITICAL


# --- identity, labels, links ---


def test_without_an_arn_identity_is_account_region_and_name() -> None:
    message = sample_message()
    del message["AlarmArn"]
    event = only(cloudwatch.parse(message, envelope=sample_envelope()))
    # The region code comes from the SNS topic's ARN.
    assert event.fingerprint == stable_fingerprint("111122223333", "us-east-1", "web-cpu-high")
    assert event.labels["region"] == "us-east-1"
    assert event.links == {"console": CONSOLE}


def test_without_any_arn_the_region_is_the_display_name_and_there_is_no_link() -> None:
    message = sample_message()
    del message["AlarmArn"]
    event = only(cloudwatch.parse(message))
    assert event.labels["region"] == "US East (N. Virginia)"
    assert event.fingerprint == stable_fingerprint("111122223333", "US East (N. Virginia)", "web-cpu-high")
    assert event.links == {}


def test_account_falls_back_to_the_arn() -> None:
    message = sample_message()
    del message["AWSAccountId"]
    assert only(cloudwatch.parse(message)).labels["account"] == "111122223333"


def test_every_dimension_is_a_label() -> None:
    trigger = sample_message()["Trigger"]
    trigger["Dimensions"] = [
        {"name": "LoadBalancer", "value": "app/web/50dc6c495c0c9188"},
        {"name": "TargetGroup", "value": "targetgroup/web/6d0ecf831eec9f09"},
    ]
    event = only(cloudwatch.parse(sample_message(Trigger=trigger)))
    assert event.labels["dim_LoadBalancer"] == "app/web/50dc6c495c0c9188"
    assert event.labels["dim_TargetGroup"] == "targetgroup/web/6d0ecf831eec9f09"
    assert "dim_InstanceId" not in event.labels


def test_console_link_encodes_the_alarm_name() -> None:
    name = "api 5xx / prod #1"
    message = sample_message(
        AlarmName=name, AlarmArn=f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"
    )
    event = only(cloudwatch.parse(message))
    assert event.links["console"] == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#alarmsV2:alarm/api%205xx%20%2F%20prod%20%231"
    )


def test_china_alarm_links_to_the_china_console() -> None:
    message = sample_message(AlarmArn="arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:web-cpu-high")
    event = only(cloudwatch.parse(message))
    assert event.labels["region"] == "cn-north-1"
    assert event.links["console"] == (
        "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/web-cpu-high"
    )


def test_composite_alarm_without_trigger_has_no_metric_labels() -> None:
    message = sample_message(AlarmRule='ALARM("web-cpu-high") OR ALARM("web-mem-high")')
    del message["Trigger"]
    event = only(cloudwatch.parse(message))
    assert event.labels == {"account": "111122223333", "region": "us-east-1"}
    assert "threshold" not in event.annotations


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"Threshold": 0.5, "ComparisonOperator": "LessThanThreshold"}, "AVERAGE CPUUtilization < 0.5"),
        (
            {"Threshold": 1e6, "ComparisonOperator": "GreaterThanOrEqualToThreshold"},
            "AVERAGE CPUUtilization >= 1000000",
        ),
        ({"Statistic": None, "ExtendedStatistic": "p99"}, "p99 CPUUtilization > 80"),
        ({"ComparisonOperator": "SomethingNew"}, "AVERAGE CPUUtilization SomethingNew 80"),
    ],
)
def test_threshold_annotation(changes: dict[str, Any], text: str) -> None:
    trigger = {**sample_message()["Trigger"], **changes}
    event = only(cloudwatch.parse(sample_message(Trigger=trigger)))
    assert event.annotations["threshold"] == f"{text} for 1 period(s) of 300 s"


def test_anomaly_band_alarm_without_threshold_has_no_threshold_annotation() -> None:
    trigger = {
        **sample_message()["Trigger"],
        "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
    }
    del trigger["Threshold"]
    trigger["ThresholdMetricId"] = "ad1"
    event = only(cloudwatch.parse(sample_message(Trigger=trigger)))
    assert "threshold" not in event.annotations


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T07:57:34.449+0000", datetime(2026, 11, 22, 7, 57, 34, 449_000, tzinfo=UTC)),
        ("2026-11-22T07:57:34.449Z", datetime(2026, 11, 22, 7, 57, 34, 449_000, tzinfo=UTC)),
        ("2026-11-22T09:57:34+02:00", datetime(2026, 11, 22, 7, 57, 34, tzinfo=UTC)),
        ("2026-11-22T07:57:34.449", datetime(2026, 11, 22, 7, 57, 34, 449_000, tzinfo=UTC)),
    ],
)
def test_state_change_time_formats(value: str, expected: datetime) -> None:
    event = only(cloudwatch.parse(sample_message(StateChangeTime=value)))
    assert event.starts_at == expected
    assert event.starts_at is not None and event.starts_at.utcoffset() is not None


def test_message_does_not_change_while_parsed() -> None:
    message = sample_message()
    before = copy.deepcopy(message)
    cloudwatch.parse(message)
    assert message == before


# --- bad input ---


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Hello from SNS", "Message: not JSON"),
        ("", "Message: not JSON"),
        ("[1, 2]", "Message: expected a JSON object, got list"),
        ('"ALARM"', "Message: expected a JSON object, got str"),
        (42, "Message: expected a JSON string, got int"),
        ({"AlarmName": "x"}, "Message: expected a JSON string, got dict"),
    ],
)
def test_message_that_is_not_a_json_object_string_is_a_payload_error(message: Any, error: str) -> None:
    envelope = {**sample_envelope(), "Message": message}
    with pytest.raises(PayloadError, match=error):
        cloudwatch.parse_notification(envelope)


def test_envelope_must_be_a_notification_with_a_message() -> None:
    with pytest.raises(PayloadError, match="Type: expected 'Notification', got 'SubscriptionConfirmation'"):
        cloudwatch.parse_notification({**sample_envelope(), "Type": "SubscriptionConfirmation"})
    envelope = sample_envelope()
    del envelope["Message"]
    with pytest.raises(PayloadError, match="Message: missing"):
        cloudwatch.parse_notification(envelope)


@pytest.mark.parametrize("missing", ["AlarmName", "NewStateValue"])
def test_missing_required_field_is_named(missing: str) -> None:
    message = sample_message()
    del message[missing]
    with pytest.raises(ValidationError, match=rf"{missing}\n  Field required"):
        cloudwatch.parse(message)


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"NewStateValue": "PENDING"}, "NewStateValue"),
        ({"NewStateValue": "alarm"}, "NewStateValue"),
        ({"AlarmName": ""}, "AlarmName"),
        ({"AlarmName": 42}, "AlarmName"),
        ({"AlarmDescription": ["a"]}, "AlarmDescription"),
        ({"StateChangeTime": "yesterday"}, "StateChangeTime"),
        ({"Trigger": "CPUUtilization > 80"}, "Trigger"),
        ({"Trigger": {"Dimensions": "InstanceId=i-1"}}, r"Trigger\.Dimensions"),
        ({"Trigger": {"Dimensions": [{"name": "InstanceId"}]}}, r"Trigger\.Dimensions\.0\.value"),
        ({"Trigger": {"Threshold": "high"}}, r"Trigger\.Threshold"),
        ({"Trigger": {"Period": "five minutes"}}, r"Trigger\.Period"),
    ],
)
def test_invalid_field_is_named(changes: dict[str, Any], field_name: str) -> None:
    with pytest.raises(ValidationError, match=field_name):
        cloudwatch.parse(sample_message(**changes))


def test_invalid_message_inside_an_envelope_is_a_validation_error() -> None:
    envelope = {**sample_envelope(), "Message": json.dumps({"AlarmName": "x", "NewStateValue": "MAYBE"})}
    with pytest.raises(ValidationError, match="NewStateValue"):
        cloudwatch.parse_notification(envelope)
