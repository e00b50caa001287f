"""The Slack channel against a local Slack stand-in: incoming webhook and bot token modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import environment
from holdoff.notify.message import ActionLink, Fact, Message
from holdoff.notify.slack import SlackChannel, SlackConfig
from holdoff.notify.slack_blocks import (
    MAX_BLOCKS_CHARS,
    MAX_TEXT_CHARS,
    TRUNCATION_MARK,
    build_blocks,
    build_payload,
    encode,
)
from holdoff.notify.templates import DEFAULT, Templates
from tests.notify.samples import message
from tests.support.net import TcpBlackhole, unused_port
from tests.support.slack_receiver import SlackReceiver, slack_receiver

_FIXTURES = (slack_receiver,)

ACTIONS = [
    ActionLink(action="acknowledge", label="Acknowledge", url="http://holdoff.local/act/ack?t=tok-ack-1"),
    ActionLink(action="resolve", label="Resolve", url="http://holdoff.local/act/resolve?t=tok-res-1"),
    ActionLink(action="silence", label="Silence 1h", url="http://holdoff.local/act/silence?t=tok-sil-1"),
]


def with_actions(sent: Message) -> Message:
    return sent.model_copy(update={"actions": ACTIONS})


@pytest.fixture
def webhook(slack_receiver: SlackReceiver) -> Iterator[SlackChannel]:
    channel = SlackChannel(webhook_url=slack_receiver.webhook_url, timeout_seconds=5.0)
    yield channel
    channel.close()


@pytest.fixture
def bot(slack_receiver: SlackReceiver) -> Iterator[SlackChannel]:
    channel = SlackChannel(
        bot_token=slack_receiver.token,
        channel=slack_receiver.channel,
        api_url=slack_receiver.api_url,
        timeout_seconds=5.0,
    )
    yield channel
    channel.close()


def _types(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["type"] for block in blocks]


def _fields(blocks: list[dict[str, Any]]) -> list[str]:
    return [item["text"] for block in blocks for item in block.get("fields", [])]


def _header(blocks: list[dict[str, Any]]) -> str:
    text: str = blocks[0]["text"]["text"]
    return text


# --- incoming webhook: what goes over the wire ---


def test_webhook_escalation_is_one_post_with_text_header_summary_facts_link_and_buttons(
    slack_receiver: SlackReceiver, webhook: SlackChannel
) -> None:
    sent = with_actions(message(NotificationKind.ESCALATED))

    result = webhook.send(sent)

    assert (result.ok, result.status_code, result.ref, result.error) == (True, 200, None, None)
    [request] = slack_receiver.requests
    assert (request.method, request.path) == ("POST", slack_receiver.webhook_path)
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert "authorization" not in request.headers
    assert request.answer == "ok"
    body = request.json
    assert set(body) == {"text", "blocks", "unfurl_links", "unfurl_media"}
    assert body["unfurl_links"] is False and body["unfurl_media"] is False
    assert body["text"] == DEFAULT.render("slack", sent, "md")
    assert body["text"].startswith(f"*{sent.title}*")
    blocks = body["blocks"]
    assert _types(blocks) == ["header", "section", "section", "context", "actions"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": f"🟠 [HIGH] {sent.title}", "emoji": True},
    }
    assert blocks[1] == {
        "type": "section",
        "text": {"type": "plain_text", "text": sent.summary, "emoji": True},
    }
    assert blocks[2]["fields"] == [
        {"type": "plain_text", "text": f"{f.name}: {f.value}", "emoji": True} for f in sent.facts
    ]
    assert blocks[3] == {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": f"Severity: *HIGH* · escalated · <{sent.url}|Open in Holdoff>"}
        ],
    }
    buttons = blocks[4]["elements"]
    assert [(b["type"], b["text"]["text"], b["url"]) for b in buttons] == [
        ("button", "Acknowledge", "http://holdoff.local/act/ack?t=tok-ack-1"),
        ("button", "Resolve", "http://holdoff.local/act/resolve?t=tok-res-1"),
        ("button", "Silence 1h", "http://holdoff.local/act/silence?t=tok-sil-1"),
    ]
    assert [b.get("style") for b in buttons] == ["primary", None, None]
    assert len({b["action_id"] for b in buttons}) == 3
    assert request.body == encode(build_payload(sent))


def test_a_resolution_without_actions_has_no_actions_block_and_a_resolved_icon(
    slack_receiver: SlackReceiver, webhook: SlackChannel
) -> None:
    sent = message(NotificationKind.RESOLVED)

    assert webhook.send(sent).ok

    blocks = slack_receiver.requests[0].json["blocks"]
    assert _types(blocks) == ["header", "section", "section", "context"]
    assert _header(blocks) == f"✅ [HIGH] {sent.title}"
    assert _header(blocks).startswith("✅ [HIGH] RESOLVED: CPU Spike Test after")


def test_a_webhook_ignores_a_ref_it_cannot_use_and_posts_anew(
    slack_receiver: SlackReceiver, webhook: SlackChannel
) -> None:
    result = webhook.send(message(NotificationKind.REMINDER), ref="1714532400.000001")

    assert result.ok and result.ref is None
    [request] = slack_receiver.requests
    assert request.path == slack_receiver.webhook_path
    assert "thread_ts" not in request.json


def test_alert_text_is_plain_text_in_the_blocks_so_it_cannot_ping_link_or_format(
    slack_receiver: SlackReceiver, webhook: SlackChannel
) -> None:
    name = "<!channel> [x](javascript:alert(1)) *bold* _it_ <http://evil|click>"
    sent = with_actions(message(name=name, annotations={"description": "`code` ~gone~ & <@U123>"}))

    assert webhook.send(sent).ok

    body = slack_receiver.requests[0].json
    blocks = body["blocks"]
    # Every block that carries alert text is plain_text: Slack shows it as written, no markup at all.
    assert blocks[1] == {
        "type": "section",
        "text": {"type": "plain_text", "text": sent.summary, "emoji": True},
    }
    assert sent.summary.startswith(name)
    assert {"type": "plain_text", "text": f"Alert: {name}", "emoji": True} in blocks[2]["fields"]
    assert {"type": "plain_text", "text": "Description: `code` ~gone~ & <@U123>", "emoji": True} in blocks[2][
        "fields"
    ]
    # The only mrkdwn is Holdoff's own line, whose one link is Holdoff's.
    mrkdwn_texts = [
        text["text"]
        for block in blocks
        for text in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]
        if isinstance(text, dict) and text.get("type") == "mrkdwn"
    ]
    assert mrkdwn_texts == [f"Severity: *HIGH* · escalated · <{sent.url}|Open in Holdoff>"]
    assert [b["url"] for b in blocks[-1]["elements"]] == [a.url for a in ACTIONS]
    # The notification text is mrkdwn-escaped: no mention, no link of the alert's own.
    assert "<!channel>" not in body["text"] and "<http://evil|click>" not in body["text"]
    assert "&lt;!channel&gt;" in body["text"] and "&lt;http://evil|click&gt;" in body["text"]


def test_the_kinds_a_webhook_and_a_bot_take(slack_receiver: SlackReceiver) -> None:
    hook = SlackChannel(webhook_url=slack_receiver.webhook_url)
    bot = SlackChannel(bot_token="xoxb-x", channel="C1", api_url=slack_receiver.api_url)
    try:
        assert hook.kinds == ALL_BUT_ACKNOWLEDGED
        assert NotificationKind.ACKNOWLEDGED not in ALL_BUT_ACKNOWLEDGED
        assert bot.kinds is None
        assert hook.rate_per_second == bot.rate_per_second == 1.0
    finally:
        hook.close()
        bot.close()


# --- incoming webhook: retries ---


def test_webhook_400_invalid_payload_is_not_retried(
    slack_receiver: SlackReceiver, webhook: SlackChannel
) -> None:
    slack_receiver.fail_with(400, body="invalid_payload")

    result = webhook.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 400)
    assert result.error == (
        f"HTTP 400 from Slack webhook on 127.0.0.1:{slack_receiver.port} "
        "(Slack refused the message payload; trying again will not help): invalid_payload"
    )


def test_webhook_429_is_retried_and_says_when(slack_receiver: SlackReceiver, webhook: SlackChannel) -> None:
    slack_receiver.fail_with(429, body="rate_limited", headers={"Retry-After": "30"})

    first = webhook.send(message())
    second = webhook.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, 429)
    assert first.error is not None
    assert "rate limited" in first.error and "Retry-After 30" in first.error
    assert second.ok
    assert len(slack_receiver.messages) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_webhook_5xx_is_retried(slack_receiver: SlackReceiver, webhook: SlackChannel, status: int) -> None:
    slack_receiver.fail_with(status, body="rollup_error")

    result = webhook.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, status)
    assert result.error is not None and result.error.endswith(": rollup_error")


def test_webhook_404_no_service_is_not_retried_and_says_the_webhook_was_removed(
    slack_receiver: SlackReceiver,
) -> None:
    removed = SlackChannel(
        webhook_url=slack_receiver.webhook_url.replace(slack_receiver.webhook_secret, "R3v0k3dS3cr3tValue")
    )
    try:
        result = removed.send(message())
    finally:
        removed.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 404)
    assert result.error is not None
    assert "the webhook was removed or revoked" in result.error
    assert "create a new incoming webhook and update webhook_url" in result.error
    assert result.error.endswith(": no_service")
    assert slack_receiver.messages == {}


@pytest.mark.parametrize(
    ("status", "body", "hint"),
    [
        (410, "channel_is_archived", "the webhook's channel is archived"),
        (403, "action_prohibited", "a workspace admin restricted posting"),
        (404, "", "the webhook was removed or revoked"),
        (403, "invalid_token", "the webhook was removed or revoked"),
    ],
)
def test_webhook_refusals_are_not_retried_and_explained(
    slack_receiver: SlackReceiver, webhook: SlackChannel, status: int, body: str, hint: str
) -> None:
    slack_receiver.fail_with(status, body=body)

    result = webhook.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, status)
    assert result.error is not None and hint in result.error


def test_webhook_connection_refused_is_retried() -> None:
    port = unused_port()
    channel = SlackChannel(
        webhook_url=f"http://127.0.0.1:{port}/services/T1/B1/refusedSecret99", timeout_seconds=2
    )
    try:
        result = channel.send(message())
    finally:
        channel.close()

    assert (result.ok, result.retryable, result.status_code) == (False, True, None)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to Slack webhook on 127.0.0.1:{port}")
    assert "refusedSecret99" not in result.error


def test_webhook_that_does_not_answer_in_time_is_retried(slack_receiver: SlackReceiver) -> None:
    slack_receiver.delay(2)
    slow = SlackChannel(webhook_url=slack_receiver.webhook_url, timeout_seconds=0.3)
    try:
        result = slow.send(message())
    finally:
        slow.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(
        f"timed out after 0.3s waiting for Slack webhook on 127.0.0.1:{slack_receiver.port} to answer"
    )
    assert 250 <= result.latency_ms < 1500


def test_webhook_that_hangs_up_is_retried() -> None:
    with TcpBlackhole("close") as server:
        channel = SlackChannel(webhook_url=f"http://127.0.0.1:{server.port}/services/T/B/hangupSecret1")
        try:
            result = channel.send(message())
        finally:
            channel.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None and result.error.startswith("network error talking to Slack webhook")


def test_send_after_close_is_a_failure_not_an_exception(slack_receiver: SlackReceiver) -> None:
    channel = SlackChannel(webhook_url=slack_receiver.webhook_url)
    channel.close()

    result = channel.send(message())

    assert not result.ok and result.error is not None
    assert slack_receiver.requests == []


# --- bot token: post, update, thread ---


def test_bot_posts_with_chat_post_message_bearer_token_and_channel_and_returns_ts_as_ref(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    sent = with_actions(message(NotificationKind.ESCALATED))

    result = bot.send(sent)

    assert (result.ok, result.retryable, result.status_code, result.error) == (True, False, 200, None)
    [request] = slack_receiver.requests
    assert (request.method, request.path) == ("POST", "/api/chat.postMessage")
    assert request.headers["authorization"] == f"Bearer {slack_receiver.token}"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json == {
        "channel": slack_receiver.channel,
        "text": DEFAULT.render("slack", sent, "md"),
        "blocks": build_blocks(sent),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    assert result.ref == request.answer["ts"] == "1714532400.000001"
    assert slack_receiver.messages[result.ref].thread_ts is None


@pytest.mark.parametrize(
    ("kind", "header_start"),
    [
        (NotificationKind.RESOLVED, "✅ [HIGH] RESOLVED: CPU Spike Test after"),
        (NotificationKind.ACKNOWLEDGED, "👀 [HIGH] ACKNOWLEDGED by alice: CPU Spike Test"),
    ],
)
def test_a_resolution_or_acknowledgement_with_a_ref_updates_the_first_message_in_place(
    slack_receiver: SlackReceiver, bot: SlackChannel, kind: NotificationKind, header_start: str
) -> None:
    first = bot.send(with_actions(message(NotificationKind.ESCALATED)))
    assert first.ok and first.ref is not None
    later = message(kind, acknowledged_by="alice")

    result = bot.send(later, ref=first.ref)

    assert result.ok, result.error
    assert result.ref == first.ref
    [update] = slack_receiver.calls("chat.update")
    assert update.headers["authorization"] == f"Bearer {slack_receiver.token}"
    assert update.json == {
        "channel": slack_receiver.channel,
        "ts": first.ref,
        "text": DEFAULT.render("slack", later, "md"),
        "blocks": build_blocks(later),
    }
    assert len(slack_receiver.calls("chat.postMessage")) == 1
    [shown] = slack_receiver.messages.values()
    assert shown.ts == first.ref and shown.edits == 1
    assert shown.blocks[0]["text"]["text"].startswith(header_start)
    assert "actions" not in _types(shown.blocks)


def test_a_reminder_with_a_ref_is_a_reply_in_the_thread_and_keeps_the_parent_as_ref(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.ESCALATED))
    assert first.ref is not None

    reminder = bot.send(message(NotificationKind.REMINDER), ref=first.ref)
    again = bot.send(message(NotificationKind.REMINDER), ref=reminder.ref)

    assert reminder.ok and again.ok
    assert reminder.ref == again.ref == first.ref
    posts = slack_receiver.calls("chat.postMessage")
    assert [post.json.get("thread_ts") for post in posts] == [None, first.ref, first.ref]
    replies = [m for m in slack_receiver.messages.values() if m.thread_ts == first.ref]
    assert len(replies) == 2
    assert replies[0].blocks[0]["text"]["text"].startswith("🟠 [HIGH] STILL FIRING, NOT ACKNOWLEDGED")
    assert slack_receiver.calls("chat.update") == []


def test_a_flapping_summary_with_a_ref_is_threaded_too(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.FLAPPING))

    second = bot.send(message(NotificationKind.FLAPPING), ref=first.ref)

    assert second.ok and second.ref == first.ref
    assert slack_receiver.calls("chat.postMessage")[1].json["thread_ts"] == first.ref


def test_an_escalation_is_never_hidden_in_a_thread(slack_receiver: SlackReceiver, bot: SlackChannel) -> None:
    flapping = bot.send(message(NotificationKind.FLAPPING))

    escalated = bot.send(message(NotificationKind.ESCALATED), ref=flapping.ref)

    assert escalated.ok and escalated.ref not in (None, flapping.ref)
    assert "thread_ts" not in slack_receiver.calls("chat.postMessage")[1].json


def test_a_digest_is_always_a_new_post(slack_receiver: SlackReceiver, bot: SlackChannel) -> None:
    digest = Message(
        kind=NotificationKind.DIGEST,
        title="Digest: 2 items since 2024-05-01 02:00 UTC",
        summary="Collected for this channel.",
        facts=[Fact(name="02:10", value="Resolved on its own: a"), Fact(name="02:20", value="b")],
        url="http://holdoff.local/alerts",
    )

    result = bot.send(digest, ref="1714532400.000077")

    assert result.ok
    [post] = slack_receiver.calls("chat.postMessage")
    assert "thread_ts" not in post.json
    assert post.json["blocks"][0]["text"]["text"] == "📋 Digest: 2 items since 2024-05-01 02:00 UTC"


def test_a_resolution_without_a_ref_is_posted(slack_receiver: SlackReceiver, bot: SlackChannel) -> None:
    result = bot.send(message(NotificationKind.RESOLVED))

    assert result.ok and result.ref == "1714532400.000001"
    assert slack_receiver.calls("chat.update") == []
    assert "thread_ts" not in slack_receiver.calls("chat.postMessage")[0].json


def test_updating_a_deleted_message_posts_the_resolution_anew(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.ESCALATED))
    assert first.ref is not None
    slack_receiver.delete(first.ref)

    result = bot.send(message(NotificationKind.RESOLVED), ref=first.ref)

    assert result.ok, result.error
    assert result.ref not in (None, first.ref)
    assert [r.api_method for r in slack_receiver.requests] == [
        "chat.postMessage",
        "chat.update",
        "chat.postMessage",
    ]
    assert slack_receiver.requests[1].answer == {"ok": False, "error": "message_not_found"}
    assert "thread_ts" not in slack_receiver.requests[2].json


def test_a_message_that_cannot_be_edited_gets_the_resolution_as_a_reply(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.ESCALATED))
    slack_receiver.fail_api("edit_window_closed", method="chat.update")

    result = bot.send(message(NotificationKind.RESOLVED), ref=first.ref)

    assert result.ok and result.ref == first.ref
    assert slack_receiver.calls("chat.postMessage")[1].json["thread_ts"] == first.ref


def test_a_reply_to_a_deleted_thread_is_posted_at_the_top_instead(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.ESCALATED))
    assert first.ref is not None
    slack_receiver.delete(first.ref)

    result = bot.send(message(NotificationKind.REMINDER), ref=first.ref)

    assert result.ok and result.ref not in (None, first.ref)
    posts = slack_receiver.calls("chat.postMessage")
    assert [post.json.get("thread_ts") for post in posts] == [None, first.ref, None]
    assert posts[1].answer["error"] == "thread_not_found"


def test_a_failed_update_is_reported_not_replaced_by_a_post(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    first = bot.send(message(NotificationKind.ESCALATED))
    slack_receiver.fail_api("ratelimited", method="chat.update")

    result = bot.send(message(NotificationKind.RESOLVED), ref=first.ref)

    assert (result.ok, result.retryable, result.ref) == (False, True, None)
    assert len(slack_receiver.calls("chat.postMessage")) == 1


# --- bot token: errors ---


@pytest.mark.parametrize(
    ("error", "retryable", "hint"),
    [
        ("invalid_auth", False, "check bot_token: it is wrong, revoked or expired"),
        ("not_in_channel", False, "invite the bot to the channel"),
        ("channel_not_found", False, "check channel: use the channel ID"),
        ("is_archived", False, "the channel is archived"),
        ("account_inactive", False, "reinstall the app"),
        ("some_new_error", False, "trying again will not help"),
        ("ratelimited", True, "rate limited"),
        ("internal_error", True, "a problem on Slack's side"),
        ("fatal_error", True, "a problem on Slack's side"),
    ],
)
def test_ok_false_answers_are_classified(
    slack_receiver: SlackReceiver, bot: SlackChannel, error: str, retryable: bool, hint: str
) -> None:
    slack_receiver.fail_api(error)

    result = bot.send(message())

    assert (result.ok, result.retryable, result.status_code, result.ref) == (False, retryable, 200, None)
    assert result.error is not None
    assert result.error.startswith(
        f"Slack API chat.postMessage on 127.0.0.1:{slack_receiver.port} answered {error} ("
    )
    assert hint in result.error


def test_missing_scope_names_the_scope_slack_wants(slack_receiver: SlackReceiver, bot: SlackChannel) -> None:
    slack_receiver.fail_api("missing_scope", needed="chat:write", provided="channels:read")

    result = bot.send(message())

    assert not result.retryable
    assert result.error is not None and "lacks the chat:write scope" in result.error


def test_a_wrong_channel_is_channel_not_found(slack_receiver: SlackReceiver) -> None:
    wrong = SlackChannel(bot_token=slack_receiver.token, channel="C0NOSUCH", api_url=slack_receiver.api_url)
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "answered channel_not_found (check channel" in result.error
    assert slack_receiver.requests[0].json["channel"] == "C0NOSUCH"


def test_a_wrong_token_is_invalid_auth_and_never_shown(slack_receiver: SlackReceiver) -> None:
    wrong = SlackChannel(
        bot_token="xoxb-9999-WrongT0kenValue", channel=slack_receiver.channel, api_url=slack_receiver.api_url
    )
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "answered invalid_auth" in result.error
    assert "WrongT0ken" not in result.error
    assert slack_receiver.requests[0].headers["authorization"] == "Bearer xoxb-9999-WrongT0kenValue"


def test_http_429_from_the_api_is_retried_with_retry_after(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    slack_receiver.fail_with(429, body='{"ok":false,"error":"ratelimited"}', headers={"Retry-After": "3"})

    first = bot.send(message())
    second = bot.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, 429)
    assert first.error is not None and "Retry-After 3" in first.error
    assert second.ok and second.ref is not None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_5xx_from_the_api_is_retried(
    slack_receiver: SlackReceiver, bot: SlackChannel, status: int
) -> None:
    slack_receiver.fail_with(status, body="upstream unavailable")

    result = bot.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, status)
    assert result.error == (
        f"HTTP {status} from Slack API chat.postMessage on 127.0.0.1:{slack_receiver.port}: upstream unavailable"
    )


def test_an_api_url_that_is_not_slack_is_not_retried(slack_receiver: SlackReceiver) -> None:
    wrong = SlackChannel(
        bot_token=slack_receiver.token,
        channel=slack_receiver.channel,
        api_url=f"{slack_receiver.base_url}/nothere",
    )
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 404)
    assert result.error is not None and "is not a Slack API answer (check api_url" in result.error


def test_api_connection_refused_and_timeout_are_retried(slack_receiver: SlackReceiver) -> None:
    refused = SlackChannel(bot_token="xoxb-r", channel="C1", api_url=f"http://127.0.0.1:{unused_port()}/api")
    slack_receiver.delay(2)
    slow = SlackChannel(
        bot_token=slack_receiver.token,
        channel=slack_receiver.channel,
        api_url=slack_receiver.api_url,
        timeout_seconds=0.3,
    )
    try:
        results = [refused.send(message()), slow.send(message())]
    finally:
        refused.close()
        slow.close()

    assert [(r.ok, r.retryable) for r in results] == [(False, True), (False, True)]
    assert results[0].error is not None and results[0].error.startswith(
        "cannot connect to Slack API chat.postMessage"
    )
    assert results[1].error is not None and results[1].error.startswith(
        "timed out after 0.3s waiting for Slack API chat.postMessage"
    )


# --- secrets never in errors ---


def _no_piece_of(secret: str, text: str) -> None:
    pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
    assert not [piece for piece in pieces if piece in text], text


def test_the_token_never_appears_in_an_error(slack_receiver: SlackReceiver) -> None:
    token = slack_receiver.token
    results: list[DeliveryResult] = []
    bot = SlackChannel(bot_token=token, channel=slack_receiver.channel, api_url=slack_receiver.api_url)
    try:
        for status in (500, 429, 400, 200):
            slack_receiver.fail_with(
                status, body=f"bad token {token} Bearer {token}", headers={"Retry-After": token}
            )
            results.append(bot.send(message()))
        slack_receiver.fail_api(f"invalid_auth_{token}")
        results.append(bot.send(message()))
        slack_receiver.fail_api("missing_scope", needed=token)
        results.append(bot.send(message()))
    finally:
        bot.close()
    refused = SlackChannel(bot_token=token, channel="C1", api_url=f"http://127.0.0.1:{unused_port()}/api")
    results.append(refused.send(message()))
    refused.close()

    assert len(results) == 7
    for result in results:
        assert not result.ok and result.error is not None
        _no_piece_of(token, result.error)
        assert "127.0.0.1" in result.error


def test_the_webhook_url_never_appears_in_an_error(slack_receiver: SlackReceiver) -> None:
    secret = slack_receiver.webhook_secret
    echo = f"cannot post to {slack_receiver.webhook_url} ({slack_receiver.webhook_path})"
    results: list[DeliveryResult] = []
    for status in (500, 429, 400, 404, 302):
        slack_receiver.fail_with(status, body=echo, headers={"Retry-After": secret})
        channel = SlackChannel(webhook_url=slack_receiver.webhook_url)
        results.append(channel.send(message()))
        channel.close()
    slack_receiver.delay(1)
    slow = SlackChannel(webhook_url=slack_receiver.webhook_url, timeout_seconds=0.2)
    results.append(slow.send(message()))
    slow.close()

    assert len(results) == 6
    for result in results:
        assert not result.ok and result.error is not None
        _no_piece_of(secret, result.error)
        assert slack_receiver.webhook_path not in result.error
        assert "T0HOLDOFF/B0HOLDOFF" not in result.error
        assert "127.0.0.1" in result.error


# --- Slack's limits ---


def _huge(kind: NotificationKind = NotificationKind.ESCALATED) -> Message:
    base = with_actions(message(kind))
    lesser = [Fact(name=f"Label {i:02d}", value=f"value {i} " * 400) for i in range(40)]
    return base.model_copy(
        update={
            "title": "ESCALATED: " + "very-long-alert-name-" * 30,
            "summary": "a long & <noisy> summary " * 400,
            "facts": [*base.facts[:2], *lesser, *base.facts[2:]],
        }
    )


def test_long_facts_are_cut_within_slacks_limits_keeping_the_essentials(
    slack_receiver: SlackReceiver, bot: SlackChannel
) -> None:
    big = _huge()

    result = bot.send(big)

    assert result.ok, result.error  # the stand-in refuses what Slack would refuse
    blocks = slack_receiver.calls("chat.postMessage")[0].json["blocks"]
    header = _header(blocks)
    assert len(header) == 150 and header.endswith(TRUNCATION_MARK)
    section = blocks[1]["text"]["text"]
    assert len(section) <= 3000
    assert section.startswith("ESCALATED: very-long-alert-name-very-long-alert-name-")
    assert "& <noisy>" in section
    field_sections = [block for block in blocks if "fields" in block]
    assert all(len(block["fields"]) <= 10 for block in field_sections)
    fields = _fields(blocks)
    assert all(len(text) <= 2000 for text in fields)
    assert "Alert: CPU Spike Test" in fields
    assert "Source: coralogix" in fields
    assert "Open for: 3m 12s" in fields
    assert "Severity: high" in fields
    assert sum(len(text) for text in fields) + len(section) + len(header) <= MAX_BLOCKS_CHARS
    assert any(text.endswith(TRUNCATION_MARK) for text in fields)
    assert blocks[-2]["elements"][0]["text"].endswith(f"<{big.url}|Open in Holdoff>")
    assert [b["url"] for b in blocks[-1]["elements"]] == [a.url for a in ACTIONS]
    text = slack_receiver.calls("chat.postMessage")[0].json["text"]
    assert len(text) <= MAX_TEXT_CHARS and text.endswith(TRUNCATION_MARK)


def test_more_than_thirty_facts_keep_the_essentials_and_count_the_rest() -> None:
    base = message()
    lesser = [Fact(name=f"L{i}", value="x") for i in range(40)]
    many = base.model_copy(update={"facts": [*lesser, *base.facts]})

    fields = _fields(build_blocks(many))

    assert len(fields) == 30
    assert fields[-1] == f"More: {40 + len(base.facts) - 29} more fact(s) in Holdoff"
    for essential in ("Alert: CPU Spike Test", "Source: coralogix", "Open for: 3m 12s"):
        assert essential in fields


def test_a_normal_message_is_not_cut() -> None:
    assert TRUNCATION_MARK not in json.dumps(build_payload(with_actions(message())), ensure_ascii=False)


def test_the_webhook_carries_a_huge_message_too(slack_receiver: SlackReceiver, webhook: SlackChannel) -> None:
    result = webhook.send(_huge(NotificationKind.REMINDER))

    assert result.ok, result.error
    assert slack_receiver.requests[0].answer == "ok"


def test_an_overlong_button_url_is_left_out_rather_than_refused() -> None:
    sent = message().model_copy(
        update={
            "actions": [
                ActionLink(action="acknowledge", label="Ack", url="http://h/" + "a" * 3000),
                ACTIONS[1],
            ]
        }
    )

    buttons = build_blocks(sent)[-1]["elements"]

    assert [b["text"]["text"] for b in buttons] == ["Resolve"]


# --- templates ---


def test_a_custom_slack_template_sets_the_notification_text(
    slack_receiver: SlackReceiver, tmp_path: Path
) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "escalated.md.j2").write_text(
        "PAGE {{ message.name | mrkdwn }} <{{ message.url }}|look>"
    )
    channel = SlackConfig.model_validate(
        {"name": "ops", "type": "slack", "webhook_url": slack_receiver.webhook_url}
    ).build(Templates(tmp_path))
    try:
        assert channel.send(message(NotificationKind.ESCALATED, name="a<b")).ok
        assert channel.send(message(NotificationKind.RESOLVED)).ok
    finally:
        channel.close()

    first, second = (request.json["text"] for request in slack_receiver.requests)
    assert first == f"PAGE a&lt;b <{message().url}|look>"
    assert second.startswith("*RESOLVED: CPU Spike Test")


def test_a_broken_template_gives_way_to_holdoffs_own(
    slack_receiver: SlackReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "message.md.j2").write_text("{{ message.no_such_field }}")
    channel = SlackChannel(webhook_url=slack_receiver.webhook_url, templates=Templates(tmp_path))
    try:
        result = channel.send(message())
    finally:
        channel.close()

    assert result.ok
    assert slack_receiver.requests[0].json["text"] == DEFAULT.render("slack", message(), "md")
    assert any("slack/message.md.j2 failed" in r.getMessage() for r in caplog.records)


# --- configuration ---


def test_config_for_a_webhook_builds_a_working_channel(slack_receiver: SlackReceiver) -> None:
    with environment({"SLACK_WEBHOOK_URL": slack_receiver.webhook_url}):
        config = SlackConfig.model_validate(
            {
                "name": "ops-slack",
                "type": "slack",
                "webhook_url": "${SLACK_WEBHOOK_URL}",
                "timeout_seconds": 3,
            }
        )
    channel = config.build()
    try:
        assert (channel.name, channel.mode, channel.rate_per_second) == ("ops-slack", "webhook", 1.0)
        assert channel.kinds == ALL_BUT_ACKNOWLEDGED
        assert channel.send(message()).ok
    finally:
        channel.close()
    assert config.api_url == "https://slack.com/api"
    assert slack_receiver.webhook_url not in repr(config)


def test_config_for_a_bot_builds_a_working_channel(slack_receiver: SlackReceiver) -> None:
    with environment({"SLACK_BOT_TOKEN": slack_receiver.token}):
        config = SlackConfig.model_validate(
            {
                "name": "ops-bot",
                "type": "slack",
                "bot_token": "${SLACK_BOT_TOKEN}",
                "channel": slack_receiver.channel,
                "api_url": slack_receiver.api_url + "/",
                "rate_per_second": 0.5,
                "kinds": ["escalated", "acknowledged", "resolved"],
            }
        )
    channel = config.build()
    try:
        assert (channel.name, channel.mode, channel.rate_per_second) == ("ops-bot", "bot", 0.5)
        assert channel.kinds == frozenset(
            {NotificationKind.ESCALATED, NotificationKind.ACKNOWLEDGED, NotificationKind.RESOLVED}
        )
        first = channel.send(message())
        assert first.ok and first.ref is not None
        assert channel.send(message(NotificationKind.RESOLVED), ref=first.ref).ok
    finally:
        channel.close()
    assert [r.api_method for r in slack_receiver.requests] == ["chat.postMessage", "chat.update"]
    assert config.secrets() == [slack_receiver.token]


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({}, "set webhook_url (incoming webhook), or bot_token and channel"),
        (
            {
                "webhook_url": "https://hooks.slack.com/services/T/B/SeCrEtHoOk123",
                "bot_token": "xoxb-SeCrEtT0k",
                "channel": "C1",
            },
            "not both",
        ),
        ({"bot_token": "xoxb-SeCrEtT0k"}, "channel is missing"),
        ({"channel": "C0123"}, "bot_token is missing"),
        ({"bot_token": "xoxb-SeCrEtT0k", "channel": "#ops"}, "channel must be a Slack channel ID"),
        ({"webhook_url": "hooks.slack.com/services/T/B/SeCrEtHoOk123"}, "webhook_url must be an http(s) URL"),
        (
            {"webhook_url": "https://hooks.slack.com/services/T/B/SeCrEtHoOk123", "kinds": ["acknowledged"]},
            "an incoming webhook cannot update its messages",
        ),
        (
            {"bot_token": "xoxb-SeCrEtT0k", "channel": "C1", "api_url": "slack.com/api"},
            "api_url must be an http(s) URL",
        ),
        (
            {"webhook_url": "https://hooks.slack.com/services/T/B/SeCrEtHoOk123", "colour": "red"},
            "Extra inputs",
        ),
    ],
)
def test_config_mistakes_are_explained_without_showing_secrets(
    fields: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        SlackConfig.model_validate({"name": "ops", "type": "slack", **fields})

    text = str(caught.value)
    assert complaint in text
    assert "SeCrEt" not in text


def test_direct_construction_needs_exactly_one_mode() -> None:
    with pytest.raises(ValueError, match="not both, not neither"):
        SlackChannel()
    with pytest.raises(ValueError, match="not both, not neither"):
        SlackChannel(webhook_url="http://h/services/x", bot_token="xoxb-1", channel="C1")
    with pytest.raises(ValueError, match="needs channel"):
        SlackChannel(bot_token="xoxb-1")
