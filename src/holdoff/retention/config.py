"""The ``retention:`` section: how long each kind of row is kept, how the prune job runs, and the bounds
beyond which alert ingestion is refused (backpressure) rather than queued without limit.

```yaml
retention:
  alerts: 90d          # resolved alerts untouched this long go, with their timeline, messages, evidence
  notifications: 30d   # delivered or abandoned outbox rows, with their delivery attempts
  incidents: 90d       # resolved incidents and their correlation rows
  evidence: 30d        # the root-cause evidence of resolved alerts
  changes: 90d         # change events (deploys, config pushes)
  audit: 365d          # the audit log
  every: 5m            # how often the prune job runs
  chunk: 500           # rows per delete transaction
  backpressure:
    max_outbox: 20000        # undelivered messages beyond which alert webhooks are refused
    max_waiting_events: 5000 # alert events waiting for the writer beyond which webhooks are refused
    retry_after_seconds: 5
```

``0`` or ``null`` keeps that kind forever. Raw log lines and metric samples keep their own retention
(``logs.retention``, ``metrics.retention``); ``holdoff db stats`` lists them beside these.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from holdoff.mediate.durations import parse_duration


def _keep(value: Any) -> Any:
    """``"90d"``, a number of seconds, or ``0`` / ``null`` (keep forever: None)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_duration(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        value = timedelta(seconds=value)
    if isinstance(value, timedelta) and value <= timedelta(0):
        return None
    return value


def _interval(value: Any) -> Any:
    value = _keep(value)
    if value is None:
        raise ValueError("must be longer than zero")
    return value


Keep = Annotated[timedelta | None, BeforeValidator(_keep)]
"""How long rows are kept: ``"90d"``, ``"12h"``, seconds; ``0`` or ``null`` keeps them forever."""


class BackpressureSection(BaseModel):
    """Bounds on work waiting, beyond which alert webhooks are answered 429 or 503 with Retry-After (a
    sender that retries loses nothing). Log and metric ingest have theirs (``logs.max_pending_batches``,
    ``metrics.max_pending_batches``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_outbox: int | None = Field(
        default=20_000,
        ge=1,
        description="Undelivered messages (the outbox) beyond which alert webhooks are refused; null: no bound.",
    )
    max_waiting_events: int = Field(
        default=5_000,
        ge=1,
        le=1_000_000,
        description="Alert events waiting for the writer (per process) beyond which webhooks are refused.",
    )
    retry_after_seconds: int = Field(default=5, ge=1, le=3600, description="The Retry-After of a refusal.")


class RetentionSection(BaseModel):
    """``retention:``: how long each kind of row is kept (``0``/``null``: forever), and backpressure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alerts: Keep = Field(
        default=timedelta(days=90),
        description="Resolved alerts untouched this long are deleted with their timeline, messages and evidence.",
    )
    notifications: Keep = Field(
        default=timedelta(days=30),
        description="Delivered or abandoned outbox rows older than this go, with their delivery attempts.",
    )
    incidents: Keep = Field(
        default=timedelta(days=90),
        description="Resolved incidents untouched this long go, with their correlation rows and messages.",
    )
    evidence: Keep = Field(
        default=timedelta(days=30), description="Evidence of resolved alerts computed longer ago than this."
    )
    changes: Keep = Field(default=timedelta(days=90), description="Change events older than this.")
    audit: Keep = Field(default=timedelta(days=365), description="Audit log entries older than this.")
    every: Annotated[timedelta, BeforeValidator(_interval)] = Field(
        default=timedelta(minutes=5), description="How often the prune job runs."
    )
    chunk: int = Field(default=500, ge=1, le=100_000, description="Rows deleted per transaction.")
    max_chunks: int = Field(
        default=200, ge=1, le=100_000, description="Chunks per run at most; the rest waits for the next run."
    )
    backpressure: BackpressureSection = Field(default_factory=BackpressureSection)
