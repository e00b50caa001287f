"""Which channels exist, from the settings, and how to say so at start-up without leaking secrets."""

from __future__ import annotations

from holdoff.notify.channel import Channel
from holdoff.notify.email import EmailChannel
from holdoff.notify.teams import TeamsChannel, describe_host
from holdoff.settings import Settings


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name; a channel that is not configured is absent, not broken."""
    channels: dict[str, Channel] = {}
    if settings.teams_webhook_url is not None:
        channels[TeamsChannel.name] = TeamsChannel.from_settings(settings)
    if settings.email_to:
        channels[EmailChannel.name] = EmailChannel.from_settings(settings)
    return channels


def describe_channels(settings: Settings) -> list[str]:
    """One line per channel for the start-up log: where messages go, or what to set to enable it."""
    return [_describe_teams(settings), _describe_email(settings)]


def _describe_teams(settings: Settings) -> str:
    if settings.teams_webhook_url is None:
        return "teams: not configured (set TEAMS_WEBHOOK_URL) — transient resolutions will not be posted"
    host = describe_host(settings.teams_webhook_url.get_secret_value())
    return f"teams: Workflows webhook on {host}"


def _describe_email(settings: Settings) -> str:
    if not settings.email_to:
        return "email: not configured (set EMAIL_TO and EMAIL_FROM) — nothing will be sent by email"
    if settings.smtp_ssl:
        security = "SSL"
    elif settings.smtp_starttls:
        security = "STARTTLS"
    else:
        security = "no TLS"
    login = f", login as {settings.smtp_username}" if settings.smtp_username else ""
    recipients = ", ".join(settings.email_to)
    return (
        f"email: SMTP {settings.smtp_host}:{settings.smtp_port} ({security}{login}) "
        f"from {settings.email_from} to {recipients}"
    )
