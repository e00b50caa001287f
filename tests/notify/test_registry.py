"""Channels from settings: only what is configured, described without secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from holdoff.notify import registry
from holdoff.notify.channel import Channel
from holdoff.notify.email import EmailChannel
from holdoff.notify.teams import TeamsChannel
from holdoff.settings import Settings
from tests.notify.samples import message
from tests.support.smtp_sink import SmtpSink, smtp_sink
from tests.support.teams_receiver import TeamsReceiver, teams_receiver

# pytest looks fixtures up by name in this module; naming them here also tells ruff that the
# test parameters of the same name use them (not F811 redefinitions).
_FIXTURES = (smtp_sink, teams_receiver)

WEBHOOK = (
    "https://prod-27.westus.logic.azure.com:443/workflows/0a1b2c3d/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zm9vYmFyLXNlY3JldC1zaWc"
)
SIG = "Zm9vYmFyLXNlY3JldC1zaWc"


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("HOLDOFF_") or name.upper() in (
            "TEAMS_WEBHOOK_URL",
            "EMAIL_FROM",
            "EMAIL_TO",
        ):
            monkeypatch.delenv(name)


def _settings(**values: Any) -> Settings:
    return Settings(**values)


def build_channels(settings: Settings) -> dict[str, Channel]:
    return registry.build_channels(settings.channels, settings.delivery.templates_dir)


def describe_channels(settings: Settings) -> list[str]:
    return registry.describe_channels(settings.channels)


@pytest.fixture
def built() -> Iterator[list[dict[str, Channel]]]:
    """Collects channel sets built in a test and closes them afterwards."""
    collected: list[dict[str, Channel]] = []
    yield collected
    for channels in collected:
        for channel in channels.values():
            channel.close()


def test_nothing_configured_means_no_channels_and_says_what_to_set(built: list[dict[str, Channel]]) -> None:
    settings = _settings()

    built.append(build_channels(settings))

    assert built[0] == {}
    assert describe_channels(settings) == [
        "teams: not configured (set TEAMS_WEBHOOK_URL) — transient resolutions will not be posted",
        "email: not configured (set EMAIL_TO and EMAIL_FROM) — nothing will be sent by email",
    ]


def test_a_teams_webhook_alone_gives_only_the_teams_channel(built: list[dict[str, Channel]]) -> None:
    settings = _settings(teams_webhook_url=WEBHOOK)

    channels = build_channels(settings)
    built.append(channels)

    assert list(channels) == ["teams"]
    assert isinstance(channels["teams"], TeamsChannel)
    assert channels["teams"].name == "teams"


def test_recipients_alone_give_only_the_email_channel(built: list[dict[str, Channel]]) -> None:
    settings = _settings(email_from="holdoff@example.com", email_to="oncall@example.com; lead@example.com")

    channels = build_channels(settings)
    built.append(channels)

    assert list(channels) == ["email"]
    email = channels["email"]
    assert isinstance(email, EmailChannel)
    assert email.recipients == ["oncall@example.com", "lead@example.com"]
    assert email.sender == "holdoff@example.com"


def test_the_teams_line_names_the_host_and_never_the_secret() -> None:
    lines = describe_channels(_settings(teams_webhook_url=WEBHOOK))

    assert lines[0] == "teams: Workflows webhook on prod-27.westus.logic.azure.com:443"
    assert not [line for line in lines if SIG in line or "/workflows/" in line]


@pytest.mark.parametrize(
    ("options", "security"),
    [
        ({}, "no TLS"),
        ({"smtp_starttls": True, "smtp_port": 587}, "STARTTLS"),
        ({"smtp_ssl": True, "smtp_port": 465}, "SSL"),
    ],
)
def test_the_email_line_names_server_security_sender_and_recipients(
    options: dict[str, Any], security: str
) -> None:
    settings = _settings(
        email_from="a@b.example", email_to="c@d.example,e@f.example", smtp_host="mail.example", **options
    )

    line = describe_channels(settings)[1]

    port = options.get("smtp_port", 25)
    assert (
        line == f"email: SMTP mail.example:{port} ({security}) from a@b.example to c@d.example, e@f.example"
    )


def test_the_email_line_shows_the_login_user_but_not_the_password() -> None:
    settings = _settings(
        email_from="a@b.example",
        email_to="c@d.example",
        smtp_starttls=True,
        smtp_username="relay-user",
        smtp_password="hunter2-very-secret",
    )

    line = describe_channels(settings)[1]

    assert "(STARTTLS, login as relay-user)" in line
    assert "hunter2-very-secret" not in line


def test_channels_built_from_settings_deliver_to_teams_and_email(
    teams_receiver: TeamsReceiver, smtp_sink: SmtpSink, built: list[dict[str, Channel]]
) -> None:
    settings = _settings(
        teams_webhook_url=teams_receiver.url,
        email_from="holdoff@example.com",
        email_to="oncall@example.com",
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
    )
    channels = build_channels(settings)
    built.append(channels)

    results = {name: channel.send(message()) for name, channel in channels.items()}

    assert {name: result.ok for name, result in results.items()} == {"teams": True, "email": True}
    [request] = teams_receiver.wait_for(1)
    assert (
        request.json["attachments"][0]["content"]["actions"][0]["url"] == "http://holdoff.local/ui/alerts/42"
    )
    [mail] = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ["oncall@example.com"]


def test_the_channel_timeout_setting_is_used(
    teams_receiver: TeamsReceiver, built: list[dict[str, Channel]]
) -> None:
    teams_receiver.delay(3)
    channels = build_channels(_settings(teams_webhook_url=teams_receiver.url, channel_timeout_seconds=0.25))
    built.append(channels)

    result = channels["teams"].send(message())

    assert result.retryable
    assert result.error is not None and result.error.startswith("timed out after 0.25s")
