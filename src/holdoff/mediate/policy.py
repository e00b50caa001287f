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
from holdoff.mediate.noise import NoiseAction, NoiseRule
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
PLAN_CACHE_SIZE = 16_384


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
    def severity_rules(self) -> tuple[NoiseRule, ...]:
        """The noise rules that override severity (most policies have none: then nothing is checked)."""
        return tuple(rule for rule in self.noise_rules if rule.action is NoiseAction.SEVERITY)

    @cached_property
    def _flat(self) -> Plan:
        return routing.plan(self.root, {})

    @cached_property
    def _plans(self) -> dict[int, tuple[dict[str, str], Plan]]:
        return {}

    @cached_property
    def _plans_by_labels(self) -> dict[frozenset[tuple[str, str]], Plan]:
        return {}

    def plan(self, alert: AlertRecord) -> Plan:
        """The routes' decision for ``alert``; kept per labels (the core asks several times per event)."""
        if not self.routes:
            return self._flat
        labels = match_labels(alert)
        plans = self._plans
        hit = plans.get(id(labels))
        if hit is not None and hit[0] is labels:
            return hit[1]
        by_labels = self._plans_by_labels
        key = frozenset(labels.items())
        plan = by_labels.get(key)
        if plan is None:
            plan = routing.plan(self.root, labels)
            if len(by_labels) >= PLAN_CACHE_SIZE:
                by_labels.clear()
            by_labels[key] = plan
        if len(plans) >= PLAN_CACHE_SIZE:
            plans.clear()
        plans[id(labels)] = (labels, plan)
        return plan

    def notify(self, kind: NotificationKind, alert: AlertRecord) -> tuple[Notify, ...]:
        channels = self.plan(alert).channels.get(kind, ())
        return (Notify(kind, channels),) if channels else ()
