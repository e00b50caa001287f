"""The apprise channel for real: apprise's own json://, form:// and ntfy:// plugins against a local receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apprise.plugins.ntfy import NotifyNtfy
from pydantic import ValidationError

from holdoff.mediate.model import NotificationKind
from holdoff.notify.apprise_channel import AppriseChannel, AppriseConfig, url_secrets
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED
from holdoff.notify.config import environment
from holdoff.notify.message import ActionLink
from holdoff.notify.templates import DEFAULT, Templates
from tests.notify.samples import message
from tests.support.net import unused_port
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

_FIXTURES = (webhook_receiver,)

TOKEN = "tok-Apprise-7a6b5c4d3e"
PASSWORD = "pw-Apprise-0f1e2d3c4b"


def _config(*urls: str, **fields: Any) -> AppriseConfig:
    values: dict[str, Any] = {"name": "team-chat", "type": "apprise", "urls": list(urls)}
    values.update(fields)
    return AppriseConfig.model_validate(values)


def _json_url(receiver: WebhookReceiver, path: str = f"/hooks/{TOKEN}") -> str:
    return f"json://127.0.0.1:{receiver.port}{path}"


@pytest.fixture
def channel(webhook_receiver: WebhookReceiver) -> Iterator[AppriseChannel]:
    chat = _config(_json_url(webhook_receiver), timeout_seconds=5).build()
    yield chat
    chat.close()


# --- what apprise sends ---


@pytest.mark.parametrize(
    ("kind", "notify_type"),
    [
        (NotificationKind.ESCALATED, "failure"),
        (NotificationKind.REMINDER, "failure"),
        (NotificationKind.RESOLVED, "success"),
        (NotificationKind.TRANSIENT_RESOLVED, "success"),
        (NotificationKind.FLAPPING, "warning"),
        (NotificationKind.ACKNOWLEDGED, "info"),
    ],
)
def test_title_markdown_body_and_type_reach_the_service(
    webhook_receiver: WebhookReceiver, channel: AppriseChannel, kind: NotificationKind, notify_type: str
) -> None:
    sent = message(kind, acknowledged_by="alice")

    result = channel.send(sent)

    assert result.ok, result.error
    assert (result.retryable, result.error) == (False, None)
    [request] = webhook_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == f"/hooks/{TOKEN}"
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["title"] == sent.title
    assert body["type"] == notify_type
    assert body["message"] == DEFAULT.render("apprise", sent, "md")


def test_the_markdown_body_is_real_markdown_with_links(
    webhook_receiver: WebhookReceiver, channel: AppriseChannel
) -> None:
    sent = message().model_copy(
        update={"actions": [ActionLink(action="acknowledge", label="Acknowledge", url="http://h/ack/t1")]}
    )

    assert channel.send(sent).ok
    text = webhook_receiver.wait_for(1)[0].json["message"]
    assert text.startswith(f"**{sent.title}**\n\n{sent.summary}\n\n")
    assert "- **Alert:** CPU Spike Test\n- **Source:** coralogix\n" in text
    assert text.endswith(
        "[Open in Holdoff](http://holdoff.local/ui/alerts/42) · [Acknowledge](http://h/ack/t1)"
    )


@pytest.mark.parametrize(("fmt", "template_format"), [("text", "txt"), ("html", "html")])
def test_text_and_html_formats_use_those_templates(
    webhook_receiver: WebhookReceiver, fmt: str, template_format: str
) -> None:
    chat = _config(_json_url(webhook_receiver), format=fmt).build()
    sent = message(NotificationKind.RESOLVED)
    try:
        assert chat.send(sent).ok
    finally:
        chat.close()

    body = webhook_receiver.wait_for(1)[0].json
    assert body["message"] == DEFAULT.render("apprise", sent, template_format)
    assert body["type"] == "success"


def test_a_form_url_gets_the_same_fields_form_encoded(webhook_receiver: WebhookReceiver) -> None:
    chat = _config(f"form://127.0.0.1:{webhook_receiver.port}/form/{TOKEN}", format="text").build()
    sent = message(NotificationKind.FLAPPING)
    try:
        assert chat.send(sent).ok
    finally:
        chat.close()

    [request] = webhook_receiver.wait_for(1)
    assert request.path == f"/form/{TOKEN}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form["title"] == [sent.title]
    assert request.form["message"] == [DEFAULT.render("apprise", sent, "txt")]
    assert request.form["type"] == ["warning"]


def test_every_url_gets_the_message(webhook_receiver: WebhookReceiver) -> None:
    chat = _config(
        _json_url(webhook_receiver, "/one"), f"ntfy://127.0.0.1:{webhook_receiver.port}/alerts-topic"
    ).build()
    try:
        assert chat.send(message()).ok
    finally:
        chat.close()

    one, ntfy = webhook_receiver.wait_for(2)
    assert one.path == "/one" and one.json["title"] == message().title
    assert ntfy.json["topic"] == "alerts-topic"
    assert ntfy.json["title"] == message().title
    assert ntfy.json["message"] == DEFAULT.render("apprise", message(), "md")


def test_templates_can_be_overridden_per_channel_type(
    webhook_receiver: WebhookReceiver, tmp_path: Path
) -> None:
    (tmp_path / "apprise").mkdir()
    (tmp_path / "apprise" / "escalated.md.j2").write_text("PAGE: {{ message.name }} ({{ kind }})")
    chat = _config(_json_url(webhook_receiver)).build(Templates(tmp_path))
    try:
        assert chat.send(message()).ok
        assert chat.send(message(NotificationKind.RESOLVED)).ok
    finally:
        chat.close()

    escalated, resolved = webhook_receiver.wait_for(2)
    assert escalated.json["message"] == "PAGE: CPU Spike Test (escalated)"
    assert resolved.json["message"] == DEFAULT.render("apprise", message(NotificationKind.RESOLVED), "md")


def test_a_template_that_fails_gives_way_to_holdoffs_own_and_the_message_goes_out(
    webhook_receiver: WebhookReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "apprise").mkdir()
    (tmp_path / "apprise" / "message.md.j2").write_text("{{ message.no_such_field }}")
    chat = _config(_json_url(webhook_receiver)).build(Templates(tmp_path))
    sent = message()
    try:
        result = chat.send(sent)
    finally:
        chat.close()

    assert (result.ok, result.error) == (True, None)
    assert webhook_receiver.wait_for(1)[0].json["message"] == DEFAULT.render("apprise", sent, "md")
    [logged] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert "apprise/message.md.j2 failed" in logged and "no_such_field" in logged


def test_alert_text_cannot_make_markdown_links_or_emphasis(
    webhook_receiver: WebhookReceiver, channel: AppriseChannel
) -> None:
    sent = message(name="[x](javascript:alert(1)) *bold*")

    assert channel.send(sent).ok
    text = webhook_receiver.wait_for(1)[0].json["message"]
    assert "- **Alert:** \\[x\\](javascript:alert(1)) \\*bold\\*\n" in text
    assert "[x](javascript" not in text and "*bold*" not in text


# --- apprise's own throttling is off ---


def test_sends_are_not_spaced_out_by_apprise(webhook_receiver: WebhookReceiver) -> None:
    # ntfy inherits apprise's default spacing of 5.5 s between two requests of one plugin instance.
    assert NotifyNtfy.request_rate_per_sec >= 5
    chat = _config(f"ntfy://127.0.0.1:{webhook_receiver.port}/alerts-topic").build()
    started = time.monotonic()
    try:
        assert chat.send(message()).ok
        assert chat.send(message(NotificationKind.RESOLVED)).ok
        assert chat.send(message(NotificationKind.ESCALATED)).ok
    finally:
        chat.close()
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert len(webhook_receiver.wait_for(3)) == 3


# --- failures ---


def test_a_failing_service_is_retryable_and_the_error_says_why(
    webhook_receiver: WebhookReceiver, channel: AppriseChannel
) -> None:
    webhook_receiver.fail_with(500, count=1, body="database is down")

    first = channel.send(message())
    second = channel.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, None)
    assert first.error == (
        "apprise delivered to 0 of 1 URL(s); urls[0] (JSON on 127.0.0.1): "
        "Failed to send JSON POST notification: Internal server error., error=500."
    )
    assert second.ok
    assert [request.status for request in webhook_receiver.requests] == [500, 200]


def test_a_refusal_is_also_retryable(webhook_receiver: WebhookReceiver, channel: AppriseChannel) -> None:
    webhook_receiver.fail_with(400, count=1)

    result = channel.send(message())

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None and "error=400" in result.error


def test_connection_refused_is_retryable() -> None:
    chat = _config(f"json://127.0.0.1:{unused_port()}/hooks/{TOKEN}", timeout_seconds=2).build()
    try:
        result = chat.send(message())
    finally:
        chat.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error == (
        "apprise delivered to 0 of 1 URL(s); urls[0] (JSON on 127.0.0.1): "
        "A Connection error occurred sending JSON notification to 127.0.0.1."
    )


def test_timeout_seconds_bounds_a_slow_service(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.delay(2)
    chat = _config(_json_url(webhook_receiver), timeout_seconds=0.3).build()
    try:
        result = chat.send(message())
    finally:
        chat.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None and "urls[0] (JSON on 127.0.0.1)" in result.error
    assert result.latency_ms < 1500


def test_a_retry_after_a_partial_failure_goes_only_to_the_urls_that_failed(
    webhook_receiver: WebhookReceiver,
) -> None:
    with WebhookReceiver() as other:
        chat = _config(_json_url(webhook_receiver, "/good"), _json_url(other, "/flaky")).build()
        other.fail_with(503, count=1)
        sent = message()
        try:
            first = chat.send(sent)
            retry = chat.send(sent)
            later = chat.send(sent)
        finally:
            chat.close()
        flaky = other.requests

    assert (first.ok, first.retryable) == (False, True)
    assert first.error is not None
    assert first.error.startswith(
        "apprise delivered to 1 of 2 URL(s) (a retry sends only to the ones that failed); "
        "urls[1] (JSON on 127.0.0.1): Failed to send JSON POST notification"
    )
    assert retry.ok
    assert [request.status for request in flaky] == [503, 200, 200]
    # The good URL got the message once for the first attempt and its retry together; once everything
    # was delivered, sending the same message again is a new message for every URL.
    assert [request.path for request in webhook_receiver.requests] == ["/good", "/good"]
    assert later.ok


# --- configuration ---


def test_an_unknown_scheme_is_refused_naming_the_index_not_the_url(webhook_receiver: WebhookReceiver) -> None:
    with pytest.raises(ValidationError) as caught:
        _config(_json_url(webhook_receiver), f"nosuchservice://{PASSWORD}@chat.example/{TOKEN}")

    text = str(caught.value)
    assert "urls[1]: apprise does not know the scheme nosuchservice://" in text
    assert PASSWORD not in text and TOKEN not in text


def test_a_known_scheme_with_missing_parts_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _config("discord://")

    assert "urls[0]: apprise cannot" in str(caught.value)
    assert "discord://" in str(caught.value)


def test_something_that_is_not_a_url_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValidationError) as caught:
        _config(TOKEN)

    text = str(caught.value)
    assert "urls[0] is not an apprise URL" in text
    assert TOKEN not in text


def test_a_refused_url_is_not_quoted_even_when_apprise_complains_about_a_part_of_it() -> None:
    # Apprise quotes the Slack token it refuses; that part of the URL is scrubbed from the error.
    with pytest.raises(ValidationError) as caught:
        _config("slack://T1/B2/C3-Secret-Token-123")

    text = str(caught.value)
    assert "urls[0]: apprise cannot use this slack:// URL: An invalid Slack (third) Token (***)" in text
    assert "C3-Secret-Token-123" not in text


def test_at_least_one_url_is_needed() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        _config()


def test_one_url_written_without_a_list_is_accepted(webhook_receiver: WebhookReceiver) -> None:
    config = AppriseConfig.model_validate(
        {"name": "x", "type": "apprise", "urls": _json_url(webhook_receiver)}
    )
    chat = config.build()
    try:
        assert chat.send(message()).ok
    finally:
        chat.close()

    assert len(webhook_receiver.wait_for(1)) == 1


def test_urls_come_from_the_environment_and_are_kept_secret(webhook_receiver: WebhookReceiver) -> None:
    with environment({"CHAT_URL": _json_url(webhook_receiver)}):
        config = _config("${CHAT_URL}")

    assert TOKEN not in repr(config) and TOKEN not in str(config)
    assert config.secrets() == [_json_url(webhook_receiver)]
    assert config.urls[0].get_secret_value() == _json_url(webhook_receiver)
    chat = config.build()
    try:
        assert chat.send(message()).ok
    finally:
        chat.close()


def test_kinds_default_to_all_but_acknowledged_and_can_be_chosen() -> None:
    every = _config("json://127.0.0.1:9/x").build()
    some = _config("json://127.0.0.1:9/x", kinds=["escalated"], rate_per_second=0.5, name="pager").build()

    assert every.kinds == ALL_BUT_ACKNOWLEDGED
    assert (every.name, every.rate_per_second) == ("team-chat", None)
    assert some.kinds == frozenset({NotificationKind.ESCALATED})
    assert (some.name, some.rate_per_second) == ("pager", 0.5)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValidationError):
        _config("json://127.0.0.1:9/x", format="rtf")


# --- secrets never in errors ---


def test_no_part_of_a_url_appears_in_an_error(webhook_receiver: WebhookReceiver) -> None:
    port = webhook_receiver.port
    urls = [
        f"json://holdoff:{PASSWORD}@127.0.0.1:{port}/hooks/{TOKEN}?token={TOKEN}x",
        f"ntfy://holdoff:{PASSWORD}@127.0.0.1:{port}/{TOKEN}",
        f"form://127.0.0.1:{unused_port()}/{TOKEN}",
    ]
    webhook_receiver.fail_with(500, body=f"bad token {TOKEN} for {PASSWORD}")
    chat = _config(*urls, timeout_seconds=2).build()
    try:
        result = chat.send(message())
    finally:
        chat.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith("apprise delivered to 0 of 3 URL(s); urls[0] (JSON on 127.0.0.1): ")
    assert "; urls[1] (ntfy on 127.0.0.1): " in result.error
    assert "; urls[2] (Form on 127.0.0.1): " in result.error
    for secret in (TOKEN, PASSWORD):
        pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
        assert not [piece for piece in pieces if piece in result.error], result.error


def test_url_secrets_keep_hosts_and_options_but_not_credentials() -> None:
    pieces = url_secrets(
        "ntfys://alice:S3cret-pass@ntfy.example.com:8443/Topic-Secret?priority=high&mode=private"
    )
    assert {"S3cret-pass", "alice", "Topic-Secret", "high"} <= set(pieces)
    assert "ntfy.example.com" not in pieces and "8443" not in pieces and "private" not in pieces
    discord = url_secrets("discord://123456789012345678/webhook-Token-abc")
    assert {"123456789012345678", "webhook-Token-abc"} <= set(discord)
