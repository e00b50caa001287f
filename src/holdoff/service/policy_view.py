"""The running policy described for people, and a candidate configuration checked without applying it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from holdoff.mediate.policy import Policy
from holdoff.policy.config import RouteConfig
from holdoff.policy.describe import describe_policy, describe_routes
from holdoff.policy.section import build_policy
from holdoff.settings import Settings, load_settings
from holdoff.settings.file import ConfigError

CANDIDATE_NAME = "policy.yaml"
"""What validation errors call the checked text (``policy.yaml line 7: ...``)."""


@dataclass(frozen=True)
class RouteView:
    name: str
    match: str
    grace_seconds: float | None
    continue_matching: bool
    group_by: list[str] | None
    channels: dict[str, list[str]] | None
    escalation_steps: int
    routes: list[RouteView]


@dataclass(frozen=True)
class GroupingView:
    by: list[str]
    wait_seconds: float
    interval_seconds: float


@dataclass(frozen=True)
class PolicyView:
    grace_seconds: float
    routes: list[RouteView]
    route_count: int
    grouping: GroupingView | None
    quiet_hours: bool
    digest_interval_seconds: float
    transient_digest: bool
    inhibit_rules: int
    noise_rules: int
    flapping_threshold: int
    lines: list[str]
    """The route tree and the policy as ``holdoff check-config`` prints them."""


def _route(config: RouteConfig) -> RouteView:
    return RouteView(
        name=config.name,
        match="{" + ", ".join(str(m) for m in config.match) + "}",
        grace_seconds=config.grace.total_seconds() if config.grace is not None else None,
        continue_matching=config.continue_,
        group_by=list(config.group_by) if config.group_by is not None else None,
        channels={kind.value: list(names) for kind, names in config.channels.items()}
        if config.channels is not None
        else None,
        escalation_steps=len(config.escalation.steps) if config.escalation is not None else 0,
        routes=[_route(child) for child in config.routes],
    )


def _count(routes: list[RouteView]) -> int:
    return sum(1 + _count(route.routes) for route in routes)


def describe(settings: Settings, policy: Policy) -> PolicyView:
    """The policy built from ``settings`` (the running one, or a candidate)."""
    routes = [_route(config) for config in settings.policy.routes]
    grouping = policy.grouping
    return PolicyView(
        grace_seconds=policy.grace.total_seconds(),
        routes=routes,
        route_count=_count(routes),
        grouping=GroupingView(
            list(grouping.by), grouping.wait.total_seconds(), grouping.interval.total_seconds()
        )
        if grouping is not None and grouping.by
        else None,
        quiet_hours=policy.quiet_hours is not None,
        digest_interval_seconds=policy.digest_interval.total_seconds(),
        transient_digest=policy.transient_digest,
        inhibit_rules=len(policy.inhibit_rules),
        noise_rules=len(policy.noise_rules),
        flapping_threshold=policy.flapping.threshold if policy.flapping.enabled else 0,
        lines=[
            *(f"route {line}" for line in describe_routes(settings.policy.routes)),
            *describe_policy(policy),
        ],
    )


def validate_yaml(text: str, load: Callable[[Path], Settings] | None = None) -> PolicyView:
    """Check a configuration file's text as ``holdoff serve --config`` would read it; raises
    :class:`ConfigError` naming each problem and its line. Nothing is applied.

    ``load`` reads a configuration file as the running service does (its ``--env-file`` and command-line
    values); without it, the process environment and /etc/holdoff.env apply."""
    with tempfile.TemporaryDirectory(prefix="holdoff-validate-") as directory:
        path = Path(directory) / CANDIDATE_NAME
        path.write_text(text, encoding="utf-8")
        try:
            settings = load(path) if load is not None else load_settings(config_file=path)
            policy = build_policy(settings.policy, settings.delivery.fallback_channel)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(str(path), CANDIDATE_NAME)) from exc
        except ValueError as exc:  # a policy that validates field by field but cannot be built
            raise ConfigError(f"{CANDIDATE_NAME}: {exc}") from exc
    return describe(settings, policy)
