"""Which channels exist, from the ``channels:`` entries, and how to say so at start-up without leaking
secrets.

Every channel is built and described through the plugin shape of the channel table
(:mod:`holdoff.notify.catalog`), whatever its type; Teams and email from the POC's flat names are
entries like any other (:mod:`holdoff.settings.flat`). A new channel type needs nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from holdoff.notify.catalog import AnyChannelConfig, as_plugin
from holdoff.notify.channel import Channel
from holdoff.notify.templates import Templates

NOT_CONFIGURED = {
    "teams": "teams: not configured (set TEAMS_WEBHOOK_URL) — transient resolutions will not be posted",
    "email": "email: not configured (set EMAIL_TO and EMAIL_FROM) — nothing will be sent by email",
}
"""What the start-up log says of a channel the default route sends to when it is not configured."""


def build_channels(configs: Sequence[AnyChannelConfig], templates_dir: Path | None) -> dict[str, Channel]:
    """The configured channels by name; a channel that is not configured is absent, not broken."""
    templates = Templates(templates_dir)
    return {config.name: as_plugin(config).build(templates) for config in configs}


def describe_channels(configs: Sequence[AnyChannelConfig]) -> list[str]:
    """One line per channel for the start-up log: where messages go, or what to set to enable it."""
    by_name = {config.name: config for config in configs}
    lines = [
        f"{name}: {as_plugin(by_name[name]).describe()}" if name in by_name else text
        for name, text in NOT_CONFIGURED.items()
    ]
    lines += [
        f"{config.name}: {as_plugin(config).describe()}"
        for config in configs
        if config.name not in NOT_CONFIGURED
    ]
    return lines
