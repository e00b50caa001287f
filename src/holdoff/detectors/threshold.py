"""A static threshold held for a duration: ``value > 90 for 5m`` (CPU above 90% for five minutes).

Score: 1 while the condition has held for at least ``for`` (counted from the first point that met it,
to the current point), 0 otherwise: no ramp, so a threshold either agrees or does not. A point that
does not meet the condition starts the count again. A threshold needs no history: it is ready from the
first point.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from holdoff.detectors.durations import Duration, shown
from holdoff.detectors.model import READY, Scored

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


class ThresholdConfig(BaseModel):
    """``{type: threshold, op: ">", value: 90, for: 5m}``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    type: Literal["threshold"] = "threshold"
    name: str = Field(default="threshold", min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_.-]+$")
    op: Literal[">", ">=", "<", "<="] = ">"
    value: float
    for_: Duration = Field(default=timedelta(0), alias="for", description="How long the condition must hold.")

    def build(self) -> ThresholdDetector:
        return ThresholdDetector(self.name, self.op, self.value, self.for_.total_seconds())


@dataclass
class _State:
    since: float | None = None


class ThresholdDetector:
    def __init__(self, name: str, op: str, value: float, hold_seconds: float) -> None:
        self.name = name
        self.op = op
        self.value = value
        self.hold = hold_seconds
        self._test = _OPS[op]

    def new_state(self) -> _State:
        return _State()

    def score(self, state: _State, t: float, value: float) -> Scored:
        if not self._test(value, self.value):
            state.since = None
            return Scored(t, value, 0.0, READY)
        if state.since is None:
            state.since = t
        held = t - state.since
        if held >= self.hold:
            reason = f"value {value:g} {self.op} {self.value:g}"
            if self.hold:
                reason += f" for {shown(held)}"
            return Scored(t, value, 1.0, READY, reason)
        return Scored(t, value, 0.0, READY)

    def dump(self, state: _State) -> dict[str, Any]:
        return {"since": state.since}

    def load(self, raw: dict[str, Any]) -> _State:
        since = raw.get("since")
        return _State(float(since) if isinstance(since, int | float) else None)
