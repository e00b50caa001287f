"""A metric sample and the identity of its series.

A series is a metric name and its labels, as Prometheus has it. Its id is the first 16 hex digits of
the SHA-256 of its canonical text (``name{a="1",b="2"}``, labels sorted by name, values escaped as in
the exposition format), the same in every process and across restarts.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
MAX_LABELS = 64


class Sample(BaseModel):
    """One value of one series at one time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=METRIC_NAME)
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)
    timestamp: AwareDatetime
    value: float

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number (NaN and infinities are not samples)")
        return value

    @property
    def series_id(self) -> str:
        return series_id(self.name, self.labels)


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def series_key(name: str, labels: Mapping[str, str]) -> str:
    """``name{a="1",b="2"}``: the series as Prometheus writes it, labels sorted by name."""
    inner = ",".join(f'{key}="{_escaped(labels[key])}"' for key in sorted(labels))
    return f"{name}{{{inner}}}"


def series_id(name: str, labels: Mapping[str, str]) -> str:
    """The series' stable id (16 hex digits)."""
    return hashlib.sha256(series_key(name, labels).encode("utf-8")).hexdigest()[:16]
