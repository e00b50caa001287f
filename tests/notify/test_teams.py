"""The Teams channel against a local Workflows-like webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.message import ActionLink, Fact, Message
from holdoff.notify.teams import (
    MAX_BODY_BYTES,
    TRUNCATION_MARK,
    TeamsChannel,
    build_card,
    build_payload,
    encode,
)
from tests.notify.samples import message
from tests.support.net import TcpBlackhole, unused_port
from tests.support.teams_receiver import TeamsReceiver, teams_receiver

# pytest looks fixtures up by name in this module; naming them here also tells ruff that the
# test parameters of the same name use them (not F811 redefinitions).
_FIXTURES = (teams_receiver,)


@pytest.fixture
def channel(teams_receiver: TeamsReceiver) -> Iterator[TeamsChannel]:
    teams = TeamsChannel(teams_receiver.url, timeout_seconds=5.0)
    yield teams
    teams.close()


def _text(block: dict[str, Any]) -> str:
    """What a RichTextBlock shows."""
    return "".join(run["text"] for run in block["inlines"])


def _facts(card: dict[str, Any]) -> dict[str, str]:
    """The card's facts by name (each a RichTextBlock of "Name: " and the value)."""
    [container] = [block for block in card["body"] if block["type"] == "Container"]
    return {
        item["inlines"][0]["text"].removesuffix(": "): item["inlines"][1]["text"]
        for item in container["items"]
    }


def _card(request_json: Any) -> Any:
    attachments = request_json["attachments"]
    assert isinstance(attachments, list) and len(attachments) == 1
    content = attachments[0]["content"]
    assert isinstance(content, dict)
    return content


# --- what goes over the wire ---


