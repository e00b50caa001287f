"""Which channels exist, from the settings, and how to say so at start-up without leaking secrets.

Every channel of ``channels:`` is built and described through the plugin shape of the channel table
(:mod:`holdoff.notify.catalog`), whatever its type: a new channel type needs nothing here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from holdoff.notify.catalog import as_plugin
from holdoff.notify.channel import Channel
from holdoff.notify.email import EmailChannel
from holdoff.notify.teams import TeamsChannel, describe_host
from holdoff.notify.templates import Templates
from holdoff.settings import Settings


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name; a channel that is not configured is absent, not broken."""
    channels: dict[str, Channel] = {}
    if settings.teams_webhook_url is not None:
        channels[TeamsChannel.name] = TeamsChannel.from_settings(settings)
    if settings.email_to:
        channels[EmailChannel.name] = EmailChannel.from_settings(settings)
    templates = Templates(settings.templates_dir)
    for config in settings.channels:
        plugin = as_plugin(config)
        channels[plugin.name] = plugin.build(templates)
    return channels


def describe_channels(settings: Settings) -> list[str]:
    """One line per channel for the start-up log: where messages go, or what to set to enable it."""
    lines = [_describe_teams(settings), _describe_email(settings)]
    lines += [f"{config.name}: {as_plugin(config).type}{_where(config)}" for config in settings.channels]
    return lines


def _where(config: BaseModel) -> str:
    """The hosts a channel talks to, never a secret (URLs are cut to their host)."""
    hosts: list[str] = []
    for name, value in config:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()  # only the host is shown
        if name.endswith("url") and isinstance(value, str) and "//" in value:
            host = urlsplit(value).hostname or "?"
            if host not in hosts:
                hosts.append(host)
        elif name == "host" and isinstance(value, str):
            hosts.append(value)
    return f" ({', '.join(hosts)})" if hosts else ""


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
