"""The PagerDuty channel against a local stand-in for the Events API v2."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.config import environment
from holdoff.notify.message import ActionLink, Fact, Message
from holdoff.notify.pagerduty import (
    EVENTS_URL,
    KINDS,
    RATE_PER_SECOND,
    PagerDutyChannel,
    PagerDutyConfig,
    build_event,
)
from tests.notify.samples import message
from tests.support.net import unused_port
from tests.support.pager_receiver import PagerDutyReceiver, pagerduty_receiver

_FIXTURES = (pagerduty_receiver,)

KEY = "holdoff-alert-42-1"
ALERT_URL = "http://holdoff.local/ui/alerts/42"
FACTS = {
    "Alert": "CPU Spike Test",
    "Source": "coralogix",
    "Severity": "high",
    "Open for": "3m 12s",
    "Started": "2024-05-01 02:56:48 UTC",
    "Team": "payments",
    "Env": "prod",
    "Description": "CPU above 90% on api-1",
}


@pytest.fixture
def channel(pagerduty_receiver: PagerDutyReceiver) -> Iterator[PagerDutyChannel]:
    pager = PagerDutyChannel(
        pagerduty_receiver.routing_key, events_url=pagerduty_receiver.url, timeout_seconds=5.0
    )
    yield pager
    pager.close()


def _pieces(secret: str) -> set[str]:
    return {secret[i : i + 8] for i in range(len(secret) - 7)}


# --- what goes over the wire ---


def test_an_escalation_triggers_an_alert_with_the_message_key_as_dedup_key(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    result = channel.send(message(NotificationKind.ESCALATED))

    assert result.ok, result.error
    assert (result.status_code, result.ref) == (202, KEY)
    [request] = pagerduty_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == "/v2/enqueue"
    assert request.query == {}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("holdoff/")
    assert "authorization" not in request.headers
    assert request.json == {
        "routing_key": pagerduty_receiver.routing_key,
        "dedup_key": KEY,
        "event_action": "trigger",
        "payload": {
            "summary": "ESCALATED: CPU Spike Test is still firing after 3m 12s",
            "source": "coralogix",
            "severity": "error",
            "timestamp": "2024-05-01T02:56:48+00:00",
            "group": "payments",
            "custom_details": {
                "summary": (
                    "CPU Spike Test from coralogix has been firing for 3m 12s and did not clear inside its "
                    "grace window. Someone needs to look at it."
                ),
                "facts": FACTS,
                "labels": {"team": "payments", "env": "prod"},
            },
        },
        "links": [{"href": ALERT_URL, "text": "Open in Holdoff"}],
        "client": "Holdoff",
        "client_url": ALERT_URL,
    }
    assert pagerduty_receiver.alerts[KEY].status == "triggered"


def test_acknowledgement_and_resolution_carry_only_the_routing_fields_and_the_same_dedup_key(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    escalated = channel.send(message(NotificationKind.ESCALATED))
    acknowledged = channel.send(message(NotificationKind.ACKNOWLEDGED), ref=escalated.ref)
    resolved = channel.send(message(NotificationKind.RESOLVED), ref=acknowledged.ref)

    assert [escalated.ok, acknowledged.ok, resolved.ok] == [True, True, True]
    assert [escalated.ref, acknowledged.ref, resolved.ref] == [KEY, KEY, KEY]
    _, ack, resolve = pagerduty_receiver.wait_for(3)
    for request in (ack, resolve):
        assert (request.method, request.path, request.query) == ("POST", "/v2/enqueue", {})
        assert request.headers["content-type"] == "application/json"
    assert ack.json == {
        "routing_key": pagerduty_receiver.routing_key,
        "dedup_key": KEY,
        "event_action": "acknowledge",
    }
    assert resolve.json == {
        "routing_key": pagerduty_receiver.routing_key,
        "dedup_key": KEY,
        "event_action": "resolve",
    }
    alert = pagerduty_receiver.alerts[KEY]
    assert (alert.status, alert.events) == ("resolved", ["trigger", "acknowledge", "resolve"])


def test_a_reminder_triggers_the_same_alert_again(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    assert channel.send(message(NotificationKind.ESCALATED)).ok
    reminded = channel.send(message(NotificationKind.REMINDER), ref=KEY)

    assert reminded.ok and reminded.ref == KEY
    _, request = pagerduty_receiver.wait_for(2)
    assert request.json["event_action"] == "trigger"
    assert request.json["dedup_key"] == KEY
    assert request.json["payload"]["summary"] == "STILL FIRING, NOT ACKNOWLEDGED: CPU Spike Test (3m 12s)"
    assert pagerduty_receiver.alerts[KEY].events == ["trigger", "trigger"]


def test_a_partial_incident_resolution_sends_nothing_and_the_alert_stays_open(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    assert channel.send(message(NotificationKind.ESCALATED)).ok

    partial = channel.send(message(NotificationKind.RESOLVED).model_copy(update={"closes": False}), ref=KEY)

    assert (partial.ok, partial.ref, partial.status_code, partial.error) == (True, KEY, None, None)
    assert len(pagerduty_receiver.requests) == 1
    assert pagerduty_receiver.alerts[KEY].status == "triggered"


def test_without_a_ref_the_acknowledgement_uses_the_message_key(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    result = channel.send(message(NotificationKind.ACKNOWLEDGED))

    assert result.ok and result.ref == KEY
    [request] = pagerduty_receiver.wait_for(1)
    assert request.json["dedup_key"] == KEY


def test_the_ref_is_the_dedup_key_pagerduty_returned(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    pagerduty_receiver.fail_with(
        202,
        count=1,
        body=json.dumps({"status": "success", "message": "Event processed", "dedup_key": "pd-k"}),
    )

    result = channel.send(message())

    assert (result.ok, result.ref) == (True, "pd-k")


def test_an_earlier_ref_is_used_as_dedup_key(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    result = channel.send(message(NotificationKind.RESOLVED), ref="pd-returned-key")

    assert result.ok and result.ref == "pd-returned-key"
    [request] = pagerduty_receiver.wait_for(1)
    assert request.json["dedup_key"] == "pd-returned-key"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", "critical"),
        ("high", "error"),
        ("warning", "warning"),
        ("info", "info"),
        ("low", "info"),
        (None, "error"),
    ],
)
def test_holdoff_severity_maps_to_pagerduty_severity(severity: str | None, expected: str) -> None:
    sent = message().model_copy(update={"severity": severity})

    event = build_event(sent, "rk")

    assert event["payload"]["severity"] == expected


def test_component_group_and_class_come_from_labels_and_actions_become_links() -> None:
    labels = {"job": "node", "service": "api", "cluster": "eu-1", "team": "payments", "alertname": "HighCPU"}
    actions = [
        ActionLink(action="acknowledge", label="Acknowledge", url="http://holdoff.local/a/ack-token"),
        ActionLink(action="silence", label="Silence 1h", url="http://holdoff.local/a/silence-token"),
    ]
    sent = message().model_copy(update={"labels": labels, "actions": actions})

    event = build_event(sent, "rk")

    payload = event["payload"]
    assert (payload["component"], payload["group"], payload["class"]) == ("api", "eu-1", "HighCPU")
    assert payload["custom_details"]["labels"] == labels
    assert event["links"] == [
        {"href": ALERT_URL, "text": "Open in Holdoff"},
        {"href": "http://holdoff.local/a/ack-token", "text": "Acknowledge"},
        {"href": "http://holdoff.local/a/silence-token", "text": "Silence 1h"},
    ]


def test_job_and_team_are_the_fallbacks_for_component_and_group() -> None:
    sent = message().model_copy(update={"labels": {"job": "node", "team": "payments", "service": ""}})

    payload = build_event(sent, "rk")["payload"]

    assert (payload["component"], payload["group"]) == ("node", "payments")
    assert "class" not in payload


def test_an_incident_message_without_source_or_start_says_holdoff_and_has_no_timestamp() -> None:
    incident = Message(
        kind=NotificationKind.ESCALATED,
        incident_id=3,
        title="ESCALATED: payments down (2 alerts, 2 firing)",
        summary="2 alert(s) of this incident did not clear inside their grace window.",
        facts=[Fact(name="Alerts", value="A, B"), Fact(name="Alerts", value="C")],
        url="http://holdoff.local/incidents/3",
        severity="critical",
    )

    event = build_event(incident, "rk")

    assert event["dedup_key"] == "holdoff-incident-3"
    payload = event["payload"]
    assert payload["source"] == "holdoff"
    assert payload["severity"] == "critical"
    assert "timestamp" not in payload
    assert payload["custom_details"]["facts"] == {"Alerts": "A, B", "Alerts (2)": "C"}
    assert event["client_url"] == "http://holdoff.local/incidents/3"


def test_a_long_title_is_cut_to_1024_characters_and_pagerduty_accepts_it(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    sent = message().model_copy(update={"title": "ESCALATED: " + "x" * 3000})

    result = channel.send(sent)

    assert result.ok, result.error
    [request] = pagerduty_receiver.wait_for(1)
    summary = request.json["payload"]["summary"]
    assert len(summary) == 1024
    assert summary.startswith("ESCALATED: xxx") and summary.endswith("…")


def test_huge_details_are_shortened_below_512_kb_keeping_summary_and_links(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    base = message()
    big = base.model_copy(
        update={
            "facts": [*base.facts, Fact(name="Log", value="connection reset\n" * 50_000)],
            "labels": {"team": "payments", "blob": "y" * 700_000},
        }
    )

    result = channel.send(big)

    assert result.ok, result.error
    [request] = pagerduty_receiver.wait_for(1)
    assert len(request.body) <= 512_000
    payload = request.json["payload"]
    assert payload["summary"] == base.title
    assert payload["custom_details"]["facts"]["Alert"] == "CPU Spike Test"
    assert payload["custom_details"]["facts"]["Log"].endswith("…")
    assert len(payload["custom_details"]["labels"]["blob"]) <= 2000
    assert request.json["links"][0]["href"] == ALERT_URL


@pytest.mark.parametrize("kind", [NotificationKind.TRANSIENT_RESOLVED, NotificationKind.FLAPPING])
def test_kinds_a_pager_does_not_take_are_refused_without_a_request(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel, kind: NotificationKind
) -> None:
    result = channel.send(message(kind))

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and f"does not take {kind.value} messages" in result.error
    assert pagerduty_receiver.requests == []


def test_the_channel_takes_the_four_state_kinds() -> None:
    expected = frozenset(
        {
            NotificationKind.ESCALATED,
            NotificationKind.REMINDER,
            NotificationKind.ACKNOWLEDGED,
            NotificationKind.RESOLVED,
        }
    )
    pager = PagerDutyChannel("k" * 32)
    pager.close()

    assert expected == KINDS
    assert pager.kinds == expected


# --- retryable or not ---


def test_http_400_invalid_event_is_not_retried_and_lists_pagerduty_errors(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    pagerduty_receiver.fail_with(
        400,
        count=1,
        body=json.dumps(
            {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": ["'payload.summary' is missing or blank", "'payload.source' is missing or blank"],
            }
        ),
    )

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 400)
    assert result.error == (
        f"HTTP 400 from PagerDuty Events API on 127.0.0.1:{pagerduty_receiver.port} (PagerDuty refused the "
        "event as invalid; trying again will not help): Event object is invalid: 'payload.summary' is "
        "missing or blank; 'payload.source' is missing or blank"
    )


def test_a_wrong_routing_key_is_not_retried_and_says_what_to_check(
    pagerduty_receiver: PagerDutyReceiver,
) -> None:
    wrong = PagerDutyChannel("wrongKEYwrongKEYwrongKEY12345678", events_url=pagerduty_receiver.url)
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 400)
    assert result.error is not None
    assert "check routing_key" in result.error and "Invalid routing key" in result.error
    assert pagerduty_receiver.alerts == {}


def test_http_503_is_retried_and_a_later_attempt_succeeds(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    pagerduty_receiver.fail_with(503, count=2)

    first = channel.send(message())
    second = channel.send(message())
    third = channel.send(message())

    assert [(r.ok, r.retryable, r.status_code) for r in (first, second)] == [(False, True, 503)] * 2
    assert first.error is not None
    assert first.error.startswith(
        f"HTTP 503 from PagerDuty Events API on 127.0.0.1:{pagerduty_receiver.port}"
    )
    assert "stand-in told to fail with 503" in first.error
    assert third.ok and third.ref == KEY
    assert len(pagerduty_receiver.requests) == 3
    assert pagerduty_receiver.alerts[KEY].events == ["trigger"]


def test_http_429_is_retried_and_says_it_was_throttled(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel
) -> None:
    pagerduty_receiver.fail_with(429, count=1, headers={"Retry-After": "30"})

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, 429)
    assert result.error is not None
    assert "throttled" in result.error and "Retry-After 30" in result.error
    assert "Requests for this service are arriving too quickly." in result.error
    assert channel.send(message()).ok


@pytest.mark.parametrize(
    ("status", "hint"), [(404, "check events_url"), (403, "check routing_key"), (409, "")]
)
def test_other_client_errors_are_not_retried(
    pagerduty_receiver: PagerDutyReceiver, channel: PagerDutyChannel, status: int, hint: str
) -> None:
    pagerduty_receiver.fail_with(status, count=1)

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, status)
    assert result.error is not None and hint in result.error


def test_a_wrong_events_path_gets_404_and_is_not_retried(pagerduty_receiver: PagerDutyReceiver) -> None:
    pager = PagerDutyChannel(
        pagerduty_receiver.routing_key, events_url=pagerduty_receiver.base_url + "/v1/enq"
    )
    try:
        result = pager.send(message())
    finally:
        pager.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 404)
    assert result.error is not None and f"it should be {EVENTS_URL}" in result.error


def test_connection_refused_is_retried() -> None:
    port = unused_port()
    pager = PagerDutyChannel(
        "refusedKEYrefusedKEY123456789012", events_url=f"http://127.0.0.1:{port}/v2/enqueue"
    )
    try:
        result = pager.send(message())
    finally:
        pager.close()

    assert (result.ok, result.retryable, result.status_code) == (False, True, None)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to PagerDuty Events API on 127.0.0.1:{port}")


def test_a_pagerduty_that_does_not_answer_in_time_is_retried(pagerduty_receiver: PagerDutyReceiver) -> None:
    pagerduty_receiver.delay(3)
    slow = PagerDutyChannel(
        pagerduty_receiver.routing_key, events_url=pagerduty_receiver.url, timeout_seconds=0.3
    )
    try:
        result = slow.send(message())
    finally:
        slow.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(
        f"timed out after 0.3s waiting for PagerDuty Events API on 127.0.0.1:{pagerduty_receiver.port}"
    )
    assert 250 <= result.latency_ms < 2500


def test_a_non_http_events_url_fails_without_retry() -> None:
    pager = PagerDutyChannel(
        "ftpKEYftpKEYftpKEYftpKEY12345678", events_url="ftp://example.invalid/v2/enqueue"
    )
    try:
        result = pager.send(message())
    finally:
        pager.close()

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "events_url" in result.error


# --- the routing key never shows ---


def _results_for_every_failure(receiver: PagerDutyReceiver) -> list[DeliveryResult]:
    key = receiver.routing_key
    echo = json.dumps(
        {"status": "invalid event", "message": f"bad key {key}", "errors": [f"routing_key={key}"]}
    )
    results = []
    for status in (400, 429, 503, 403, 302):
        receiver.fail_with(status, count=1, body=echo, headers={"Retry-After": key})
        pager = PagerDutyChannel(key, events_url=receiver.url, timeout_seconds=2)
        results.append(pager.send(message()))
        pager.close()
    receiver.fail_with(500, count=1, body=f"<html>internal error for {key}</html>")
    pager = PagerDutyChannel(key, events_url=receiver.url, timeout_seconds=2)
    results.append(pager.send(message()))
    pager.close()
    for url in (receiver.url + "/nothing", f"http://127.0.0.1:{unused_port()}/v2/enqueue"):
        pager = PagerDutyChannel(key, events_url=url, timeout_seconds=2)
        results.append(pager.send(message()))
        pager.close()
    receiver.recover()
    receiver.delay(2)
    pager = PagerDutyChannel(key, events_url=receiver.url, timeout_seconds=0.2)
    results.append(pager.send(message()))
    pager.close()
    return results


def test_the_routing_key_never_appears_in_an_error(pagerduty_receiver: PagerDutyReceiver) -> None:
    results = _results_for_every_failure(pagerduty_receiver)

    assert len(results) == 9
    for result in results:
        assert not result.ok
        assert result.error is not None
        assert not [piece for piece in _pieces(pagerduty_receiver.routing_key) if piece in result.error], (
            result.error
        )
        assert "127.0.0.1" in result.error


# --- configuration ---


def test_the_config_builds_a_working_channel_with_the_key_from_the_environment(
    pagerduty_receiver: PagerDutyReceiver,
) -> None:
    with environment({"PD_KEY": pagerduty_receiver.routing_key, "PD_URL": pagerduty_receiver.url}):
        config = PagerDutyConfig.model_validate(
            {"name": "pager", "type": "pagerduty", "routing_key": "${PD_KEY}", "events_url": "${PD_URL}"}
        )
    assert pagerduty_receiver.routing_key not in repr(config)
    assert config.secrets() == [pagerduty_receiver.routing_key]

    pager = config.build()
    try:
        result = pager.send(message())
    finally:
        pager.close()

    assert result.ok, result.error
    assert (pager.name, pager.kinds, pager.rate_per_second) == ("pager", KINDS, RATE_PER_SECOND)
    [request] = pagerduty_receiver.wait_for(1)
    assert request.json["routing_key"] == pagerduty_receiver.routing_key


def test_the_config_defaults_to_pagerdutys_events_url_and_takes_a_rate_and_fewer_kinds() -> None:
    config = PagerDutyConfig.model_validate(
        {
            "name": "pager",
            "type": "pagerduty",
            "routing_key": "k" * 32,
            "rate_per_second": 0.5,
            "kinds": ["escalated"],
        }
    )

    pager = config.build()
    pager.close()

    assert pager.events_url == EVENTS_URL == "https://events.pagerduty.com/v2/enqueue"
    assert pager.host == "events.pagerduty.com"
    assert pager.rate_per_second == 0.5
    assert pager.kinds == frozenset({NotificationKind.ESCALATED})
    refused = pager.send(message(NotificationKind.RESOLVED))
    assert (refused.ok, refused.retryable) == (False, False)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"kinds": ["escalated", "flapping", "digest"]}, "does not take digest, flapping messages"),
        ({"routing_key": "  "}, "routing_key is empty"),
        ({"events_url": "events.pagerduty.com/v2/enqueue"}, "events_url must be an http"),
        ({"routing_key": "${NOT_SET_ANYWHERE}"}, "${NOT_SET_ANYWHERE} is not set"),
        ({"integration_key": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_configurations_are_refused_with_a_reason(changes: dict[str, object], complaint: str) -> None:
    values: dict[str, object] = {"name": "pager", "type": "pagerduty", "routing_key": "k" * 32, **changes}

    with environment({}), pytest.raises(ValidationError) as raised:
        PagerDutyConfig.model_validate(values)

    assert complaint in str(raised.value)
