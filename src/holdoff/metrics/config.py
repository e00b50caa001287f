"""The ``metrics:`` section of the configuration: who may send samples, how long they are kept, the
limits of the ingest, and the scheduled pulls (:mod:`holdoff.metrics.pull`).

```yaml
metrics:
  senders:                          # one token per sender (Prometheus remote_write, a push client)
    prometheus: {token: "${PROMETHEUS_RW_TOKEN}"}
  retention: {days: 15, max_series: 50000}
  pulls:
    - type: prometheus
      name: node-cpu
      url: "http://prometheus:9090"
      queries:
        - 'avg by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'
        - {expr: "sum(rate(http_requests_total[1m]))", name: http_requests_rate}
      step: 1m
      every: 1m
      lookback: 1h
      max_series: 500
    - type: cloudwatch
      name: ec2-cpu
      region: eu-west-1
      namespace: AWS/EC2
      metric: CPUUtilization
      statistic: Average
      period: 5m
      every: 5m
      tags: {aiops: enabled}
      max_series: 200
```

Senders present their token as alert webhooks and log senders do (``Authorization: Bearer``,
``X-Holdoff-Token`` or ``?token=``). The shared ``sources.token`` and an operator's API token are
accepted too; ``open: true`` accepts samples without any token, on purpose.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holdoff.config_types import Secret
from holdoff.logs.detect.base import Duration, positive
from holdoff.metrics.pull.catalog import AnyPullConfig

MIN_TOKEN_CHARS = 16


class MetricSender(BaseModel):
    """One sender of samples (a Prometheus remote-writing, a push client)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Secret = Field(description="The token this sender presents.")

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: Secret) -> Secret:
        if len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"the token is shorter than {MIN_TOKEN_CHARS} characters")
        return value


class MetricRetention(BaseModel):
    """How long samples are kept (long enough for the detectors' training window: 14 days by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: float = Field(default=15.0, gt=0, le=3660, description="Samples older than this are deleted.")
    max_series: int = Field(
        default=100_000,
        ge=1,
        description="Series kept at most: samples of a new series beyond this are dropped, with a warning.",
    )
    sweep: Duration = Field(default=timedelta(minutes=5), description="How often retention runs.")

    _positive = field_validator("sweep")(positive)


class MetricsSection(BaseModel):
    """``metrics:``: metric input (push, remote_write, pulls) and retention."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool = Field(default=False, description="Accept samples without a token, on purpose.")
    senders: dict[str, MetricSender] = Field(default_factory=dict, description="Metric senders by name.")
    retention: MetricRetention = Field(default_factory=MetricRetention)
    pulls: list[AnyPullConfig] = Field(
        default_factory=list,
        description="Scheduled pulls (prometheus, cloudwatch); see docs/metrics-input.md.",
    )
    max_pending_batches: int = Field(
        default=16,
        ge=1,
        le=10_000,
        description="Posts waiting for the writer beyond this are answered 429 with Retry-After.",
    )
    retry_after_seconds: int = Field(default=1, ge=1, le=3600, description="The Retry-After of a 429.")

    @field_validator("pulls")
    @classmethod
    def _unique_names(cls, value: list[AnyPullConfig]) -> list[AnyPullConfig]:
        seen: set[str] = set()
        for pull in value:
            if pull.name in seen:
                raise ValueError(f"two pulls are named {pull.name!r}: give each its own name")
            seen.add(pull.name)
        return value
