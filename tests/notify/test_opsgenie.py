"""The Opsgenie channel against a local stand-in for the Alert API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.config import environment
from holdoff.notify.message import ActionLink, Message
from holdoff.notify.opsgenie import (
    KINDS,
    RATE_PER_SECOND,
    OpsgenieChannel,
    OpsgenieConfig,
    alert_path,
    build_create,
    build_update,
)
from holdoff.notify.templates import DEFAULT, Templates
from tests.notify.samples import message
from tests.support.net import unused_port
from tests.support.pager_receiver import OpsgenieReceiver, opsgenie_receiver

_FIXTURES = (opsgenie_receiver,)

KEY = "holdoff-alert-42-1"
RESPONDERS = [{"type": "team", "name": "SRE"}, {"type": "user", "username": "alice@example.com"}]
DESCRIPTION = """ESCALATED: CPU Spike Test is still firing after 3m 12s

CPU Spike Test from coralogix has been firing for 3m 12s and did not clear inside its grace window. Someone needs to look at it.

Alert: CPU Spike Test
Source: coralogix
Severity: high
Open for: 3m 12s
Started: 2024-05-01 02:56:48 UTC
Team: payments
Env: prod
Description: CPU above 90% on api-1

http://holdoff.local/ui/alerts/42"""


@pytest.fixture
def channel(opsgenie_receiver: OpsgenieReceiver) -> Iterator[OpsgenieChannel]:
    genie = OpsgenieChannel(
        opsgenie_receiver.api_key,
        api_url=opsgenie_receiver.url,
        responders=RESPONDERS,
        tags=["holdoff", "prod"],
        timeout_seconds=5.0,
    )
    yield genie
    genie.close()


def _pieces(secret: str) -> set[str]:
    return {secret[i : i + 8] for i in range(len(secret) - 7)}


# --- what goes over the wire ---


