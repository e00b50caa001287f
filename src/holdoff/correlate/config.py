"""The ``correlation:`` section: when incidents of different groups become one incident.

On by default, conservative: a join needs a start within ``window`` of an open incident's member **and**
evidence worth at least ``min_score`` (a dependency, a shared node, the same log template or change).
Time alone never joins.

```yaml
correlation:
  enabled: true
  window: 10m              # how close in start time a member must be to an open incident's member
  max_span: 1h             # an incident stops taking members this long after it opened
  min_score: 0.5           # evidence needed to join (see docs/correlation.md for the weights)
  topology_labels:         # shared label values count as evidence; more specific labels weigh more
    node: 0.6
    host: 0.6
    namespace: 0.3
    cluster: 0.15
    team: 0.15
    rack: 0.4              # add your own (a list of names gives each the default weight 0.3)
  topology:                # service -> the services it depends on
    checkout: [payments, cart]
    payments: [payments-db]
  learned:
    enabled: true
    min_count: 5           # co-starts seen at least this often ...
    min_lift: 5.0          # ... and this many times more often than chance
  scope_labels: [node, host, namespace, cluster, zone, region]
  weights:
    topology: 1.0
    learned: 0.8
    same_service: 1.0
    template: 1.0
    change: 1.0
    scope: 0.5             # an infrastructure alert and an alert inside its scope
```
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from holdoff.mediate.durations import humanize, parse_duration

DEFAULT_LABEL_WEIGHTS: Mapping[str, float] = {
    "node": 0.6,
    "host": 0.6,
    "namespace": 0.3,
    "cluster": 0.15,
    "team": 0.15,
}
"""More specific labels weigh more: sharing a node says more than sharing a cluster."""
DEFAULT_SCOPE_LABELS: tuple[str, ...] = ("node", "host", "namespace", "cluster", "zone", "region")
"""Where something runs (not who owns it): a node down explains what runs on that node, a cluster's
network partition what runs in that cluster."""
OTHER_LABEL_WEIGHT = 0.3
"""The weight of a label named in a list without a weight of its own."""


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


def _label_weights(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return {str(name): DEFAULT_LABEL_WEIGHTS.get(str(name), OTHER_LABEL_WEIGHT) for name in value}
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
LabelWeights = Annotated[dict[str, Annotated[float, Field(ge=0, le=10)]], BeforeValidator(_label_weights)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LearnedSettings(_Section):
    """Dependencies learned from history (see :mod:`holdoff.correlate.learn`)."""

    enabled: bool = Field(default=True, description="Use learned dependencies as evidence.")
    min_count: int = Field(default=5, ge=1, le=10_000, description="Co-starts needed before a pair counts.")
    min_lift: float = Field(
        default=5.0,
        ge=1.0,
        le=1_000.0,
        description="How many times more often than chance the pair co-starts.",
    )
    history: Duration = Field(
        default=timedelta(days=14),
        ge=timedelta(hours=1),
        le=timedelta(days=365),
        description="How far back the history learned from reaches.",
    )


class Weights(_Section):
    """What each kind of evidence adds to a join's score."""

    topology: float = Field(default=1.0, ge=0, le=10)
    learned: float = Field(default=0.8, ge=0, le=10)
    same_service: float = Field(default=1.0, ge=0, le=10)
    template: float = Field(default=1.0, ge=0, le=10)
    change: float = Field(default=1.0, ge=0, le=10)
    scope: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="An infrastructure alert and an alert inside its scope (every scope label it has, equal).",
    )
    labels_cap: float = Field(
        default=1.0, ge=0, le=10, description="Shared labels together add at most this much."
    )


class CorrelationConfig(_Section):
    """The ``correlation:`` section (see docs/correlation.md)."""

    enabled: bool = Field(default=True, description="Join incidents of different groups on evidence.")
    window: Duration = Field(
        default=timedelta(minutes=10),
        ge=timedelta(seconds=1),
        le=timedelta(hours=6),
        description="How close in start time a member must be to a member of an open incident.",
    )
    max_span: Duration = Field(
        default=timedelta(hours=1),
        ge=timedelta(seconds=1),
        le=timedelta(days=2),
        description="An incident takes no new member that started this long after it opened.",
    )
    min_score: float = Field(default=0.5, gt=0, le=100, description="Evidence needed to join.")
    topology_labels: LabelWeights = Field(default_factory=lambda: dict(DEFAULT_LABEL_WEIGHTS))
    scope_labels: tuple[str, ...] = Field(
        default=DEFAULT_SCOPE_LABELS,
        description="Labels that say where an alert runs: an infrastructure alert's values of them are its scope.",
    )
    topology: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Service -> the services it depends on."
    )
    learned: LearnedSettings = LearnedSettings()
    weights: Weights = Weights()

    def describe(self) -> str:
        """One line for ``holdoff check-config``."""
        if not self.enabled:
            return "off (every incident group pages on its own)"
        learned = (
            f"learned from {humanize(self.learned.history)} of history"
            if self.learned.enabled
            else "nothing learned"
        )
        services = len(set(self.topology) | {other for others in self.topology.values() for other in others})
        return (
            f"on: within {humanize(self.window)}, score >= {self.min_score:g}; topology of {services} services; "
            f"{learned}; labels {', '.join(self.topology_labels) or 'none'}"
        )

    def depends(self, service: str, other: str) -> bool:
        """Whether ``service`` depends on ``other`` in the configured topology."""
        return other in self.topology.get(service, ())
