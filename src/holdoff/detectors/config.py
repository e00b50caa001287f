"""The ``detectors:`` section: which detectors score which series, and when their score is an alert.

```yaml
detectors:
  - name: cpu                               # names the states and alerts of this entry
    match: 'node_cpu_usage{env="prod"}'     # a PromQL-style selector (detectors.selector)
    detectors:
      - {type: threshold, op: ">", value: 90, for: 5m}
      - {type: streaming}
      - {type: isolation_forest, history: 14d, retrain_every: 24h}
    threshold: 0.5                          # the combined score that is anomalous
    for: 0s                                 # how long it must stay anomalous to open an alert
    resolve_after: 5m                       # how long below the threshold resolves it
    severity: warning
    service_label: service                  # the series label copied to the alert's ``service``
  - name: default
    match: ""                               # every other series
    detectors: [{type: streaming}]
```

Each series is scored by the **first** entry whose ``match`` selects it (like routes); a series no entry
selects is stored but not scored. Left out, the section is one entry matching everything with the
streaming detector and its defaults.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from holdoff.detectors.alerting import AlertSpec, Rule
from holdoff.detectors.durations import Duration
from holdoff.detectors.selector import Selector, SelectorError, parse_selector
from holdoff.detectors.streaming import StreamingConfig
from holdoff.detectors.table import AnyDetectorConfig
from holdoff.mediate.model import Severity

_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")


class DetectorEntry(BaseModel):
    """One ``detectors:`` entry: a selector, its detectors and its alert rule."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str = Field(
        default="",
        max_length=60,
        description="Names the entry's states, models and alerts (letters, digits, _ . -). Left out: "
        "'default' for an empty match, else derived from the match text.",
    )
    match: str = Field(default="", description='Series selector: name{label="value", ...}; empty: all.')
    detectors: list[AnyDetectorConfig] = Field(min_length=1)
    threshold: float = Field(default=0.5, gt=0, le=1, description="The combined score that is anomalous.")
    for_: Duration = Field(
        default=timedelta(0), alias="for", description="How long the score must stay anomalous to alert."
    )
    resolve_after: Duration = Field(
        default=timedelta(minutes=5), description="How long below the threshold resolves the alert."
    )
    severity: Severity = Severity.WARNING
    service_label: str = Field(default="service", description="The series label that names the service.")
    alert: bool = Field(default=True, description="Off: score and show, never alert.")

    @field_validator("match")
    @classmethod
    def _selector(cls, value: str) -> str:
        try:
            parse_selector(value)
        except SelectorError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _names(self) -> DetectorEntry:
        if self.name and not _NAME.match(self.name):
            raise ValueError(f"entry name {self.name!r}: use letters, digits, _ . and - only")
        seen: set[str] = set()
        for config in self.detectors:
            if config.name in seen:
                raise ValueError(f"two detectors of this entry are named {config.name!r}: rename one")
            seen.add(config.name)
        return self

    @property
    def key(self) -> str:
        """The entry's name as stored (``detector`` column of the states, the alert fingerprint)."""
        if self.name:
            return self.name
        if not self.match.strip():
            return "default"
        slug = re.sub(r"[^a-zA-Z0-9_]+", "_", self.match).strip("_")[:30]
        from holdoff.detectors.alerting import short_id

        return f"{slug}-{short_id(self.match)[:6]}"

    @property
    def selector(self) -> Selector:
        return parse_selector(self.match)

    @property
    def rule(self) -> Rule:
        return Rule(self.threshold, self.for_.total_seconds(), self.resolve_after.total_seconds())

    @property
    def spec(self) -> AlertSpec:
        return AlertSpec(self.key, self.threshold, self.severity, self.service_label)


def default_entries() -> list[DetectorEntry]:
    """What ``detectors:`` is when left out: every series, the streaming detector with its defaults."""
    return [DetectorEntry(name="default", detectors=[StreamingConfig()])]


def check_entries(entries: Sequence[DetectorEntry]) -> list[DetectorEntry]:
    """Raise ValueError when two entries share a key (their states and alerts would mix)."""
    seen: set[str] = set()
    for entry in entries:
        if entry.key in seen:
            raise ValueError(f"two detectors: entries are named {entry.key!r}: give one another `name`")
        seen.add(entry.key)
    return list(entries)


def entry_for(entries: Sequence[DetectorEntry], name: str, labels: dict[str, str]) -> DetectorEntry | None:
    """The first entry whose selector selects the series."""
    for entry in entries:
        if entry.selector.matches(name, labels):
            return entry
    return None
