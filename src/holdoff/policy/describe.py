"""The running policy in lines people read: ``check-config``, the dashboard's policy page and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from holdoff.mediate.durations import humanize

if TYPE_CHECKING:
    from holdoff.mediate.policy import Policy
    from holdoff.policy.config import RouteConfig


def describe_routes(configs: list[RouteConfig], depth: int = 0) -> list[str]:
    """One line per route for ``holdoff check-config``, indented by depth."""
    lines = []
    for config in configs:
        matchers = ", ".join(str(m) for m in config.match)
        grace = f" grace {humanize(config.grace)}" if config.grace is not None else ""
        more = " (continue)" if config.continue_ else ""
        if config.group_by is not None:
            more += f" group by {', '.join(config.group_by) or 'nothing (one incident per alert)'}"
        lines.append(f"{'  ' * depth}{config.name}: {{{matchers}}}{grace}{more}")
        lines.extend(describe_routes(config.routes, depth + 1))
    return lines


def describe_policy(policy: Policy) -> list[str]:
    """The default route's grouping, quiet hours and digest, and the rule counts, for ``check-config``."""
    grouping = policy.grouping
    if grouping is None or not grouping.by:
        lines = ["grouping: none (every alert is its own incident)"]
    else:
        lines = [
            f"grouping: by {', '.join(grouping.by)} (first message after {humanize(grouping.wait)}, "
            f"then at most every {humanize(grouping.interval)})"
        ]
    if policy.quiet_hours is not None:
        window = policy.quiet_hours.window
        pages = ", ".join(sorted(s.value for s in policy.quiet_hours.page))
        lines.append(
            f"quiet hours: {window.cron} for {humanize(window.duration)} ({window.timezone}); {pages} still page"
        )
    transients = "digest" if policy.transient_digest else "one post each"
    lines.append(f"digest: every {humanize(policy.digest_interval)}; transient posts: {transients}")
    lines.append(
        f"rules: {len(policy.inhibit_rules)} inhibit, {len(policy.noise_rules)} noise; "
        f"flapping {'off' if not policy.flapping.enabled else f'at {policy.flapping.threshold} re-triggers'}"
    )
    return lines
