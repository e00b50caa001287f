"""The ``evidence:`` section: how far around an alert to look, how much to keep, what counts as shared.

```yaml
evidence:
  before: 15m            # logs and alerts from this long before the alert's start ...
  after: 5m              # ... to this long after it
  changes_before: 1h     # change events (deploys, config, scaling) from this long before the start
  refresh: 30s           # computed again this often while the alert is held, then once more (final)
  max_lines: 2000        # lines read from the log store per computation
  top_templates: 5
  new_templates: 5
  related: 10
  changes: 10
  overlap_labels: [service, host, instance, cluster, namespace, environment]
  events_token: ${HOLDOFF_EVENTS_TOKEN}   # POST /events may also use sources.token or an operator login
```
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from holdoff.config_types import Secret
from holdoff.mediate.durations import parse_duration

DEFAULT_OVERLAP = ("service", "host", "instance", "cluster", "namespace", "environment", "env", "team")


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class EvidenceSection(BaseModel):
    """Root-cause evidence computed for every held alert (see docs/evidence.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Compute evidence for held alerts.")
    before: Duration = Field(default=timedelta(minutes=15), ge=timedelta(0), le=timedelta(days=1))
    after: Duration = Field(default=timedelta(minutes=5), ge=timedelta(0), le=timedelta(days=1))
    changes_before: Duration = Field(
        default=timedelta(hours=1),
        ge=timedelta(0),
        le=timedelta(days=7),
        description="Change events from this long before the start (a deploy often precedes by more).",
    )
    refresh: Duration = Field(
        default=timedelta(seconds=30),
        ge=timedelta(seconds=1),
        le=timedelta(hours=1),
        description="How often evidence is computed again while the alert is held.",
    )
    max_lines: int = Field(default=2000, ge=1, le=5000)
    top_templates: int = Field(default=5, ge=1, le=50)
    new_templates: int = Field(default=5, ge=0, le=50)
    related: int = Field(default=10, ge=0, le=100)
    changes: int = Field(default=10, ge=0, le=100)
    overlap_labels: tuple[str, ...] = Field(
        default=DEFAULT_OVERLAP,
        description="Labels another alert shares with this one to count as related.",
    )
    events_token: Secret | None = Field(
        default=None, description="A token for POST /events (besides sources.token and operator logins)."
    )
