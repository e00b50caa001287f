"""The ``policy:`` section's parts (``routes``, ``flapping``, ``noise_rules`` ...), validated and turned
into the core's rules (the section itself is :mod:`holdoff.policy.section`).

```yaml
policy:
  grace_seconds: 600                  # the default hold before an alert pages
  routes:
    - name: payments
      match: '{team="payments"}'        # one matcher set, or a list of matcher strings
      grace: 5m                         # 90s, 5m, 1h30m, or seconds
      channels:                         # per message kind; omitted kinds keep the parent's channels
        escalated: [email, teams]
        transient_resolved: []          # an empty list sends nothing of that kind
      continue: false                   # also try the next sibling routes
      escalation:                       # until someone acknowledges: step by step, `repeat` rounds
        steps:
          - {channels: [email, teams], wait: 10m}
          - {channels: [email], wait: 20m}
        repeat: 2
      maintenance:                      # recurring windows: stored and shown, not notified
        - name: sunday-patching
          cron: "0 2 * * SUN"
          duration: 2h
          timezone: Europe/Berlin
      group_by: [alertname, cluster]    # alerts with equal values of these labels form one incident
      group_wait: 30s                   # an incident's first message waits for more alerts to join
      group_interval: 5m                # at least this long between two messages of one incident
      transient: digest                 # "resolved on its own" posts go to the digest (default: notify)
      quiet_hours:                      # only `page` severities page; others wait for the end
        cron: "0 22 * * *"
        duration: 9h
        timezone: Europe/Berlin
        page: [critical]
      error_logs: true                  # evidence: only when error logs were found (false: none found)
      routes: []                        # children, tried in order

  flapping:                             # re-triggers within window; transient posts summarised once per period
    threshold: 3
    window: 30m
    period: 1h

  inhibit_rules:                        # while a source alert fires, mute matching targets with equal labels
    - name: node-down-mutes-its-services
      source_match: '{alertname="NodeDown"}'
      target_match: '{severity=~"warning|high"}'
      equal: [instance]

  digest:
    interval: 1h                        # how often a channel's digest goes out, when it has anything

  noise_rules:
    - name: never-page-debug
      match: '{severity="low"}'
      action: drop                      # stored and shown, never notified
    - name: certificates-weekly
      match: '{alertname="CertificateExpiresSoon"}'
      action: digest                    # collected into each channel's periodic digest
    - name: cpu-is-a-warning
      match: '{alertname=~"CPU.*"}'
      action: severity
      severity: warning
```
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from holdoff.mediate.chain import ChainStep, EscalationChain
from holdoff.mediate.durations import parse_duration
from holdoff.mediate.flapping import FlapPolicy
from holdoff.mediate.grouping import ALL_LABELS, Grouping
from holdoff.mediate.inhibit import InhibitRule
from holdoff.mediate.maintenance import MaintenanceWindow
from holdoff.mediate.matchers import Matcher, MatcherError, parse_matchers
from holdoff.mediate.model import NotificationKind, Severity
from holdoff.mediate.noise import NoiseAction, NoiseRule
from holdoff.mediate.quiet import QuietHours
from holdoff.mediate.routing import Route, error_logs_matcher

MAX_DEPTH = 10


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _matchers(value: Any) -> Any:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ValueError("match must be a matcher string like '{team=\"payments\"}' or a list of them")
    try:
        return tuple(m for text in texts for m in parse_matchers(text))
    except MatcherError as exc:
        raise ValueError(str(exc)) from None


Matchers = Annotated[tuple[Matcher, ...], BeforeValidator(_matchers)]
"""Matchers written as ``'{team="payments", severity=~"critical|high"}'`` or a list of such strings."""


class MaintenanceConfig(BaseModel):
    """A recurring maintenance window on a route: ``cron`` (five fields) starts it, ``duration`` ends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    cron: str = Field(max_length=200, description='e.g. "0 2 * * SUN" (Sundays 02:00)')
    duration: Duration
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        try:
            CronSim(value, datetime.now(UTC))
        except CronSimError as exc:
            raise ValueError(f"{value!r} is not a cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use e.g. UTC or Europe/Berlin)") from None
        return value

    @field_validator("duration")
    @classmethod
    def _duration_bounds(cls, value: timedelta) -> timedelta:
        if not timedelta(0) < value <= timedelta(days=7):
            raise ValueError("a maintenance window lasts more than 0 and at most 7 days")
        return value

    def to_window(self) -> MaintenanceWindow:
        return MaintenanceWindow(self.name, self.cron, self.duration, self.timezone)


