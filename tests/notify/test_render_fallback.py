"""One message that cannot be rendered as designed still goes out: the templates_dir sandbox, Holdoff's
default template, a plain message, and text that no encoder takes (a lone UTF-16 surrogate).

Every channel is checked against its local stand-in: the page is delivered (never given up, never
retried for a day), and the unencodable character arrives as U+FFFD.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from holdoff.mediate.model import NotificationKind
from holdoff.notify.apprise_channel import AppriseConfig
from holdoff.notify.channel import Channel
from holdoff.notify.email import EmailChannel, build_email
from holdoff.notify.fallback import build_or_plain, encodable_message, plain_message
from holdoff.notify.message import Fact, Message
from holdoff.notify.msgraph import MsGraphConfig
from holdoff.notify.opsgenie import OpsgenieChannel
from holdoff.notify.pagerduty import PagerDutyChannel
from holdoff.notify.slack import SlackChannel
from holdoff.notify.teams import TeamsChannel
from holdoff.notify.templates import Templates
from holdoff.notify.webhook import WebhookChannel
from holdoff.service.sender import outgoing
from holdoff.store import outbox
from tests.notify.samples import message
from tests.notify.test_msgraph import _config as graph_config
from tests.support.msgraph_standin import GraphStandIn, graph_standin, graph_tls
from tests.support.pager_receiver import (
    OpsgenieReceiver,
    PagerDutyReceiver,
    opsgenie_receiver,
    pagerduty_receiver,
)
from tests.support.slack_receiver import SlackReceiver, slack_receiver
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver
from tests.support.webhook_receiver import WebhookReceiver, webhook_receiver

_FIXTURES = (
    graph_standin,
    graph_tls,
    opsgenie_receiver,
    pagerduty_receiver,
    slack_receiver,
    webhook_receiver,
)

SURROGATE = "\ud800"
REPLACED = "\ufffd"
SENDER = "holdoff@example.com"
ONCALL = "oncall@example.com"
ESCAPE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]


def _email(smtp_sink: SmtpSink, templates: Templates | None = None) -> EmailChannel:
    return EmailChannel(
        sender=SENDER, recipients=[ONCALL], host="127.0.0.1", port=smtp_sink.port, templates=templates
    )


def _text_part(mail: Any) -> str:
    part = mail.message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


# --- the templates_dir sandbox, end to end ---


def test_a_templates_dir_template_reaching_for_os_is_refused_and_the_email_uses_the_default_template(
    smtp_sink: SmtpSink, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "escalated.txt.j2").write_text(f"Pwned: {ESCAPE}")
    (tmp_path / "email" / "escalated.html.j2").write_text(f"<p>Pwned: {ESCAPE}</p>")
    sent = message(NotificationKind.ESCALATED)

    result = _email(smtp_sink, Templates(tmp_path)).send(sent)

    assert (result.ok, result.error) == (True, None)
    [mail] = smtp_sink.wait_for(1)
    default = build_email(sent, SENDER, [ONCALL])
    default_text = default.get_body(("plain",))
    assert default_text is not None
    assert _text_part(mail) == str(default_text.get_content()).replace("\r\n", "\n")
    assert "uid=" not in mail.raw.decode("utf-8", "replace") and "Pwned" not in mail.raw.decode()
    logged = _errors(caplog)
    assert len(logged) == 2  # the text and the HTML template, each named with what went wrong
    for fmt, line in zip(("txt", "html"), logged, strict=True):
        assert line.startswith(f"template {tmp_path / 'email' / f'escalated.{fmt}.j2'} failed")
        assert "uses Holdoff's default template instead: the sandbox refused it" in line
        assert "'__init__'" in line and "unsafe" in line


def test_a_good_templates_dir_template_still_writes_the_email(smtp_sink: SmtpSink, tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "escalated.txt.j2").write_text("{{ message.name }} needs you: {{ message.url }}")

    assert _email(smtp_sink, Templates(tmp_path)).send(message()).ok

    [mail] = smtp_sink.wait_for(1)
    assert _text_part(mail) == "CPU Spike Test needs you: http://holdoff.local/ui/alerts/42\n"


# --- text no encoder takes ---


def _bad(kind: NotificationKind = NotificationKind.ESCALATED) -> Message:
    return message(kind, name=f"disk{SURROGATE}full", labels={"team": f"pay{SURROGATE}", "env": "prod"})


Send = Callable[[Message], tuple[bool, bool]]


@pytest.fixture
def channels(
    smtp_sink: SmtpSink,
    teams_receiver: TeamsReceiver,
    webhook_receiver: WebhookReceiver,
    slack_receiver: SlackReceiver,
    pagerduty_receiver: PagerDutyReceiver,
    opsgenie_receiver: OpsgenieReceiver,
    graph_standin: GraphStandIn,
) -> Iterator[dict[str, tuple[Channel, Callable[[], str]]]]:
    """Each channel, and what its stand-in received (as text), so a test can look for U+FFFD."""
    built: dict[str, tuple[Channel, Callable[[], str]]] = {
        "email": (_email(smtp_sink), lambda: smtp_sink.wait_for(1)[0].raw.decode("utf-8")),
        "teams": (TeamsChannel(teams_receiver.url), lambda: teams_receiver.wait_for(1)[0].body.decode()),
        "webhook": (
            WebhookChannel(webhook_receiver.base_url + "/hook"),
            lambda: webhook_receiver.wait_for(1)[0].body.decode(),
        ),
        "slack": (
            SlackChannel(webhook_url=slack_receiver.webhook_url),
            lambda: slack_receiver.wait_for(1)[0].body.decode(),
        ),
        "slack-bot": (
            SlackChannel(
                bot_token=slack_receiver.token, channel=slack_receiver.channel, api_url=slack_receiver.api_url
            ),
            lambda: slack_receiver.wait_for(1)[0].body.decode(),
        ),
        "pagerduty": (
            PagerDutyChannel(pagerduty_receiver.routing_key, events_url=pagerduty_receiver.url),
            lambda: pagerduty_receiver.wait_for(1)[0].body.decode(),
        ),
        "opsgenie": (
            OpsgenieChannel(opsgenie_receiver.api_key, api_url=opsgenie_receiver.url),
            lambda: opsgenie_receiver.wait_for(1)[0].body.decode(),
        ),
        "msgraph": (
            MsGraphConfig.model_validate(graph_config(graph_standin)).build(),
            lambda: graph_standin.send_requests[0].body.decode(),
        ),
        "apprise": (
            AppriseConfig.model_validate(
                {"name": "chat", "type": "apprise", "urls": [f"json://127.0.0.1:{webhook_receiver.port}/a"]}
            ).build(),
            lambda: webhook_receiver.wait_for(1)[0].body.decode(),
        ),
    }
    yield built
    for channel, _ in built.values():
        channel.close()


CHANNELS = ["email", "teams", "webhook", "slack", "slack-bot", "pagerduty", "opsgenie", "msgraph", "apprise"]


@pytest.mark.parametrize("name", CHANNELS)
def test_a_lone_surrogate_in_an_alert_is_sent_plainly_instead_of_losing_the_page(
    channels: dict[str, tuple[Channel, Callable[[], str]]], name: str, caplog: pytest.LogCaptureFixture
) -> None:
    channel, received = channels[name]

    result = channel.send(_bad())

    assert (result.ok, result.error) == (True, None), result.error
    text = received()
    assert "disk" in text and ("\\ufffd" in text or REPLACED in text or "=EF=BF=BD" in text or "77+9" in text)
    assert any("sending it as a plain message instead" in line for line in _errors(caplog))


def test_the_sender_hands_every_channel_encodable_text_with_the_labels_kept() -> None:
    bad = _bad()
    claimed = outbox.Claimed(
        id=5, channel="teams", message=bad, attempts=2, created_at=datetime(2026, 1, 14, 3, tzinfo=UTC)
    )

    sent = outgoing(claimed)

    assert SURROGATE not in sent.model_dump_json() and SURROGATE in bad.title
    assert sent.name == f"disk{REPLACED}full" and sent.labels == {"team": f"pay{REPLACED}", "env": "prod"}
    assert sent.title == bad.title.replace(SURROGATE, REPLACED)
    assert sent.delivery_id == "5.20260114030000000000"
    assert outgoing(claimed) == sent  # the same on every attempt


def test_a_message_that_encodes_is_passed_on_untouched() -> None:
    fine = message(name="Température élevée ⚠ 日本")

    assert encodable_message(fine) is fine


def test_a_plain_message_drops_labels_and_control_characters_and_cuts_long_text() -> None:
    noisy = message(labels={"team": "x"}).model_copy(
        update={
            "summary": "a\x00b\x07c\td\n" + "y" * 5000,
            "facts": [Fact(name=f"F{i}", value="v") for i in range(50)],
        }
    )

    plain = plain_message(noisy)

    assert plain.labels == {}
    assert plain.summary.startswith(f"a{REPLACED}b{REPLACED}c\td\n") and len(plain.summary) == 2000
    assert len(plain.facts) == 20 and plain.url == noisy.url and plain.actions == noisy.actions


def test_when_a_layout_fails_the_plain_build_is_used_and_the_failure_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[Message] = []

    def layout(sent: Message) -> str:
        calls.append(sent)
        if len(calls) == 1:
            raise KeyError("no such block")
        return sent.title

    with caplog.at_level(logging.ERROR):
        assert build_or_plain(layout, _bad(), "teams") == plain_message(_bad()).title

    [logged] = _errors(caplog)
    assert logged.startswith("could not lay out the escalated message for alert-42 via teams (KeyError:")
    assert logged.endswith("sending it as a plain message instead")
