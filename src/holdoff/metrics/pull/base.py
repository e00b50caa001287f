"""What every pull shares: its config's common fields, what one pull returns, and its failure.

A pull type is one module holding a config model extending :class:`PullConfig` with
``type: Literal["<type>"]`` (the discriminator) and ``build()``, which returns a :class:`MetricPull`;
plus one line in :data:`holdoff.metrics.pull.catalog.AnyPullConfig`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from pydantic import ConfigDict, Field, field_validator

from holdoff.config_types import ExternalConfig
from holdoff.logs.detect.base import Duration, positive
from holdoff.metrics.model import Sample

PULL_NAME: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
MAX_SERIES: Final = 10_000


class PullFailed(RuntimeError):
    """A pull did not get its samples; the message says what to check and holds no secret."""


@dataclass(frozen=True, slots=True)
class Pulled:
    """What one pull brought back."""

    samples: list[Sample] = field(default_factory=list)
    series: int = 0
    """Series kept (at most ``max_series``)."""
    dropped_series: int = 0
    """Series beyond ``max_series``, left out."""
    skipped: int = 0
    """Points that are not samples (NaN, infinities), left out."""


class MetricPull(Protocol):
    """One configured pull, ready to ask its source for a time range."""

    @property
    def name(self) -> str: ...

    def pull(self, start: datetime, end: datetime) -> Pulled:
        """Samples of ``[start, end]`` (raises :class:`PullFailed`)."""
        ...

    def window(self, last_end: datetime | None, now: datetime) -> tuple[datetime, datetime] | None:
        """The range to ask for now, from where the last pull ended (None: nothing new yet)."""
        ...

    def close(self) -> None: ...


class PullConfig(ExternalConfig):
    """Settings every pull has. Each pull type extends it with a ``type`` literal and its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=PULL_NAME, description="The pull's name (its row in metric_pulls); default: the type."
    )
    every: Duration = Field(default=timedelta(minutes=1), description="How often it runs.")
    lookback: Duration = Field(
        default=timedelta(hours=1),
        description="The furthest back one pull reaches (the first pull, or after a long outage).",
    )
    max_series: int = Field(
        default=1_000,
        ge=1,
        le=MAX_SERIES,
        description="Series taken per pull; the rest are dropped, with a warning.",
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    _positive = field_validator("every", "lookback")(positive)


def metric_name(text: str) -> str:
    """``text`` as a valid metric name (characters outside ``[a-zA-Z0-9_:]`` become ``_``)."""
    name = re.sub(r"[^a-zA-Z0-9_:]", "_", text)
    return name if re.match(r"^[a-zA-Z_:]", name) else f"_{name}"


def finite(value: float) -> bool:
    return math.isfinite(value)


def bounded(groups: dict[str, list[Sample]], max_series: int) -> Pulled:
    """At most ``max_series`` series of ``groups`` (by series id, in the order given); the rest dropped."""
    kept = list(groups.values())[:max_series]
    return Pulled(
        samples=[sample for series in kept for sample in series],
        series=len(kept),
        dropped_series=max(0, len(groups) - max_series),
    )
