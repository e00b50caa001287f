"""Each configured channel with what it takes and how its deliveries are going."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from holdoff.notify.channel import Channel
from holdoff.settings import Settings
from holdoff.store import delivery_health
from holdoff.store.db import Database


class Health(enum.StrEnum):
    OK = "ok"
    """Its last delivery attempt succeeded."""
    FAILING = "failing"
    """Its last delivery attempt failed."""
    UNKNOWN = "unknown"
    """Nothing has been sent through it yet."""


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    type: str
    kinds: list[str] | None
    rate_per_second: float | None
    health: Health
    deliveries: delivery_health.ChannelDeliveries


def _types(settings: Settings) -> dict[str, str]:
    types = {"teams": "teams", "email": "email"}  # the built-in channels, configured by their own settings
    types.update({config.name: config.type for config in settings.channels})
    return types


def channel_statuses(
    db: Database, settings: Settings, channels: Mapping[str, Channel]
) -> list[ChannelStatus]:
    """Every configured channel, by name."""
    with db.read() as conn:
        seen = delivery_health.by_channel(conn)
    types = _types(settings)
    found = []
    for name in sorted(channels):
        channel = channels[name]
        deliveries = seen.get(name, delivery_health.ChannelDeliveries(channel=name))
        if deliveries.last_ok is None:
            health = Health.UNKNOWN
        else:
            health = Health.OK if deliveries.last_ok else Health.FAILING
        found.append(
            ChannelStatus(
                name=name,
                type=types.get(name, type(channel).__name__),
                kinds=sorted(kind.value for kind in channel.kinds) if channel.kinds is not None else None,
                rate_per_second=channel.rate_per_second,
                health=health,
                deliveries=deliveries,
            )
        )
    return found