def test_an_escalation_creates_an_alert_with_the_message_key_as_alias(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    result = channel.send(message(NotificationKind.ESCALATED))

    assert result.ok, result.error
    assert (result.status_code, result.ref) == (202, KEY)
    [request] = opsgenie_receiver.wait_for(1)
    assert (request.method, request.path, request.query) == ("POST", "/v2/alerts", {})
    assert request.headers["authorization"] == f"GenieKey {opsgenie_receiver.api_key}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("holdoff/")
    assert request.json == {
        "message": "ESCALATED: CPU Spike Test is still firing after 3m 12s",
        "alias": KEY,
        "description": DESCRIPTION,
        "priority": "P2",
        "source": "coralogix",
        "tags": ["holdoff", "prod"],
        "details": {"team": "payments", "env": "prod"},
        "responders": RESPONDERS,
    }
    assert opsgenie_receiver.alerts[KEY].status == "open"


def test_acknowledgement_and_resolution_act_on_the_alert_by_alias(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    created = channel.send(message(NotificationKind.ESCALATED))
    acknowledged = channel.send(
        message(NotificationKind.ACKNOWLEDGED, acknowledged_by="alice"), ref=created.ref
    )
    closed = channel.send(message(NotificationKind.RESOLVED), ref=acknowledged.ref)

    assert [created.ok, acknowledged.ok, closed.ok] == [True, True, True]
    assert [created.ref, acknowledged.ref, closed.ref] == [KEY, KEY, KEY]
    _, ack, close = opsgenie_receiver.wait_for(3)
    assert (ack.method, ack.path, ack.query) == (
        "POST",
        f"/v2/alerts/{KEY}/acknowledge",
        {"identifierType": ["alias"]},
    )
    assert ack.headers["authorization"] == f"GenieKey {opsgenie_receiver.api_key}"
    assert ack.json == {
        "user": "alice",  # the acknowledger, from the message's "Acknowledged by" fact
        "source": "holdoff",
        "note": "CPU Spike Test from coralogix was acknowledged by alice after 3m 12s.",
    }
    assert (close.method, close.path, close.query) == (
        "POST",
        f"/v2/alerts/{KEY}/close",
        {"identifierType": ["alias"]},
    )
    assert close.headers["authorization"] == f"GenieKey {opsgenie_receiver.api_key}"
    assert close.json == {
        "user": "Holdoff",
        "source": "holdoff",
        "note": "CPU Spike Test from coralogix has resolved after being open for 3m 12s.",
    }
    alert = opsgenie_receiver.alerts[KEY]
    assert (alert.status, alert.events) == ("closed", ["create", "acknowledge", "close"])


def test_a_partial_incident_resolution_adds_a_note_and_leaves_the_alert_open(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    assert channel.send(message(NotificationKind.ESCALATED)).ok
    partial = message(NotificationKind.RESOLVED).model_copy(
        update={
            "closes": False,
            "summary": "1 escalated alert(s) have resolved. 2 alert(s) of it are still firing.",
        }
    )

    result = channel.send(partial, ref=KEY)

    assert result.ok and result.ref == KEY
    _, note = opsgenie_receiver.wait_for(2)
    assert (note.method, note.path, note.query) == (
        "POST",
        f"/v2/alerts/{KEY}/notes",
        {"identifierType": ["alias"]},
    )
    assert note.headers["authorization"] == f"GenieKey {opsgenie_receiver.api_key}"
    assert note.json == {
        "user": "Holdoff",
        "source": "holdoff",
        "note": "1 escalated alert(s) have resolved. 2 alert(s) of it are still firing.",
    }
    alert = opsgenie_receiver.alerts[KEY]
    assert (alert.status, alert.events) == ("open", ["create", "note"])


def test_a_reminder_is_folded_into_the_open_alert(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    assert channel.send(message(NotificationKind.ESCALATED)).ok
    assert channel.send(message(NotificationKind.REMINDER), ref=KEY).ok

    _, request = opsgenie_receiver.wait_for(2)
    assert request.path == "/v2/alerts"
    assert request.json["alias"] == KEY
    assert request.json["message"] == "STILL FIRING, NOT ACKNOWLEDGED: CPU Spike Test (3m 12s)"
    assert opsgenie_receiver.alerts[KEY].events == ["create", "create"]


def test_the_acknowledger_is_the_user_when_the_message_names_one() -> None:
    named = message(NotificationKind.ACKNOWLEDGED, acknowledged_by="bob")
    unnamed = named.model_copy(update={"facts": [f for f in named.facts if f.name != "Acknowledged by"]})

    assert build_update(named)["user"] == "bob"
    assert build_update(unnamed)["user"] == "Holdoff"


class _OddKeyMessage(Message):
    """A message whose key needs escaping in a URL path (Holdoff's own keys never do)."""

    @property
    def key(self) -> str:
        return "team a/b?c#d%"


def test_the_alias_is_url_encoded_in_the_path(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    assert alert_path("a b/c?d#e%", "close") == "/v2/alerts/a%20b%2Fc%3Fd%23e%25/close"
    assert alert_path("ignored") == "/v2/alerts"

    created = channel.send(_OddKeyMessage(**message(NotificationKind.ESCALATED).model_dump()))
    closed = channel.send(_OddKeyMessage(**message(NotificationKind.RESOLVED).model_dump()))

    assert created.ok and closed.ok and closed.ref == "team a/b?c#d%"
    _, close = opsgenie_receiver.wait_for(2)
    assert close.path == "/v2/alerts/team%20a%2Fb%3Fc%23d%25/close"
    assert close.query == {"identifierType": ["alias"]}
    assert opsgenie_receiver.alerts["team a/b?c#d%"].events == ["create", "close"]


@pytest.mark.parametrize(
    ("severity", "priority"),
    [("critical", "P1"), ("high", "P2"), ("warning", "P3"), ("info", "P4"), ("low", "P5"), (None, "P2")],
)
def test_holdoff_severity_maps_to_opsgenie_priority(severity: str | None, priority: str) -> None:
    sent = message().model_copy(update={"severity": severity})

    assert build_create(sent, "d")["priority"] == priority


def test_long_fields_are_cut_to_opsgenies_limits_and_opsgenie_accepts_them(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    base = message()
    big = base.model_copy(
        update={
            "title": "ESCALATED: " + "t" * 500,
            "summary": "s" * 20_000,
            "source": "src" * 100,
            "labels": {f"label{i}": "v" * 3000 for i in range(20)},
        }
    )

    result = channel.send(big)

    assert result.ok, result.error
    [request] = opsgenie_receiver.wait_for(1)
    body = request.json
    assert len(body["message"]) == 130 and body["message"].startswith("ESCALATED: ttt")
    assert body["message"].endswith("…")
    assert len(body["description"]) == 15_000
    assert len(body["source"]) == 100
    details = body["details"]
    assert sum(len(k) + len(v) for k, v in details.items()) <= 8000
    assert list(details) == ["label0", "label1", "label2", "label3", "label4", "label5", "label6"]


def test_entity_comes_from_the_service_job_or_instance_label() -> None:
    with_service = message().model_copy(update={"labels": {"job": "node", "service": "api"}})
    with_instance = message().model_copy(update={"labels": {"instance": "api-1:9100"}})

    assert build_create(with_service, "d")["entity"] == "api"
    assert build_create(with_instance, "d")["entity"] == "api-1:9100"
    assert "entity" not in build_create(message(), "d")


def test_without_tags_responders_labels_or_source_those_fields_are_left_out() -> None:
    bare = Message(
        kind=NotificationKind.ESCALATED,
        incident_id=9,
        title="ESCALATED: payments down",
        summary="s",
        facts=[],
        url="http://holdoff.local/incidents/9",
    )

    assert build_create(bare, "text") == {
        "message": "ESCALATED: payments down",
        "alias": "holdoff-incident-9",
        "description": "text",
        "priority": "P2",
        "source": "holdoff",
    }


def test_the_description_comes_from_the_opsgenie_template_override(
    opsgenie_receiver: OpsgenieReceiver, tmp_path: Path
) -> None:
    (tmp_path / "opsgenie").mkdir()
    (tmp_path / "opsgenie" / "escalated.txt.j2").write_text(
        "{{ message.name }} needs a human: {{ message.url }}{% for a in message.actions %} | {{ a.label }}{% endfor %}"
    )
    actions = [ActionLink(action="acknowledge", label="Acknowledge", url="http://holdoff.local/a/t")]
    genie = OpsgenieChannel(
        opsgenie_receiver.api_key, api_url=opsgenie_receiver.url, templates=Templates(tmp_path)
    )
    try:
        assert genie.send(message().model_copy(update={"actions": actions})).ok
    finally:
        genie.close()

    [request] = opsgenie_receiver.wait_for(1)
    assert (
        request.json["description"]
        == "CPU Spike Test needs a human: http://holdoff.local/ui/alerts/42 | Acknowledge"
    )


def test_a_broken_template_gives_way_to_holdoffs_own_and_still_pages(
    opsgenie_receiver: OpsgenieReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "opsgenie").mkdir()
    (tmp_path / "opsgenie" / "message.txt.j2").write_text("{{ message.no_such_field }}")
    genie = OpsgenieChannel(
        opsgenie_receiver.api_key, api_url=opsgenie_receiver.url, templates=Templates(tmp_path)
    )
    sent = message()
    try:
        result = genie.send(sent)
    finally:
        genie.close()

    assert result.ok, result.error
    [request] = opsgenie_receiver.wait_for(1)
    assert request.json["description"] == DEFAULT.render("opsgenie", sent, "txt")
    [logged] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "opsgenie/message.txt.j2 failed" in logged and "no_such_field" in logged


@pytest.mark.parametrize("kind", [NotificationKind.TRANSIENT_RESOLVED, NotificationKind.DIGEST])
def test_kinds_a_pager_does_not_take_are_refused_without_a_request(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel, kind: NotificationKind
) -> None:
    result = channel.send(message().model_copy(update={"kind": kind}))

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and f"does not take {kind.value} messages" in result.error
    assert opsgenie_receiver.requests == []


# --- regions ---


def test_the_eu_region_sends_to_the_eu_api() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            202, json={"result": "Request will be processed", "took": 0.1, "requestId": "r-1"}
        )

    genie = OpsgenieChannel("eu-key-0123456789", region="eu", transport=httpx.MockTransport(answer))
    try:
        created = genie.send(message(NotificationKind.ESCALATED))
        closed = genie.send(message(NotificationKind.RESOLVED))
    finally:
        genie.close()

    assert created.ok and closed.ok
    assert [str(request.url) for request in seen] == [
        "https://api.eu.opsgenie.com/v2/alerts",
        f"https://api.eu.opsgenie.com/v2/alerts/{KEY}/close?identifierType=alias",
    ]
    assert all(request.headers["authorization"] == "GenieKey eu-key-0123456789" for request in seen)


def test_the_config_picks_the_api_base_from_the_region() -> None:
    def build(region: str | None) -> OpsgenieChannel:
        values = {"name": "genie", "type": "opsgenie", "api_key": "k" * 36}
        if region is not None:
            values["region"] = region
        genie = OpsgenieConfig.model_validate(values).build()
        genie.close()
        return genie

    assert build(None).api_base == "https://api.opsgenie.com"
    assert build("us").api_base == "https://api.opsgenie.com"
    eu = build("eu")
    assert eu.api_base == "https://api.eu.opsgenie.com"
    assert eu.request_for(message())[0] == "https://api.eu.opsgenie.com/v2/alerts"
    with pytest.raises(ValidationError):
        build("apac")


# --- retryable or not ---


def test_a_wrong_api_key_gets_401_not_retried_with_what_to_check(opsgenie_receiver: OpsgenieReceiver) -> None:
    wrong = OpsgenieChannel("not-the-right-key-0000", api_url=opsgenie_receiver.url)
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 401)
    assert result.error is not None
    assert result.error.startswith(
        f"HTTP 401 from Opsgenie API on 127.0.0.1:{opsgenie_receiver.port} (the API key was not accepted; "
        "check api_key: it must be the key of an Opsgenie API integration"
    )
    assert "region (us or eu)" in result.error
    assert ": Could not authenticate (requestId " in result.error
    assert opsgenie_receiver.alerts == {}


def test_http_403_says_the_key_lacks_rights_and_is_not_retried(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    opsgenie_receiver.fail_with(403, count=1)

    result = channel.send(message(NotificationKind.ACKNOWLEDGED))

    assert (result.ok, result.retryable, result.status_code) == (False, False, 403)
    assert result.error is not None and "'Create and Update Access'" in result.error


def test_http_429_is_retried_and_a_later_attempt_succeeds(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    opsgenie_receiver.fail_with(429, count=1, headers={"Retry-After": "5"})

    first = channel.send(message())
    second = channel.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, 429)
    assert first.error is not None
    assert "throttled" in first.error and "Retry-After 5" in first.error
    assert "You are making too many requests!" in first.error
    assert second.ok
    assert opsgenie_receiver.alerts[KEY].events == ["create"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel, status: int
) -> None:
    opsgenie_receiver.fail_with(status, count=1)

    result = channel.send(message(NotificationKind.RESOLVED))

    assert (result.ok, result.retryable, result.status_code) == (False, True, status)


def test_an_unprocessable_alert_gets_422_not_retried_with_opsgenies_errors(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel
) -> None:
    opsgenie_receiver.fail_with(
        422,
        count=1,
        body=json.dumps(
            {
                "message": "Request body is not processable. Please check the errors.",
                "errors": {"message": "Message can not be empty."},
                "took": 0.01,
                "requestId": "req-422",
            }
        ),
    )

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 422)
    assert result.error == (
        f"HTTP 422 from Opsgenie API on 127.0.0.1:{opsgenie_receiver.port} (Opsgenie refused the request as "
        "invalid; trying again will not help): Request body is not processable. Please check the errors.; "
        "message: Message can not be empty. (requestId req-422)"
    )


@pytest.mark.parametrize(("status", "hint"), [(400, "invalid"), (404, "check region or api_url"), (409, "")])
def test_other_client_errors_are_not_retried(
    opsgenie_receiver: OpsgenieReceiver, channel: OpsgenieChannel, status: int, hint: str
) -> None:
    opsgenie_receiver.fail_with(status, count=1)

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, status)
    assert result.error is not None and hint in result.error


def test_connection_refused_is_retried() -> None:
    port = unused_port()
    genie = OpsgenieChannel("refused-key-0123456789", api_url=f"http://127.0.0.1:{port}")
    try:
        result = genie.send(message())
    finally:
        genie.close()

    assert (result.ok, result.retryable, result.status_code) == (False, True, None)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to Opsgenie API on 127.0.0.1:{port}")


def test_an_opsgenie_that_does_not_answer_in_time_is_retried(opsgenie_receiver: OpsgenieReceiver) -> None:
    opsgenie_receiver.delay(3)
    slow = OpsgenieChannel(opsgenie_receiver.api_key, api_url=opsgenie_receiver.url, timeout_seconds=0.3)
    try:
        result = slow.send(message(NotificationKind.ACKNOWLEDGED))
    finally:
        slow.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(
        f"timed out after 0.3s waiting for Opsgenie API on 127.0.0.1:{opsgenie_receiver.port}"
    )
    assert 250 <= result.latency_ms < 2500


# --- the API key never shows ---


def _results_for_every_failure(receiver: OpsgenieReceiver) -> list[DeliveryResult]:
    key = receiver.api_key
    echo = json.dumps({"message": f"GenieKey {key} is odd", "errors": {"key": key}, "requestId": key})
    results = []
    for status in (400, 401, 403, 404, 422, 429, 503):
        receiver.fail_with(status, count=1, body=echo, headers={"Retry-After": key})
        genie = OpsgenieChannel(key, api_url=receiver.url, timeout_seconds=2)
        results.append(genie.send(message()))
        genie.close()
    receiver.fail_with(500, count=1, body=f"<html>Authorization: GenieKey {key}</html>")
    genie = OpsgenieChannel(key, api_url=receiver.url, timeout_seconds=2)
    results.append(genie.send(message()))
    genie.close()
    genie = OpsgenieChannel(key, api_url=f"http://127.0.0.1:{unused_port()}", timeout_seconds=2)
    results.append(genie.send(message()))
    genie.close()
    receiver.recover()
    receiver.delay(2)
    genie = OpsgenieChannel(key, api_url=receiver.url, timeout_seconds=0.2)
    results.append(genie.send(message()))
    genie.close()
    return results


def test_the_api_key_never_appears_in_an_error(opsgenie_receiver: OpsgenieReceiver) -> None:
    results = _results_for_every_failure(opsgenie_receiver)

    assert len(results) == 10
    for result in results:
        assert not result.ok
        assert result.error is not None
        assert not [piece for piece in _pieces(opsgenie_receiver.api_key) if piece in result.error], (
            result.error
        )
        assert "127.0.0.1" in result.error


# --- configuration ---


def test_the_config_builds_a_working_channel_with_the_key_from_the_environment(
    opsgenie_receiver: OpsgenieReceiver,
) -> None:
    with environment({"OPSGENIE_API_KEY": opsgenie_receiver.api_key, "GENIE_URL": opsgenie_receiver.url}):
        config = OpsgenieConfig.model_validate(
            {
                "name": "genie",
                "type": "opsgenie",
                "api_key": "${OPSGENIE_API_KEY}",
                "api_url": "${GENIE_URL}",
                "responders": [
                    {"type": "team", "name": "SRE"},
                    {"type": "user", "name": "alice@example.com"},
                    {"type": "escalation", "id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c"},
                    {"type": "schedule", "name": "Primary"},
                ],
                "tags": ["holdoff"],
            }
        )
    assert opsgenie_receiver.api_key not in repr(config)
    assert config.secrets() == [opsgenie_receiver.api_key]

    genie = config.build()
    try:
        result = genie.send(message())
    finally:
        genie.close()

    assert result.ok, result.error
    assert (genie.name, genie.kinds, genie.rate_per_second) == ("genie", KINDS, RATE_PER_SECOND)
    [request] = opsgenie_receiver.wait_for(1)
    assert request.json["responders"] == [
        {"type": "team", "name": "SRE"},
        {"type": "user", "username": "alice@example.com"},
        {"type": "escalation", "id": "4513b7ea-3b91-438f-b7e4-e3e54af9147c"},
        {"type": "schedule", "name": "Primary"},
    ]
    assert request.json["tags"] == ["holdoff"]


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"kinds": ["resolved", "transient_resolved"]}, "does not take transient_resolved messages"),
        ({"api_key": ""}, "api_key is empty"),
        ({"api_url": "api.opsgenie.com"}, "api_url must be an http"),
        ({"responders": [{"type": "team"}]}, "needs either a name or an id"),
        ({"responders": [{"type": "team", "name": "a", "id": "b"}]}, "needs either a name or an id"),
        ({"responders": [{"type": "group", "name": "a"}]}, "'team', 'user', 'escalation' or 'schedule'"),
        ({"tags": ["x" * 51]}, "Opsgenie tags are 1 to 50 characters"),
        ({"tags": [f"t{i}" for i in range(21)]}, "at most 20 items"),
        ({"region": "EU"}, "Input should be 'us' or 'eu'"),
        ({"api_key": "${NOT_SET_ANYWHERE}"}, "${NOT_SET_ANYWHERE} is not set"),
    ],
)
def test_bad_configurations_are_refused_with_a_reason(changes: dict[str, object], complaint: str) -> None:
    values: dict[str, object] = {"name": "genie", "type": "opsgenie", "api_key": "k" * 36, **changes}

    with environment({}), pytest.raises(ValidationError) as raised:
        OpsgenieConfig.model_validate(values)

    assert complaint in str(raised.value)