class QuietHoursConfig(MaintenanceConfig):
    """``quiet_hours:`` on a route: when they start (cron) and how long they last; ``page`` lists the
    severities that still page during them."""

    name: str = Field(default="quiet hours", min_length=1, max_length=100)
    page: frozenset[Severity] = frozenset({Severity.CRITICAL})

    def to_quiet_hours(self) -> QuietHours:
        return QuietHours(self.to_window(), self.page)


LabelName = Annotated[str, Field(pattern=r"^([A-Za-z_][A-Za-z0-9_.\-]*|\.\.\.)$")]


class GroupingFields(BaseModel):
    """``group_by``, ``group_wait`` and ``group_interval``, on a route or at the top of the file."""

    group_by: list[LabelName] | None = Field(
        default=None,
        description="Labels whose equal values put alerts into one incident ('...': all labels; "
        "[]: every alert is its own incident).",
    )
    group_wait: Duration | None = Field(default=None, description="Default 30s.")
    group_interval: Duration | None = Field(default=None, description="Default 5m.")

    @field_validator("group_wait", "group_interval")
    @classmethod
    def _group_timer_bounds(cls, value: timedelta | None) -> timedelta | None:
        return cls.check_group_timer(value)

    @staticmethod
    def check_group_timer(value: timedelta | None) -> timedelta | None:
        if value is not None and value > timedelta(days=1):
            raise ValueError("group timers are at most 1 day")
        return value

    def grouping(self, parent: Grouping | None) -> Grouping | None:
        """This level's grouping, taking what it leaves out from ``parent``; ``group_by: []`` turns
        grouping off here and below (an empty ``by``)."""
        if self.group_by == []:
            return Grouping(())
        by = tuple(self.group_by) if self.group_by is not None else parent.by if parent else None
        if by is None:
            return None
        if not by:
            return Grouping(())
        if ALL_LABELS in by:
            by = (ALL_LABELS,)
        defaults = parent or Grouping(by)
        return Grouping(
            by,
            self.group_wait if self.group_wait is not None else defaults.wait,
            self.group_interval if self.group_interval is not None else defaults.interval,
        )


class ChainStepConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[str] = Field(min_length=1)
    wait: Duration = Field(description="How long before the next step if nobody acknowledged.")

    @field_validator("wait")
    @classmethod
    def _wait_bounds(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= timedelta(days=1):
            raise ValueError("a step waits at least 1 second and at most 1 day")
        return value


class EscalationConfig(BaseModel):
    """``escalation:`` on a route: steps tried in order until someone acknowledges, ``repeat`` rounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: list[ChainStepConfig] = Field(min_length=1, max_length=20)
    repeat: int = Field(default=1, ge=1, le=20)

    def to_chain(self) -> EscalationChain:
        return EscalationChain(
            tuple(ChainStep(tuple(step.channels), step.wait) for step in self.steps), self.repeat
        )


class RouteConfig(GroupingFields):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1, max_length=100)
    match: Matchers = Field(description='Matchers, e.g. \'{team="payments", severity=~"critical|high"}\'.')
    grace: Duration | None = Field(default=None, description="Grace window for alerts on this route.")
    channels: dict[NotificationKind, list[str]] | None = None
    continue_: bool = Field(default=False, alias="continue")
    escalation: EscalationConfig | None = Field(
        default=None, description="Escalation chain; without one, an escalation notifies once."
    )
    maintenance: list[MaintenanceConfig] | None = Field(
        default=None, description="Recurring windows when this route's alerts are not notified."
    )
    transient: Literal["notify", "digest"] | None = Field(
        default=None, description="digest: collect 'resolved on its own' posts into the digest."
    )
    quiet_hours: QuietHoursConfig | None = None
    error_logs: bool | None = Field(
        default=None,
        description="Evidence condition: true matches only when error logs of the alert's service were "
        "found around its start, false only when its logs were read and had none; unknown (replay, no "
        "service, the store failed) matches neither. Decided when the grace deadline fires.",
    )
    routes: list[RouteConfig] = Field(default_factory=list)

    @field_validator("grace")
    @classmethod
    def _grace_bounds(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value > timedelta(days=7):
            raise ValueError("a grace window longer than 7 days holds alerts for too long")
        return value


class NoiseRuleConfig(BaseModel):
    """One ``noise_rules:`` entry: ``action: drop`` (stored, never notified) or ``action: severity``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    match: Matchers
    action: NoiseAction
    severity: Severity | None = None

    @field_validator("match")
    @classmethod
    def _selects_some_alerts(cls, value: tuple[Matcher, ...]) -> tuple[Matcher, ...]:
        if not value:
            raise ValueError(
                "a noise rule needs at least one matcher: with none it would act on every alert "
                "(write match: '{alertname=~\".+\"}' if that is what you mean)"
            )
        return value

    @model_validator(mode="after")
    def _severity_goes_with_its_action(self) -> NoiseRuleConfig:
        if self.action is NoiseAction.SEVERITY and self.severity is None:
            raise ValueError("action: severity needs severity: critical, high, warning, info or low")
        if self.action is not NoiseAction.SEVERITY and self.severity is not None:
            raise ValueError(f"action: {self.action.value} takes no severity")
        return self

    def to_rule(self) -> NoiseRule:
        return NoiseRule(self.name, self.match, self.action, self.severity)


class DigestConfig(BaseModel):
    """``digest:``: how often each channel's digest goes out (only when something was collected)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval: Duration = timedelta(hours=1)

    @field_validator("interval")
    @classmethod
    def _interval_bounds(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=7):
            raise ValueError("a digest goes out at most every minute and at least every 7 days")
        return value


class FlappingConfig(BaseModel):
    """``flapping:``: when an alert counts as flapping, and how often it is summarised while it flaps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: int = Field(default=3, ge=0, le=1000, description="Re-triggers within window; 0 turns it off.")
    window: Duration = timedelta(minutes=30)
    period: Duration = timedelta(hours=1)

    def to_policy(self) -> FlapPolicy:
        return FlapPolicy(threshold=self.threshold, window=self.window, period=self.period)


class InhibitRuleConfig(BaseModel):
    """One ``inhibit_rules:`` entry: while a ``source_match`` alert fires, mute ``target_match`` alerts
    whose ``equal`` labels have the same values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    source_match: Matchers
    target_match: Matchers
    equal: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.\-]*$")]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _selects_some_alerts(self) -> InhibitRuleConfig:
        if not self.source_match and not self.target_match:
            raise ValueError(
                "source_match and target_match are both empty: every alert would mute every other "
                "alert with equal labels; give at least one of them a matcher (to merge alerts, use "
                "group_by on a route)"
            )
        return self

    def to_rule(self) -> InhibitRule:
        return InhibitRule(self.name, self.source_match, self.target_match, tuple(self.equal))


def check_tree(routes: list[RouteConfig]) -> list[RouteConfig]:
    """Route names are unique, and the tree is not absurdly deep."""
    seen: set[str] = set()

    def walk(nodes: list[RouteConfig], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ValueError(f"routes are nested more than {MAX_DEPTH} levels deep")
        for node in nodes:
            if node.name in seen or node.name == "default":
                raise ValueError(f"route name {node.name!r} is used twice (or is the reserved 'default')")
            seen.add(node.name)
            walk(node.routes, depth + 1)

    walk(routes, 1)
    return routes


def to_routes(configs: list[RouteConfig], parent: Grouping | None = None) -> tuple[Route, ...]:
    """The core's :class:`~holdoff.mediate.routing.Route` children of the default route (whose grouping,
    if any, is ``parent``)."""
    return tuple(_route(config, config.grouping(parent)) for config in configs)


def _route(config: RouteConfig, grouping: Grouping | None) -> Route:
    return Route(
        name=config.name,
        matchers=config.match
        if config.error_logs is None
        else (*config.match, error_logs_matcher(config.error_logs)),
        grace=config.grace,
        channels=None
        if config.channels is None
        else {kind: tuple(names) for kind, names in config.channels.items()},
        continue_matching=config.continue_,
        children=to_routes(config.routes, grouping),
        chain=config.escalation.to_chain() if config.escalation is not None else None,
        maintenance=None
        if config.maintenance is None
        else tuple(window.to_window() for window in config.maintenance),
        grouping=grouping,
        transient_digest=None if config.transient is None else config.transient == "digest",
        quiet_hours=config.quiet_hours.to_quiet_hours() if config.quiet_hours is not None else None,
    )
