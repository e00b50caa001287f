"""The rules the core applies: the default route (grace window, channels, grouping) and the routing tree,
flapping, inhibition and noise rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from types import MappingProxyType

from holdoff.mediate import routing
from holdoff.mediate.flapping import FlapPolicy
from holdoff.mediate.grouping import Grouping
from holdoff.mediate.inhibit import InhibitRule
from holdoff.mediate.model import AlertRecord, NotificationKind, Notify
from holdoff.mediate.noise import NoiseRule
from holdoff.mediate.quiet import QuietHours
from holdoff.mediate.routing import Plan, Route
from holdoff.mediate.silence import match_labels

DEFAULT_CHANNELS: Mapping[NotificationKind, tuple[str, ...]] = MappingProxyType(
    {
        NotificationKind.TRANSIENT_RESOLVED: ("teams",),
        NotificationKind.ESCALATED: ("email", "teams"),
        NotificationKind.RESOLVED: ("email", "teams"),
    }
)

DEFAULT_DIGEST_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class Policy:
    """Everything :func:`holdoff.mediate.engine.decide` and :mod:`holdoff.mediate.grouping` apply."""

    grace: timedelta = timedelta(minutes=10)
    channels: Mapping[NotificationKind, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CHANNELS)
    routes: tuple[Route, ...] = ()
    """Children of the default route, tried in order (see :mod:`holdoff.mediate.routing`)."""
    grouping: Grouping | None = None
    """The default route's grouping; None: every alert is its own incident."""
    transient_digest: bool = False
    """The default route collects "resolved on its own" posts into the digest instead of one each."""
    quiet_hours: QuietHours | None = None
    """The default route's quiet hours."""
    flapping: FlapPolicy = field(default_factory=FlapPolicy)
    inhibit_rules: tuple[InhibitRule, ...] = ()
    noise_rules: tuple[NoiseRule, ...] = ()
    """Company policy: alerts never to notify about, to collect into a digest, or to notify at
    another severity."""
    digest_interval: timedelta = DEFAULT_DIGEST_INTERVAL
    """How often a channel's digest goes out (when it has anything in it)."""

    @cached_property
    def root(self) -> Route:
        return Route(
            "default",
            grace=self.grace,
            channels=self.channels,
            children=self.routes,
            grouping=self.grouping,
            transient_digest=self.transient_digest,
            quiet_hours=self.quiet_hours,
        )

    @cached_property
    def _flat(self) -> Plan:
        return routing.plan(self.root, {})

    def plan(self, alert: AlertRecord) -> Plan:
        if not self.routes:
            return self._flat
        return routing.plan(self.root, match_labels(alert))

    def notify(self, kind: NotificationKind, alert: AlertRecord) -> tuple[Notify, ...]:
        channels = self.plan(alert).channels.get(kind, ())
        return (Notify(kind, channels),) if channels else ()
