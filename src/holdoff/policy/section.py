"""The ``policy:`` section: how long alerts are held, how they group, route, escalate and are damped.

A reload (``POST /admin/reload``, SIGHUP) applies this whole section at once; every other section
needs a restart. :func:`build_policy` turns it into the core's :class:`~holdoff.mediate.policy.Policy`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from holdoff.mediate.grouping import Grouping
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import NotificationKind
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route
from holdoff.policy.config import (
    DigestConfig,
    Duration,
    FlappingConfig,
    GroupingFields,
    InhibitRuleConfig,
    LabelName,
    NoiseRuleConfig,
    QuietHoursConfig,
    RouteConfig,
    check_tree,
    to_routes,
)

Loc = tuple[str | int, ...]


class PolicySection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grace_seconds: float = Field(
        default=600.0, ge=0, le=7 * 86_400, description="How long an alert is held before it pages."
    )
    group_by: list[LabelName] | None = Field(
        default=None, description="Default route: labels whose equal values make one incident ('...': all)."
    )
    group_wait: Duration | None = Field(default=None, description="Default route: first message wait (30s).")
    group_interval: Duration | None = Field(
        default=None, description="Default route: time between an incident's messages (5m)."
    )
    transient: Literal["notify", "digest"] = Field(
        default="notify", description="Default route: 'resolved on its own' posts, one each or in the digest."
    )
    quiet_hours: QuietHoursConfig | None = Field(default=None, description="Default route's quiet hours.")
    digest: DigestConfig = Field(default_factory=DigestConfig, description="How often digests go out.")
    routes: Annotated[list[RouteConfig], AfterValidator(check_tree)] = Field(
        default_factory=list, description="Routing tree; see holdoff.policy.config."
    )
    flapping: FlappingConfig = Field(
        default_factory=FlappingConfig, description="Flapping detection and damping."
    )
    inhibit_rules: list[InhibitRuleConfig] = Field(
        default_factory=list, description="Mute target alerts while a source alert fires."
    )
    noise_rules: list[NoiseRuleConfig] = Field(
        default_factory=list, description="Drop or re-grade alerts by matchers."
    )

    @field_validator("group_wait", "group_interval")
    @classmethod
    def _group_timer_bounds(cls, value: timedelta | None) -> timedelta | None:
        return GroupingFields.check_group_timer(value)

    @property
    def grace(self) -> timedelta:
        return timedelta(seconds=self.grace_seconds)

    def channel_references(self) -> Iterator[tuple[Loc, list[str]]]:
        """Where this section names channels (its location inside the section, and the names), so
        they can be checked once every channel is known."""
        yield from _route_references(self.routes, ("routes",))


def _route_references(routes: list[RouteConfig], at: Loc) -> Iterator[tuple[Loc, list[str]]]:
    for index, route in enumerate(routes):
        here = (*at, index)
        for kind, names in (route.channels or {}).items():
            yield (*here, "channels", kind.value), names
        if route.escalation is not None:
            for step_index, step in enumerate(route.escalation.steps):
                yield (*here, "escalation", "steps", step_index, "channels"), step.channels
        yield from _route_references(route.routes, (*here, "routes"))


def _channel_failing_route(fallback: str) -> Route:
    """Alerts Holdoff raises about itself (a channel failing) go to the fallback channel at once."""
    kinds = (NotificationKind.ESCALATED, NotificationKind.RESOLVED, NotificationKind.REMINDER)
    return Route(
        "holdoff-internal",
        matchers=parse_matchers('{source="holdoff"}'),
        grace=timedelta(0),
        channels={kind: (fallback,) for kind in kinds} | {NotificationKind.TRANSIENT_RESOLVED: ()},
        grouping=Grouping(()),
        maintenance=(),
    )


def build_policy(policy: PolicySection, fallback_channel: str | None = None) -> Policy:
    """The core's :class:`~holdoff.mediate.policy.Policy` from the ``policy:`` section (and
    ``delivery.fallback_channel``, which hears about failing channels)."""
    grouping = GroupingFields(
        group_by=policy.group_by, group_wait=policy.group_wait, group_interval=policy.group_interval
    ).grouping(None)
    routes = to_routes(policy.routes, grouping)
    if fallback_channel is not None:
        routes = (_channel_failing_route(fallback_channel), *routes)
    return Policy(
        grace=policy.grace,
        routes=routes,
        grouping=grouping,
        transient_digest=policy.transient == "digest",
        quiet_hours=policy.quiet_hours.to_quiet_hours() if policy.quiet_hours is not None else None,
        digest_interval=policy.digest.interval,
        flapping=policy.flapping.to_policy(),
        inhibit_rules=tuple(rule.to_rule() for rule in policy.inhibit_rules),
        noise_rules=tuple(rule.to_rule() for rule in policy.noise_rules),
    )
