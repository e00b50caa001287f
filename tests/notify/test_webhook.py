"""The generic webhook channel against a local HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from holdoff import __version__
from holdoff.mediate.model import NotificationKind
from holdoff.notify.config import environment
from holdoff.notify.fallback import plain_message
from holdoff.notify.message import ActionLink, Message
from holdoff.notify.webhook import (
    DELIVERY_HEADER,
    WebhookChannel,
    WebhookConfig,
    default_body,
    encode,
    signature,
)
from tests.notify.samples import message
from tests.support.net import TcpBlackhole, unused_port
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

_FIXTURES = (webhook_receiver,)

TOKEN = "tok-Path-9f8e7d6c5b4a"
QUERY_KEY = "qk-Secret-0011223344"
HEADER_TOKEN = "hdr-Bearer-aabbccddeeff"
SIGNING_KEY = "sign-Key-5566778899aa"


def _url(receiver: WebhookReceiver, path: str = f"/hooks/{TOKEN}") -> str:
    return f"{receiver.base_url}{path}?key={QUERY_KEY}"


def _config(receiver: WebhookReceiver, **fields: Any) -> WebhookConfig:
    values: dict[str, Any] = {"name": "ops-hook", "type": "webhook", "url": _url(receiver)}
    values.update(fields)
    return WebhookConfig.model_validate(values)


@pytest.fixture
def channel(webhook_receiver: WebhookReceiver) -> Iterator[WebhookChannel]:
    hook = _config(webhook_receiver, timeout_seconds=5).build()
    yield hook
    hook.close()


def _with_actions(sent: Message) -> Message:
    return sent.model_copy(
        update={
            "actions": [
                ActionLink(action="acknowledge", label="Acknowledge", url="http://holdoff.local/a/t1"),
                ActionLink(action="resolve", label="Resolve", url="http://holdoff.local/a/t2"),
            ]
        }
    )


# --- the documentation's own examples ---

DOC = Path(__file__).resolve().parents[2] / "docs" / "channels" / "webhook.md"


def _documented_verify() -> Callable[[bytes, str, str, bytes], bool]:
    """``verify`` exactly as docs/channels/webhook.md shows it to receivers."""
    [snippet] = [block for block in DOC.read_text().split("```python\n")[1:] if "def verify(" in block]
    namespace: dict[str, Any] = {}
    exec(snippet.split("```")[0], namespace)
    found: Callable[[bytes, str, str, bytes], bool] = namespace["verify"]
    return found


verify = _documented_verify()


def test_the_documented_body_template_gives_json(webhook_receiver: WebhookReceiver) -> None:
    block = DOC.read_text().split("    body_template: >-")[1].split("```")[0]
    template = yaml.safe_load("body_template: >-" + block)["body_template"]
    hook = _config(webhook_receiver, body_template=template).build()
    sent = message(name='say "hi"')
    try:
        assert hook.send(sent).ok
    finally:
        hook.close()

    body = webhook_receiver.wait_for(1)[0].json
    assert body["text"] == f"{sent.title}\n{sent.summary}\n{sent.url}"
    assert (body["dedupe"], body["severity"]) == ("holdoff-alert-42-1", "high")
    assert body["details"] == default_body(sent)


# --- what goes over the wire ---


@pytest.mark.parametrize(
    "kind", [NotificationKind.ESCALATED, NotificationKind.ACKNOWLEDGED, NotificationKind.RESOLVED]
)
def test_each_kind_is_posted_as_the_documented_json_object(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel, kind: NotificationKind
) -> None:
    sent = _with_actions(message(kind, acknowledged_by="alice"))

    result = channel.send(sent)

    assert result.ok, result.error
    assert result.status_code == 200
    [request] = webhook_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == f"/hooks/{TOKEN}"
    assert request.query == {"key": [QUERY_KEY]}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"holdoff/{__version__}"
    assert request.headers["x-holdoff-key"] == "holdoff-alert-42-1"
    assert request.headers["x-holdoff-kind"] == kind.value
    assert "x-holdoff-signature" not in request.headers
    assert "x-holdoff-timestamp" not in request.headers
    assert request.json == {
        "version": "1",
        "kind": kind.value,
        "key": "holdoff-alert-42-1",
        "title": sent.title,
        "summary": sent.summary,
        "severity": "high",
        "name": "CPU Spike Test",
        "source": "coralogix",
        "labels": {"team": "payments", "env": "prod"},
        "facts": [{"name": fact.name, "value": fact.value} for fact in sent.facts],
        "url": "http://holdoff.local/ui/alerts/42",
        "api_url": "http://holdoff.local/alerts/42",
        "actions": [
            {"action": "acknowledge", "label": "Acknowledge", "url": "http://holdoff.local/a/t1"},
            {"action": "resolve", "label": "Resolve", "url": "http://holdoff.local/a/t2"},
        ],
        "alert_id": 42,
        "incident_id": None,
        "occurrence": 1,
    }
    assert request.body == encode(default_body(sent))


def test_an_incident_message_names_the_incident_and_its_key(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel
) -> None:
    sent = Message(
        kind=NotificationKind.ESCALATED,
        incident_id=3,
        title="ESCALATED: db (2 alerts, 2 firing)",
        summary="two alerts",
        facts=[],
        url="http://holdoff.local/incidents/3",
    )

    assert channel.send(sent).ok
    [request] = webhook_receiver.wait_for(1)
    assert request.headers["x-holdoff-key"] == "holdoff-incident-3"
    body = request.json
    assert (body["key"], body["incident_id"], body["alert_id"]) == ("holdoff-incident-3", 3, None)
    assert (body["severity"], body["name"], body["source"], body["facts"]) == (None, None, None, [])


def test_the_body_is_utf8_json_with_the_characters_unescaped(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel
) -> None:
    sent = message(name="Température ⚠ 日本")

    assert channel.send(sent).ok
    [request] = webhook_receiver.wait_for(1)
    assert "Température ⚠ 日本".encode() in request.body
    assert int(request.headers["content-length"]) == len(request.body)


def test_put_is_sent_when_configured(webhook_receiver: WebhookReceiver) -> None:
    hook = _config(webhook_receiver, method="PUT").build()
    try:
        result = hook.send(message())
    finally:
        hook.close()

    assert result.ok
    [request] = webhook_receiver.wait_for(1)
    assert request.method == "PUT"
    assert request.json["kind"] == "escalated"


# --- body_template ---


def test_a_body_template_shapes_the_json_body(webhook_receiver: WebhookReceiver) -> None:
    template = (
        '{"text": {{ message.title | tojson }}, "kind": {{ kind | tojson }}, '
        '"facts": {{ message.facts | tojson }}, "key": {{ message.key | tojson }}, '
        '"original": {{ payload | tojson }}}'
    )
    hook = _config(webhook_receiver, body_template=template).build()
    sent = message(name='He said "hi" \\ <b>')
    try:
        result = hook.send(sent)
    finally:
        hook.close()

    assert result.ok, result.error
    [request] = webhook_receiver.wait_for(1)
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["text"] == sent.title
    assert 'He said "hi" \\ <b>' in body["text"]
    assert body["kind"] == "escalated"
    assert body["facts"] == [{"name": fact.name, "value": fact.value} for fact in sent.facts]
    assert body["key"] == "holdoff-alert-42-1"
    assert body["original"] == default_body(sent)


def test_a_template_with_a_text_content_type_sends_its_text_as_it_is(
    webhook_receiver: WebhookReceiver,
) -> None:
    hook = _config(
        webhook_receiver,
        body_template="{{ kind }}: {{ message.title }}",
        content_type="text/plain; charset=utf-8",
    ).build()
    try:
        result = hook.send(message(NotificationKind.RESOLVED))
    finally:
        hook.close()

    assert result.ok, result.error
    [request] = webhook_receiver.wait_for(1)
    assert request.headers["content-type"] == "text/plain; charset=utf-8"
    assert request.body == f"resolved: {message(NotificationKind.RESOLVED).title}".encode()


def _logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]


def test_a_template_that_renders_invalid_json_gives_way_to_the_default_body_and_says_why(
    webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    hook = _config(webhook_receiver, body_template='{"text": "{{ message.title }}"}').build()
    sent = message(name='disk "full"')
    try:
        result = hook.send(sent)
    finally:
        hook.close()

    assert (result.ok, result.error) == (True, None)
    [request] = webhook_receiver.wait_for(1)
    assert request.body == encode(default_body(plain_message(sent)))
    assert request.headers["content-type"] == "application/json"
    [logged] = _logged_errors(caplog)
    assert "via ops-hook" in logged and "sending it as a plain message instead" in logged
    assert "body_template did not render valid JSON (content_type is application/json): Expecting" in logged
    assert "| tojson" in logged


def test_a_template_that_fails_for_a_message_gives_way_to_the_default_body(
    webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    hook = _config(
        webhook_receiver,
        body_template="{{ message.no_such_field | tojson }}",
        content_type="text/plain",
    ).build()
    sent = message()
    try:
        result = hook.send(sent)
    finally:
        hook.close()

    assert result.ok, result.error
    [request] = webhook_receiver.wait_for(1)
    # The plain message (no labels, cleaned text) in the documented JSON, labelled as JSON.
    assert request.headers["content-type"] == "application/json"
    assert request.json["title"] == sent.title and request.json["url"] == sent.url
    [logged] = _logged_errors(caplog)
    assert "body_template failed for this escalated message: UndefinedError" in logged
    assert "no_such_field" in logged


def test_a_body_template_reaching_for_python_internals_is_refused_by_the_sandbox(
    webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    hook = _config(
        webhook_receiver,
        body_template="{{ cycler.__init__.__globals__.os.popen('id').read() | tojson }}",
    ).build()
    try:
        assert hook.send(message()).ok
    finally:
        hook.close()

    [request] = webhook_receiver.wait_for(1)
    assert b"uid=" not in request.body
    assert request.json["version"] == "1"
    [logged] = _logged_errors(caplog)
    assert "SecurityError" in logged and "unsafe" in logged


def test_each_delivery_carries_its_id_so_a_receiver_can_drop_a_repeat(
    webhook_receiver: WebhookReceiver,
) -> None:
    hook = _config(webhook_receiver).build()
    sent = message().model_copy(update={"delivery_id": "17.20260114030000000000"})
    try:
        assert hook.send(sent).ok
        assert hook.send(sent).ok
        assert hook.send(message()).ok
    finally:
        hook.close()

    first, again, untracked = webhook_receiver.wait_for(3)
    header = DELIVERY_HEADER.lower()
    assert first.headers[header] == again.headers[header] == "17.20260114030000000000"
    assert DELIVERY_HEADER.lower() not in untracked.headers
    assert "delivery_id" not in first.json


def test_a_template_that_does_not_compile_is_refused_at_config_load() -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate(
            {
                "name": "x",
                "type": "webhook",
                "url": "https://hooks.example/x",
                "body_template": '{"a": {{ message.title | tojson }',
            }
        )

    text = str(caught.value)
    assert "body_template does not compile:" in text
    assert "template line 1" in text


# --- headers and the signature ---


def test_headers_take_values_from_the_environment(webhook_receiver: WebhookReceiver) -> None:
    with environment({"HOOK_TOKEN": HEADER_TOKEN, "TEAM": "payments"}):
        config = _config(
            webhook_receiver,
            headers={"Authorization": "Bearer ${HOOK_TOKEN}", "X-Team": "${TEAM}", "X-Static": "yes"},
        )
    hook = config.build()
    try:
        result = hook.send(message())
    finally:
        hook.close()

    assert result.ok, result.error
    [request] = webhook_receiver.wait_for(1)
    assert request.headers["authorization"] == f"Bearer {HEADER_TOKEN}"
    assert request.headers["x-team"] == "payments"
    assert request.headers["x-static"] == "yes"
    assert request.headers["x-holdoff-kind"] == "escalated"


def test_a_header_naming_an_unset_variable_is_a_config_error() -> None:
    with environment({}), pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate(
            {
                "name": "x",
                "type": "webhook",
                "url": "https://hooks.example/x",
                "headers": {"Authorization": "${NOT_SET_ANYWHERE}"},
            }
        )

    assert "${NOT_SET_ANYWHERE} is not set" in str(caught.value)


def test_the_signature_verifies_with_the_documented_recipe(webhook_receiver: WebhookReceiver) -> None:
    with environment({"HOOK_SECRET": SIGNING_KEY}):
        hook = _config(webhook_receiver, secret="${HOOK_SECRET}").build()
    before = int(time.time())
    try:
        result = hook.send(_with_actions(message()))
    finally:
        hook.close()

    assert result.ok, result.error
    [request] = webhook_receiver.wait_for(1)
    timestamp = request.headers["x-holdoff-timestamp"]
    sig = request.headers["x-holdoff-signature"]
    assert before <= int(timestamp) <= int(time.time())
    assert sig.startswith("sha256=") and len(sig) == len("sha256=") + 64
    assert verify(SIGNING_KEY.encode(), timestamp, sig, request.body)
    assert sig == signature(SIGNING_KEY, timestamp, request.body)
    # The check fails for anything that was not signed as it is.
    assert not verify(b"another key", timestamp, sig, request.body)
    assert not verify(SIGNING_KEY.encode(), timestamp, sig, request.body.replace(b"escalated", b"resolved"))
    assert not verify(SIGNING_KEY.encode(), str(int(timestamp) + 1), sig, request.body)


def test_the_signature_covers_a_templated_body_and_uses_the_channel_clock(
    webhook_receiver: WebhookReceiver,
) -> None:
    hook = WebhookChannel(
        _url(webhook_receiver),
        secret=SIGNING_KEY,
        body_template="{{ message.title }}",
        content_type="text/plain",
        clock=lambda: 1_700_000_000.9,
    )
    try:
        assert hook.send(message()).ok
    finally:
        hook.close()

    [request] = webhook_receiver.wait_for(1)
    assert request.headers["x-holdoff-timestamp"] == "1700000000"
    expected = hmac.new(SIGNING_KEY.encode(), b"1700000000." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-holdoff-signature"] == f"sha256={expected}"
    # Old timestamps are refused by the recipe (replay protection).
    assert not verify(SIGNING_KEY.encode(), "1700000000", f"sha256={expected}", request.body)


# --- retryable or not ---


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503])
def test_throttling_timeouts_and_server_errors_are_retried(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel, status: int
) -> None:
    webhook_receiver.fail_with(status, count=1, body="try later")

    first = channel.send(message())
    second = channel.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, status)
    assert first.error is not None
    assert first.error.startswith(f"HTTP {status} from webhook on 127.0.0.1:{webhook_receiver.port}")
    assert first.error.endswith(": try later")
    assert second.ok
    assert [request.status for request in webhook_receiver.requests] == [status, 200]


def test_a_429_says_it_was_throttled_and_quotes_retry_after(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel
) -> None:
    webhook_receiver.fail_with(429, count=1, headers={"Retry-After": "30"})

    result = channel.send(message())

    assert result.retryable
    assert result.error is not None
    assert "(throttled, Retry-After 30; lower rate_per_second" in result.error


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (400, "the receiver refused the body; check body_template and content_type"),
        (401, "check the credentials in url, headers and secret"),
        (403, "check the credentials in url, headers and secret"),
        (404, "check url: the receiver has no such endpoint"),
        (405, "check method"),
        (413, "the body is too large"),
        (302, "the URL redirects"),
    ],
)
def test_other_refusals_are_not_retried_and_say_what_to_check(
    webhook_receiver: WebhookReceiver, channel: WebhookChannel, status: int, hint: str
) -> None:
    webhook_receiver.fail_with(status, count=1, body='{"error":"bad payload"}')

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, status)
    assert result.error is not None
    assert result.error.startswith(f"HTTP {status} from webhook on 127.0.0.1:{webhook_receiver.port} (")
    assert hint in result.error
    assert result.error.endswith(': {"error":"bad payload"}')
    assert len(webhook_receiver.requests) == 1


def test_connection_refused_is_retried() -> None:
    port = unused_port()
    hook = WebhookChannel(f"http://127.0.0.1:{port}/hooks/{TOKEN}", timeout_seconds=2)
    try:
        result = hook.send(message())
    finally:
        hook.close()

    assert (result.ok, result.retryable, result.status_code) == (False, True, None)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to webhook on 127.0.0.1:{port}: ConnectError")


def test_a_receiver_that_does_not_answer_in_time_is_retried(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.delay(2)
    hook = WebhookChannel(_url(webhook_receiver), timeout_seconds=0.2)
    try:
        result = hook.send(message())
    finally:
        hook.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(
        f"timed out after 0.2s waiting for webhook on 127.0.0.1:{webhook_receiver.port} to answer"
    )
    assert 150 <= result.latency_ms < 1500


def test_a_server_that_hangs_up_is_retried() -> None:
    with TcpBlackhole("close") as server:
        port = server.port
        hook = WebhookChannel(f"http://127.0.0.1:{port}/hooks/{TOKEN}", timeout_seconds=2)
        try:
            result = hook.send(message())
        finally:
            hook.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(f"network error talking to webhook on 127.0.0.1:{port}")


def test_send_after_close_is_a_result_not_an_exception(webhook_receiver: WebhookReceiver) -> None:
    hook = WebhookChannel(_url(webhook_receiver))
    hook.close()

    result = hook.send(message())

    assert not result.ok
    assert webhook_receiver.requests == []


# --- secrets never in errors ---


def _secret_channel(receiver: WebhookReceiver, url: str | None = None, timeout: float = 2) -> WebhookChannel:
    return _config(
        receiver,
        url=url or f"http://user:pw-{TOKEN}@127.0.0.1:{receiver.port}/hooks/{TOKEN}?key={QUERY_KEY}",
        headers={"Authorization": f"Bearer {HEADER_TOKEN}"},
        secret=SIGNING_KEY,
        timeout_seconds=timeout,
    ).build()


def test_the_url_path_query_header_values_and_secret_never_appear_in_an_error(
    webhook_receiver: WebhookReceiver,
) -> None:
    echo = f"rejected /hooks/{TOKEN}?key={QUERY_KEY} auth=Bearer {HEADER_TOKEN} key={SIGNING_KEY}"
    results = []
    for status in (500, 429, 400, 401, 404):
        webhook_receiver.fail_with(status, count=1, body=echo, headers={"Retry-After": HEADER_TOKEN})
        hook = _secret_channel(webhook_receiver)
        results.append(hook.send(message()))
        hook.close()
    refused = f"http://127.0.0.1:{unused_port()}/hooks/{TOKEN}?key={QUERY_KEY}"
    hook = _secret_channel(webhook_receiver, url=refused)
    results.append(hook.send(message()))
    hook.close()
    webhook_receiver.recover()
    webhook_receiver.delay(1)
    hook = _secret_channel(webhook_receiver, timeout=0.1)
    results.append(hook.send(message()))
    hook.close()

    assert len(results) == 7
    for result in results:
        assert not result.ok
        assert result.error is not None
        for secret in (TOKEN, QUERY_KEY, HEADER_TOKEN, SIGNING_KEY):
            pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
            assert not [piece for piece in pieces if piece in result.error], result.error
        assert "/hooks/" not in result.error
        assert "127.0.0.1" in result.error


def test_a_bad_url_is_refused_at_config_load_without_quoting_it() -> None:
    for url in (f"ftp://files.example/{TOKEN}", f"https:///{TOKEN}", f"http://h.example:port{TOKEN}/x"):
        with pytest.raises(ValidationError) as caught:
            WebhookConfig.model_validate({"name": "x", "type": "webhook", "url": url})
        text = str(caught.value)
        assert "url: " in text
        assert TOKEN not in text


# --- configuration ---


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Holdoff-Signature": "forged"}, "X-Holdoff-Signature is set by Holdoff"),
        ({"Content-Type": "text/plain"}, "Content-Type is set by content_type"),
        ({"Bad Header": "x"}, "'Bad Header' is not a valid HTTP header name"),
        ({"Authorization": f"Bearer {HEADER_TOKEN}\r\nX-Evil: 1"}, "the value of Authorization contains"),
    ],
)
def test_unusable_headers_are_refused_at_config_load(headers: dict[str, str], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookConfig.model_validate(
            {"name": "x", "type": "webhook", "url": "https://h.example/x", "headers": headers}
        )

    assert expected in str(caught.value)
    assert HEADER_TOKEN not in str(caught.value)


def test_a_non_json_content_type_needs_a_template() -> None:
    with pytest.raises(ValidationError, match="without body_template the body is JSON"):
        WebhookConfig.model_validate(
            {"name": "x", "type": "webhook", "url": "https://h.example/x", "content_type": "text/plain"}
        )


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        WebhookConfig.model_validate(
            {"name": "x", "type": "webhook", "url": "https://h.example/x", "verb": "PATCH"}
        )


def test_built_channel_takes_every_kind_unless_configured_and_keeps_name_and_rate(
    webhook_receiver: WebhookReceiver,
) -> None:
    every = _config(webhook_receiver).build()
    some = _config(webhook_receiver, name="pager", kinds=["escalated", "resolved"], rate_per_second=2).build()
    try:
        assert (every.name, every.kinds, every.rate_per_second) == ("ops-hook", None, None)
        assert some.name == "pager"
        assert some.kinds == frozenset({NotificationKind.ESCALATED, NotificationKind.RESOLVED})
        assert some.rate_per_second == 2
    finally:
        every.close()
        some.close()


def test_the_config_never_shows_its_secrets() -> None:
    with environment({"U": f"https://h.example/{TOKEN}", "S": SIGNING_KEY, "H": HEADER_TOKEN}):
        config = WebhookConfig.model_validate(
            {"name": "x", "type": "webhook", "url": "${U}", "secret": "${S}", "headers": {"A": "${H}"}}
        )

    shown = repr(config) + str(config)
    assert TOKEN not in shown and SIGNING_KEY not in shown and HEADER_TOKEN not in shown
    assert TOKEN not in json.dumps(config.model_dump(mode="json"))
    assert set(config.secrets()) == {f"https://h.example/{TOKEN}", SIGNING_KEY, HEADER_TOKEN}
