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
from holdoff.mediate.grouping import ALL_LABELS, Grouping, group_key
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
FACTS_CACHE_SIZE = 16_384


@dataclass(frozen=True)
class Facts:
    """What the policy says about one label set."""

    plan: Plan
    drop: NoiseRule | None
    """The first ``drop`` or ``digest`` noise rule that matches."""
    severity: NoiseRule | None
    """The first ``severity`` noise rule that matches."""
    inhibited_by_keys: frozenset[str]
    """Inhibit keys that, held by another open alert, mute this one."""
    inhibits_keys: frozenset[str]
    """Inhibit keys this alert holds while it is open."""
    group_key: str | None = None
    """The key of the incident group it joins (:func:`~holdoff.mediate.grouping.group_key`); None when its
    route does not group."""


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
    def _facts(self) -> dict[int, tuple[dict[str, str], str, str, Facts]]:
        return {}

    @cached_property
    def _facts_by_labels(self) -> dict[object, Facts]:
        return {}

    @cached_property
    def _deciding_labels(self) -> tuple[str, ...] | None:
        """The labels any route, rule or grouping looks at: label sets that agree on these get the same
        facts. None when some grouping uses every label (then the whole label set decides)."""
        names: set[str] = set()
        stack = [self.root]
        while stack:
            route = stack.pop()
            if route.grouping is not None:
                if ALL_LABELS in route.grouping.by:
                    return None
                names.update(route.grouping.by)
            names.update(matcher.name for matcher in route.matchers)
            stack.extend(route.children)
        for rule in self.noise_rules:
            names.update(matcher.name for matcher in rule.matchers)
        for inhibit in self.inhibit_rules:
            names.update(matcher.name for matcher in (*inhibit.source, *inhibit.target))
            names.update(inhibit.equal)
        return tuple(sorted(names))

    @cached_property
    def _plans(self) -> dict[tuple[routing.Path, ...], Plan]:
        """Plans by the routes that match: label sets that match the same routes share one plan."""
        return {}

    def facts(self, alert: AlertRecord) -> Facts:
        """What the policy says about ``alert``'s labels, kept per label set: one event asks several
        times, and an alert's labels rarely change between events (an unchanged label set keeps its
        dict, so the first lookup is by identity; the entry holds the dict, so its id is not reused).
        Behind it, facts are kept by the values of the labels the policy looks at, so alerts that differ
        only in other labels (instance, pod ...) share them."""
        labels = alert.labels
        cache = self._facts
        hit = cache.get(id(labels))
        if hit is not None and hit[0] is labels and hit[1] == alert.name and hit[2] == alert.source:
            return hit[3]
        matched = match_labels(alert)
        by_labels = self._facts_by_labels
        deciding = self._deciding_labels
        key: object = (
            tuple([matched.get(name, "") for name in deciding])
            if deciding is not None
            else frozenset(matched.items())
        )
        facts = by_labels.get(key)
        if facts is None:
            facts = self._work_out(matched)
            if len(by_labels) >= FACTS_CACHE_SIZE:
                by_labels.clear()
            by_labels[key] = facts
        if len(cache) >= FACTS_CACHE_SIZE:
            cache.clear()
        cache[id(labels)] = (labels, alert.name, alert.source, facts)
        return facts

    def _work_out(self, labels: dict[str, str]) -> Facts:
        plan = self._flat
        if self.routes:
            paths = routing.matching(self.root, labels)
            plan = self._plans.get(paths) or self._plans.setdefault(paths, routing.plan_of(self.root, paths))
        silencing = (NoiseAction.DROP, NoiseAction.DIGEST)
        rules = self.noise_rules
        return Facts(
            plan=plan,
            drop=next((r for r in rules if r.action in silencing and r.matches_labels(labels)), None),
            severity=next((r for r in self.severity_rules if r.matches_labels(labels)), None),
            inhibited_by_keys=frozenset(
                key for rule in self.inhibit_rules if (key := rule.target_key_of(labels)) is not None
            ),
            inhibits_keys=frozenset(
                key for rule in self.inhibit_rules if (key := rule.source_key_of(labels)) is not None
            ),
            group_key=group_key(plan.group_route, plan.grouping.labels(labels)) if plan.grouping else None,
        )

    def plan(self, alert: AlertRecord) -> Plan:
        """The routes' decision for ``alert``."""
        if not self.routes:
            return self._flat
        return self.facts(alert).plan

    def inhibitor_keys(self, alert: AlertRecord) -> frozenset[str]:
        """The inhibit keys an alert holds: those of the rules whose source it matches, while it is open."""
        if not alert.is_open or not self.inhibit_rules:
            return frozenset()
        return self.facts(alert).inhibits_keys

    def acknowledge(self, alert: AlertRecord) -> tuple[Notify, ...]:
        """Where an acknowledgement goes: the route's ``acknowledged`` channels if it names them, else
        every channel the escalation could have gone to (its ``escalated`` channels and chain steps)."""
        plan = self.plan(alert)
        channels = plan.channels.get(NotificationKind.ACKNOWLEDGED)
        if channels is None:
            found = list(plan.channels.get(NotificationKind.ESCALATED, ()))
            for step in plan.chain.steps if plan.chain is not None else ():
                found += [c for c in step.channels if c not in found]
            channels = tuple(found)
        return (Notify(NotificationKind.ACKNOWLEDGED, channels),) if channels else ()

    def notify(self, kind: NotificationKind, alert: AlertRecord) -> tuple[Notify, ...]:
        return self.plan(alert).notify(kind)