@pytest.mark.parametrize(
    ("kind", "colour"),
    [
        (NotificationKind.TRANSIENT_RESOLVED, "Good"),
        (NotificationKind.ESCALATED, "Attention"),
        (NotificationKind.RESOLVED, "Good"),
    ],
)
def test_each_kind_is_posted_as_one_adaptive_card_in_the_workflows_envelope(
    teams_receiver: TeamsReceiver, channel: TeamsChannel, kind: NotificationKind, colour: str
) -> None:
    sent = message(kind)

    result = channel.send(sent)

    assert result.ok, result.error
    assert result.status_code == 202
    [request] = teams_receiver.wait_for(1)
    assert request.method == "POST"
    assert request.path == teams_receiver.path
    assert request.query["sig"] == [teams_receiver.sig]
    assert request.headers["content-type"].startswith("application/json")
    body = request.json
    assert body["type"] == "message"
    assert body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert body["attachments"][0]["contentUrl"] is None
    card = _card(body)
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["msteams"] == {"width": "Full"}
    title, summary, facts = card["body"]
    # Plain text runs: Adaptive Cards render Markdown in TextBlocks and FactSets, never in a TextRun.
    assert title == {
        "type": "RichTextBlock",
        "inlines": [
            {"type": "TextRun", "text": sent.title, "weight": "Bolder", "size": "Medium", "color": colour}
        ],
    }
    assert summary == {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": sent.summary}]}
    assert facts == {
        "type": "Container",
        "items": [
            {
                "type": "RichTextBlock",
                "inlines": [
                    {"type": "TextRun", "text": f"{f.name}: ", "weight": "Bolder"},
                    {"type": "TextRun", "text": f.value},
                ],
            }
            for f in sent.facts
        ],
    }
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Holdoff", "url": sent.url}]


def test_the_body_is_compact_utf8_json_exactly_as_build_payload_encodes_it(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    sent = message(name="Température élevée ⚠ 日本")

    assert channel.send(sent).ok
    [request] = teams_receiver.wait_for(1)
    assert request.body == encode(build_payload(sent))
    assert "Température élevée ⚠ 日本" in request.body.decode("utf-8")
    assert int(request.headers["content-length"]) == len(request.body)


def test_alert_text_reaches_the_card_only_as_plain_text_runs_and_the_only_links_are_holdoffs(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    nasty = "[x](javascript:alert(1)) *bold* <http://evil|click>"
    sent = message(name=nasty, annotations={"description": "[docs](http://evil.example) _it_"})
    sent = sent.model_copy(
        update={"actions": [ActionLink(action="acknowledge", label="Ack", url="http://h/a")]}
    )

    assert channel.send(sent).ok

    card = _card(teams_receiver.wait_for(1)[0].json)
    # No element that renders Markdown (TextBlock, FactSet) carries alert text: only TextRuns do.
    assert {block["type"] for block in card["body"]} == {"RichTextBlock", "Container"}
    assert "TextBlock" not in json.dumps(card["body"]).replace("RichTextBlock", "")
    assert "FactSet" not in json.dumps(card)
    assert _text(card["body"][0]) == sent.title and nasty in sent.title
    assert _facts(card)["Alert"] == nasty
    assert _facts(card)["Description"] == "[docs](http://evil.example) _it_"
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Ack", "url": "http://h/a"},
        {"type": "Action.OpenUrl", "title": "Open in Holdoff", "url": "http://holdoff.local/ui/alerts/42"},
    ]


def test_a_message_without_facts_has_no_empty_factset() -> None:
    bare = Message(
        kind=NotificationKind.RESOLVED,
        alert_id=7,
        title="RESOLVED: x",
        summary="x resolved",
        facts=[],
        url="http://h/a/7",
    )

    card = build_card(bare)

    assert [block["type"] for block in card["body"]] == ["RichTextBlock", "RichTextBlock"]


def test_latency_is_measured(teams_receiver: TeamsReceiver, channel: TeamsChannel) -> None:
    teams_receiver.delay(0.2)

    result = channel.send(message())

    assert result.ok
    assert result.latency_ms >= 200


# --- retryable or not ---


def test_http_500_from_teams_is_retried_and_the_error_quotes_the_body(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    teams_receiver.fail_with(500, count=1, body="flow run failed: InternalServerError")

    first = channel.send(message())
    second = channel.send(message())

    assert (first.ok, first.retryable, first.status_code) == (False, True, 500)
    assert first.error == (
        f"HTTP 500 from Teams webhook on 127.0.0.1:{teams_receiver.port}: flow run failed: InternalServerError"
    )
    assert second.ok
    assert len(teams_receiver.requests) == 2
    assert len(teams_receiver.received) == 1


def test_http_503_error_keeps_only_the_first_200_characters_of_the_body(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    teams_receiver.fail_with(503, count=1, body="A" * 150 + "B" * 1000)

    result = channel.send(message())

    assert result.retryable and result.status_code == 503
    assert result.error is not None
    assert result.error.endswith(": " + "A" * 150 + "B" * 50)


def test_http_429_from_teams_is_retried_and_says_it_was_throttled(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    teams_receiver.fail_with(429, count=1, headers={"Retry-After": "7"})

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, 429)
    assert result.error is not None
    assert "throttled" in result.error and "Retry-After 7" in result.error


def test_http_408_from_teams_is_retried(teams_receiver: TeamsReceiver, channel: TeamsChannel) -> None:
    teams_receiver.fail_with(408, count=1)

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, 408)


def test_failures_for_some_seconds_then_delivery_works(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    teams_receiver.fail_with(502, seconds=0.3)

    assert channel.send(message()).retryable
    assert teams_receiver.received == []
    time.sleep(0.35)
    assert channel.send(message()).ok
    teams_receiver.wait_for(1)


def test_http_400_from_teams_is_not_retried(teams_receiver: TeamsReceiver, channel: TeamsChannel) -> None:
    teams_receiver.fail_with(400, count=1, body='{"error":{"code":"InvalidRequestContent"}}')

    result = channel.send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 400)
    assert result.error is not None
    assert "check TEAMS_WEBHOOK_URL: the workflow may be disabled or deleted" in result.error
    assert "InvalidRequestContent" in result.error


def test_http_404_for_a_deleted_workflow_is_not_retried(teams_receiver: TeamsReceiver) -> None:
    gone = TeamsChannel(
        teams_receiver.url.replace(teams_receiver.workflow_id, "deleted0flow"), timeout_seconds=5
    )
    try:
        result = gone.send(message())
    finally:
        gone.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 404)
    assert result.error is not None
    assert "the workflow may be disabled or deleted" in result.error
    assert teams_receiver.received == []


def test_http_401_for_a_wrong_sig_is_not_retried(teams_receiver: TeamsReceiver) -> None:
    wrong = TeamsChannel(
        teams_receiver.url.replace(teams_receiver.sig, "forged-signature"), timeout_seconds=5
    )
    try:
        result = wrong.send(message())
    finally:
        wrong.close()

    assert (result.ok, result.retryable, result.status_code) == (False, False, 401)
    assert result.error is not None and "sig=" in result.error
    assert "forged-signature" not in result.error


def test_connection_refused_is_retried() -> None:
    port = unused_port()
    teams = TeamsChannel(
        f"http://127.0.0.1:{port}/workflows/x/invoke?sig=refusedsecret123", timeout_seconds=2
    )
    try:
        result = teams.send(message())
    finally:
        teams.close()

    assert (result.ok, result.retryable, result.status_code) == (False, True, None)
    assert result.error is not None
    assert result.error.startswith(f"cannot connect to Teams webhook on 127.0.0.1:{port}")


def test_a_webhook_that_does_not_answer_in_time_is_retried(teams_receiver: TeamsReceiver) -> None:
    teams_receiver.delay(3)
    slow = TeamsChannel(teams_receiver.url, timeout_seconds=0.3)
    try:
        result = slow.send(message())
    finally:
        slow.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(
        f"timed out after 0.3s waiting for Teams webhook on 127.0.0.1:{teams_receiver.port}"
    )
    assert 250 <= result.latency_ms < 2500


def test_a_server_that_hangs_up_without_answering_is_retried() -> None:
    with TcpBlackhole("close") as server:
        port = server.port
        teams = TeamsChannel(f"http://127.0.0.1:{port}/workflows/x?sig=hangupsecret123", timeout_seconds=2)
        try:
            result = teams.send(message())
        finally:
            teams.close()

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(f"network error talking to Teams webhook on 127.0.0.1:{port}")


def test_a_non_http_webhook_url_fails_without_retry() -> None:
    teams = TeamsChannel("ftp://example.invalid/workflows/x?sig=ftpsecret12345", timeout_seconds=1)
    try:
        result = teams.send(message())
    finally:
        teams.close()

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None and "TEAMS_WEBHOOK_URL" in result.error


def test_send_after_close_reports_a_failure_instead_of_raising(teams_receiver: TeamsReceiver) -> None:
    teams = TeamsChannel(teams_receiver.url)
    teams.close()

    result = teams.send(message())

    assert not result.ok
    assert teams_receiver.requests == []


# --- the secret in the URL ---


def _results_for_every_failure(receiver: TeamsReceiver) -> list[DeliveryResult]:
    echo = f"could not run {receiver.url} (sig={receiver.sig})"
    results = []
    for status in (500, 429, 400, 403):
        receiver.fail_with(status, count=1, body=echo, headers={"Retry-After": receiver.sig})
        teams = TeamsChannel(receiver.url, timeout_seconds=2)
        results.append(teams.send(message()))
        teams.close()
    for url in (
        receiver.url.replace(receiver.workflow_id, "nosuchflow"),
        receiver.url.replace(f":{receiver.port}/", f":{unused_port()}/"),
    ):
        teams = TeamsChannel(url, timeout_seconds=2)
        results.append(teams.send(message()))
        teams.close()
    receiver.recover()
    receiver.delay(2)
    teams = TeamsChannel(receiver.url, timeout_seconds=0.2)
    results.append(teams.send(message()))
    teams.close()
    return results


def test_the_webhook_secret_never_appears_in_an_error(teams_receiver: TeamsReceiver) -> None:
    results = _results_for_every_failure(teams_receiver)

    assert len(results) == 7
    for result in results:
        assert not result.ok
        assert result.error is not None
        pieces = {teams_receiver.sig[i : i + 8] for i in range(len(teams_receiver.sig) - 7)}
        assert not [piece for piece in pieces if piece in result.error], result.error
        assert teams_receiver.path not in result.error
        assert "127.0.0.1" in result.error


# --- the 28 KB limit ---


def _oversized(kind: NotificationKind = NotificationKind.ESCALATED, title: str | None = None) -> Message:
    base = message(kind)
    facts = [*base.facts, Fact(name="Log excerpt", value="ERROR connection reset\n" * 4000)]
    return base.model_copy(
        update={"summary": "very long summary " * 3000, "facts": facts, "title": title or base.title}
    )


def test_an_oversized_message_is_cut_below_28_kb_keeping_title_url_and_key_facts(
    teams_receiver: TeamsReceiver, channel: TeamsChannel
) -> None:
    big = _oversized()
    assert len(encode(build_payload(big, max_bytes=10**9))) > 100_000

    result = channel.send(big)

    assert result.ok, result.error
    [request] = teams_receiver.wait_for(1)
    assert len(request.body) <= MAX_BODY_BYTES
    card = _card(request.json)
    assert _text(card["body"][0]) == big.title
    assert card["actions"][0]["url"] == big.url
    facts = _facts(card)
    assert facts["Alert"] == "CPU Spike Test"
    assert facts["Source"] == "coralogix"
    assert facts["Open for"] == "3m 12s"
    assert facts["Log excerpt"].endswith(TRUNCATION_MARK)
    assert _text(card["body"][1]).endswith(TRUNCATION_MARK)


def test_a_gigantic_alert_name_still_fits_and_keeps_the_start_of_the_title_and_the_url() -> None:
    name = "disk-full-" * 20_000
    big = _oversized(title=f"ESCALATED: {name}").model_copy(
        update={"facts": [Fact(name="Alert", value=name), Fact(name="Source", value="coralogix")]}
    )

    payload = build_payload(big)

    assert len(encode(payload)) <= MAX_BODY_BYTES
    card = payload["attachments"][0]["content"]
    assert _text(card["body"][0]).startswith("ESCALATED: disk-full-disk-full-")
    assert card["actions"][0]["url"] == big.url
    assert list(_facts(card)) == ["Alert", "Source"]


def test_a_normal_message_is_not_shortened() -> None:
    sent = message()

    payload = build_payload(sent)

    assert TRUNCATION_MARK not in json.dumps(payload)
    assert payload["attachments"][0]["content"] == build_card(sent)
