"""The routing tree: which grace window and which channels apply to an alert, by its labels.

Semantics follow Alertmanager's routes: the root matches every alert; its children are tried in
order and the first that matches takes the alert, unless it says ``continue``, in which case the
next siblings are tried too; a route whose children do not match handles the alert itself. A child
inherits every setting it does not set from its parent.

When ``continue`` makes several routes match, the alert is held for the shortest of their grace
windows and each message goes to every channel any of them names for that kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from holdoff.mediate.chain import EscalationChain
from holdoff.mediate.grouping import Grouping
from holdoff.mediate.maintenance import MaintenanceWindow
from holdoff.mediate.matchers import Matcher, MatchType, matches_all
from holdoff.mediate.model import ERROR_LOGS_LABEL, NotificationKind, Notify
from holdoff.mediate.quiet import QuietHours


@dataclass(frozen=True)
class Plan:
    """What the matched route(s) decide for one alert."""

    grace: timedelta
    channels: Mapping[NotificationKind, tuple[str, ...]]
    routes: tuple[str, ...] = ()
    """Names of the routes that matched, for the timeline."""
    maintenance: tuple[MaintenanceWindow, ...] = ()
    """Windows of the matched routes during which their alerts are not notified."""
    chain: EscalationChain | None = None
    """The escalation chain of the first matched route that has one."""
    grouping: Grouping | None = None
    """How the first matched route that groups puts alerts into incidents; None: one incident per alert."""
    group_route: str = "default"
    """The route whose grouping applies (part of the incident's key)."""
    transient_digest: bool = False
    """Collect "resolved on its own" posts into the digest (any matched route that says so)."""
    quiet_hours: tuple[QuietHours, ...] = ()

    @cached_property
    def _notices(self) -> dict[tuple[NotificationKind, bool], tuple[Notify, ...]]:
        return {}

    def notify(self, kind: NotificationKind, *, digest: bool = False) -> tuple[Notify, ...]:
        """The message of ``kind`` on this plan's channels for it (none if it names none); ``digest``:
        collected into the channels' digests. Kept per plan: many alerts share one."""
        key = (kind, digest)
        notices = self._notices.get(key)
        if notices is None:
            channels = self.channels.get(kind, ())
            notices = self._notices[key] = (Notify(kind, channels, digest=digest),) if channels else ()
        return notices


@dataclass(frozen=True)
class Route:
    """One node of the tree. ``None`` settings (and message kinds it leaves out of ``channels``) are
    inherited from the parent."""

    name: str
    matchers: tuple[Matcher, ...] = ()
    grace: timedelta | None = None
    channels: Mapping[NotificationKind, tuple[str, ...]] | None = None
    continue_matching: bool = False
    children: tuple[Route, ...] = field(default_factory=tuple)
    maintenance: tuple[MaintenanceWindow, ...] | None = None
    chain: EscalationChain | None = None
    grouping: Grouping | None = None
    """None: inherit the parent's; a grouping with no labels: every alert is its own incident."""
    transient_digest: bool | None = None
    quiet_hours: QuietHours | None = None

    def resolved(self, parent: Route) -> Route:
        """This route with what it leaves unset taken from ``parent`` (already resolved)."""
        return Route(
            name=self.name,
            matchers=self.matchers,
            grace=self.grace if self.grace is not None else parent.grace,
            channels=_merge(parent.channels, self.channels),
            continue_matching=self.continue_matching,
            children=self.children,
            maintenance=self.maintenance if self.maintenance is not None else parent.maintenance,
            chain=self.chain if self.chain is not None else parent.chain,
            grouping=self.grouping if self.grouping is not None else parent.grouping,
            transient_digest=self.transient_digest
            if self.transient_digest is not None
            else parent.transient_digest,
            quiet_hours=self.quiet_hours if self.quiet_hours is not None else parent.quiet_hours,
        )


def _merge(
    parent: Mapping[NotificationKind, tuple[str, ...]] | None,
    own: Mapping[NotificationKind, tuple[str, ...]] | None,
) -> Mapping[NotificationKind, tuple[str, ...]] | None:
    """A route's channels per kind: its own where it names them, its parent's for the other kinds."""
    if own is None or parent is None:
        return own if own is not None else parent
    return {**parent, **own}


def error_logs_matcher(found: bool) -> Matcher:
    """The route condition "error logs were found" (``found``) or "the logs were read and had none"."""
    return Matcher(ERROR_LOGS_LABEL, MatchType.EQUAL, "true" if found else "false")


def with_evidence(labels: Mapping[str, str], error_logs: bool | None) -> dict[str, str]:
    """``labels`` as the decision sees them with what the evidence says (None: unknown, left out)."""
    seen = {name: value for name, value in labels.items() if name != ERROR_LOGS_LABEL}
    if error_logs is not None:
        seen[ERROR_LOGS_LABEL] = "true" if error_logs else "false"
    return seen


Path = tuple[int, ...]
"""A matched route as the child indices leading to it from the root (``()``: the root itself)."""


def matching(root: Route, labels: Mapping[str, str]) -> tuple[Path, ...]:
    """The routes that handle ``labels``, as paths from ``root``: many label sets share the same paths,
    so what is worked out from them (:func:`plan_of`) can be kept per paths."""
    return tuple(_matching(root, labels, ()))


def _matching(route: Route, labels: Mapping[str, str], path: Path) -> list[Path]:
    """The routes that handle ``labels`` below (and including) an already matching ``route``."""
    found: list[Path] = []
    for index, child in enumerate(route.children):
        if not matches_all(child.matchers, labels):
            continue
        found.extend(_matching(child, labels, (*path, index)))
        if not child.continue_matching:
            break
    return found or [path]


def _resolve(root: Route, path: Path) -> Route:
    """The route at ``path`` with every setting it leaves unset inherited from its ancestors."""
    route = root
    for index in path:
        route = route.children[index].resolved(route)
    return route


def plan_of(root: Route, paths: tuple[Path, ...]) -> Plan:
    """The grace window and channels when the routes at ``paths`` (from :func:`matching`) handle an alert."""
    if root.grace is None or root.channels is None:
        raise ValueError("the root route must set grace and channels")
    matched = [_resolve(root, path) for path in paths]
    channels: dict[NotificationKind, tuple[str, ...]] = {}
    for route in matched:
        assert route.channels is not None
        for kind, names in route.channels.items():
            merged = channels.get(kind, ())
            channels[kind] = merged + tuple(name for name in names if name not in merged)
    graces = [route.grace for route in matched if route.grace is not None]
    windows = tuple(w for route in matched for w in (route.maintenance or ()))
    chain = next((route.chain for route in matched if route.chain is not None), None)
    grouped = next((route.grouping for route in matched if route.grouping is not None), None)
    group_route = next((route.name for route in matched if route.grouping is not None), "default")
    return Plan(
        grace=min(graces),
        channels=channels,
        routes=tuple(route.name for route in matched),
        maintenance=windows,
        chain=chain,
        grouping=grouped if grouped is not None and grouped.by else None,
        group_route=group_route,
        transient_digest=any(route.transient_digest for route in matched),
        quiet_hours=tuple(route.quiet_hours for route in matched if route.quiet_hours is not None),
    )


def plan(root: Route, labels: Mapping[str, str]) -> Plan:
    """The grace window and channels for an alert with these labels."""
    return plan_of(root, matching(root, labels))
