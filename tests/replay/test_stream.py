"""Reading recorded streams: normalized events, raw webhooks, and lines that cannot be replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from holdoff.mediate.model import Action, Severity
from holdoff.replay.stream import StreamError, parse_lines
from holdoff.settings import Settings

SETTINGS = Settings()  # type: ignore[call-arg]
REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def line(**fields: object) -> str:
    base: dict[str, object] = {
        "at": "2026-11-16T00:00:05Z",
        "source": "alertmanager",
        "fingerprint": "f1",
        "action": "triggered",
        "name": "HighErrorRate",
        "severity": "high",
        "labels": {"service": "checkout"},
    }
    base.update(fields)
    return json.dumps(base)


def test_normalized_lines_become_events_with_truth() -> None:
    truth = {"kind": "incident", "incident": "INC-0001", "role": "root"}
    [item] = parse_lines([line(truth=truth)], SETTINGS)
    assert item.event.action is Action.TRIGGERED
    assert item.event.severity is Severity.HIGH
    assert item.event.labels == {"service": "checkout"}
    assert item.truth is not None and item.truth.incident == "INC-0001"
    assert item.at.isoformat() == "2026-11-16T00:00:05+00:00"


def test_blank_and_comment_lines_are_skipped() -> None:
    items = list(parse_lines(["# recorded on staging", "", line(), "   "], SETTINGS))
    assert len(items) == 1


def test_a_raw_alertmanager_webhook_is_parsed_by_the_source_parser() -> None:
    body = json.loads((REFERENCE / "alertmanager-webhook-firing.json").read_text())
    raw = json.dumps({"at": "2026-11-16T00:00:00Z", "webhook": "alertmanager", "body": body})
    items = list(parse_lines([raw], SETTINGS))
    assert len(items) == len(body["alerts"])
    assert {item.event.source for item in items} == {"alertmanager"}


def webhook_line(source: str, body: object, at: str = "2026-11-22T08:00:00Z") -> str:
    return json.dumps({"at": at, "webhook": source, "body": body})


def test_a_raw_coralogix_webhook_is_replayed() -> None:
    body = {"alert_id": "cx-1", "alert_name": "CPU Spike", "alert_action": "TRIGGERED"}
    [item] = parse_lines([webhook_line("coralogix", body)], SETTINGS)
    assert (item.event.source, item.event.fingerprint, item.event.name) == ("coralogix", "cx-1", "CPU Spike")
    assert item.event.action is Action.TRIGGERED


def test_a_raw_cloudwatch_sns_notification_is_replayed_without_checking_its_signature() -> None:
    envelope = json.loads((REFERENCE / "cloudwatch-alarm-sns.json").read_text())
    envelope["Signature"] = "not a signature at all"
    [item] = parse_lines([webhook_line("cloudwatch", envelope)], SETTINGS)
    assert (item.event.source, item.event.name) == ("cloudwatch", "web-cpu-high")
    assert item.event.action is Action.TRIGGERED


def test_an_sns_body_recorded_as_the_posted_text_is_read_as_its_json() -> None:
    text = (REFERENCE / "cloudwatch-alarm-sns.json").read_text()
    [item] = parse_lines([webhook_line("cloudwatch", text)], SETTINGS)
    assert item.event.name == "web-cpu-high"


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_an_sns_subscription_handshake_in_a_recording_stands_for_no_alert(kind: str) -> None:
    handshake = {
        "Type": kind,
        "MessageId": "m-1",
        "Token": "t" * 32,
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:ops-alarms",
        "Message": "You have chosen to subscribe to the topic",
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
        "Timestamp": "2026-11-22T07:55:12.123Z",
    }
    assert list(parse_lines([webhook_line("cloudwatch", handshake)], SETTINGS)) == []


def test_insufficient_data_follows_the_setting_as_the_route_does() -> None:
    envelope = json.loads((REFERENCE / "cloudwatch-alarm-sns.json").read_text())
    message = json.loads(envelope["Message"])
    envelope["Message"] = json.dumps({**message, "NewStateValue": "INSUFFICIENT_DATA"})
    text = webhook_line("cloudwatch", envelope)
    assert list(parse_lines([text], SETTINGS)) == []
    resolving = Settings(cloudwatch_insufficient_data="resolved")
    [item] = parse_lines([text], resolving)
    assert item.event.action is Action.RESOLVED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "line 1: Expecting property name"),
        ("[1, 2]", "line 1: not a JSON object"),
        (line(action="exploded"), "line 1: action: action must be one of triggered"),
        (line(at="2026-11-16T00:00:05"), "line 1: at: needs a time zone"),
        (line(fingerprint=""), "line 1: fingerprint: String should have at least 1 character"),
        (
            json.dumps({"at": "2026-11-16T00:00:00Z", "webhook": "nagios", "body": {}}),
            "unknown webhook 'nagios'; known: coralogix, alertmanager, grafana, cloudwatch",
        ),
        (webhook_line("coralogix", {"alert_id": "x", "alert_action": "EXPLODED"}), "alert_action: unknown"),
        (webhook_line("cloudwatch", {"Type": "Notification"}), "Message: missing"),
        (webhook_line("cloudwatch", "[1, 2]"), "body: the text holds list, not a JSON object"),
        (
            json.dumps({"at": "2026-11-22T08:00:00", "webhook": "coralogix", "body": {}}),
            "at: needs a time zone",
        ),
    ],
)
def test_bad_lines_name_the_line_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(StreamError) as caught:
        list(parse_lines([text], SETTINGS, name="day.jsonl"))
    assert message in str(caught.value)
    assert str(caught.value).startswith("day.jsonl line 1:")


def test_lines_out_of_time_order_are_refused() -> None:
    lines = [line(at="2026-11-16T00:10:00Z"), line(at="2026-11-16T00:05:00Z")]
    with pytest.raises(StreamError, match=r"line 2: .* is earlier than the line before"):
        list(parse_lines(lines, SETTINGS))
