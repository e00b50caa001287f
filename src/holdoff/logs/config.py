"""The ``logs:`` section of the configuration: who may send logs, how long they are kept, the
classifier, the detectors (:mod:`holdoff.logs.detect`) and the user's own log store
(:mod:`holdoff.logs.lookup`).

```yaml
logs:
  senders:                          # one token per sender; a sender may be held to its services
    fluent-bit: {token: "${FLUENT_BIT_TOKEN}"}
    checkout-collector: {token: "${CHECKOUT_TOKEN}", services: [checkout, payments]}
  retention: {hours: 72, max_rows: 1000000, counts_days: 30}
  classifier: {retrain_hours: 24}
  detectors:                        # left out: all four with their defaults
    - {type: failed_auth, threshold: 10, window: 60s}
    - {type: error_rate, ratio: 0.2, floor: 20, window: 5m}
    - {type: critical}
  lookup: {type: loki, url: "http://loki:3100"}
```

Senders present their token as alert webhooks do (``Authorization: Bearer``, ``X-Holdoff-Token`` or
``?token=``). The shared ``sources.token`` and an operator's API token are accepted too; ``open: true``
accepts logs without any token, on purpose.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from holdoff.config_types import Secret
from holdoff.logs.detect import AnyDetectorConfig, check_names, default_detectors
from holdoff.logs.lookup.catalog import AnyLookupConfig

MIN_TOKEN_CHARS = 16


class LogSender(BaseModel):
    """One sender of logs (a Fluent Bit, a Vector, a Collector, ``holdoff tail`` on a host)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Secret = Field(description="The token this sender presents.")
    services: list[str] = Field(
        default_factory=list,
        description="Services this sender may post lines for (empty: any). A line for another service "
        "is refused (403), so one leaked token cannot speak for every service.",
    )

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: Secret) -> Secret:
        if len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(f"the token is shorter than {MIN_TOKEN_CHARS} characters")
        return value


class RetentionSection(BaseModel):
    """How long Holdoff keeps what it is sent (it is not the log database: see ``lookup``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: float = Field(default=72.0, gt=0, description="Raw lines older than this are deleted.")
    max_rows: int = Field(
        default=1_000_000, ge=1_000, description="Beyond this many raw lines, the oldest go."
    )
    counts_days: float = Field(
        default=30.0, gt=0, description="Per-template per-minute counts are kept this long."
    )
    sweep_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How often retention and the detectors' quiet checks run."
    )


class ClassifierSection(BaseModel):
    """The severity classifier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Judge each line (off: lines are stored unjudged).")
    model_dir: Path | None = Field(
        default=None, description="Where model versions are kept (default: <server.data_dir>/models/logs)."
    )
    retrain_hours: float | None = Field(
        default=24.0,
        gt=0,
        description="Retrain this often when operators marked templates since the current model "
        "(null: only `holdoff train logs`).",
    )
    marks_refresh_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="How soon an operator's mark reaches the ingest of every process.",
    )


class LogsSection(BaseModel):
    """``logs:``: log ingest, retention, the classifier and the detectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    open: bool = Field(default=False, description="Accept logs without a token, on purpose.")
    senders: dict[str, LogSender] = Field(default_factory=dict, description="Log senders by name.")
    max_pending_batches: int = Field(
        default=16,
        ge=1,
        le=10_000,
        description="Posts waiting for the writer beyond this are answered 429 with Retry-After.",
    )
    retry_after_seconds: int = Field(default=1, ge=1, le=3600, description="The Retry-After of a 429.")
    retention: RetentionSection = Field(default_factory=RetentionSection)
    classifier: ClassifierSection = Field(default_factory=ClassifierSection)
    detectors: list[AnyDetectorConfig] = Field(
        default_factory=default_detectors,
        description="Detectors on the log stream (failed_auth, error_rate, new_template, critical); "
        "left out: all four with their defaults. See docs/logs-detectors.md.",
    )
    lookup: AnyLookupConfig | None = Field(
        default=None,
        description="The user's own log store (loki, opensearch, cloudwatch) for root-cause lines; "
        "none: Holdoff's own lines, within their retention. See docs/logs-lookups.md.",
    )

    @field_validator("detectors")
    @classmethod
    def _unique_names(cls, value: list[AnyDetectorConfig]) -> list[AnyDetectorConfig]:
        check_names(value)
        return value

    def model_dir(self, data_dir: Path) -> Path:
        return self.classifier.model_dir or data_dir / "models" / "logs"
