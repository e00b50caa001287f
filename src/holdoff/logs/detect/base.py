"""What every detector shares: the config base, the occurrence kept in state, samples, keys and loading.

A detector's state is plain JSON (stored in ``log_detector_state.state``); each detector reads it through
a pydantic model, and a state that does not load is logged and treated as empty, never raised, so one bad
row cannot stop ingest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

from holdoff.logs.detect.model import MAX_KEY, Finding, Seen
from holdoff.mediate.durations import parse_duration
from holdoff.mediate.model import Severity

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

SAMPLE_CHARS = 1000
"""A sample message is cut to this many characters, so a state stays small."""


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value


def positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than zero")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
"""A duration in config: ``"90s"``, ``"5m"``, ``"1h"`` or a number of seconds."""


class DetectorConfig(BaseModel):
    """What every detector's config has; each type adds ``type: Literal[...]`` and its own fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        default="", max_length=100, description="Names the detector's alerts; the type if empty."
    )
    enabled: bool = True
    samples: int = Field(default=5, ge=1, le=50, description="Sample lines kept per occurrence.")


class Occurrence(BaseModel):
    """An open occurrence, as kept in a detector's state."""

    model_config = ConfigDict(extra="ignore")

    service: str
    template_id: str
    template: str
    subject: str = ""
    first_at: datetime
    last_at: datetime
    count: int = 0
    samples: list[str] = Field(default_factory=list)

    def add(self, message: str, at: datetime, limit: int) -> None:
        """Count one more line: the first ``limit - 1`` messages stay, the last slot holds the latest."""
        self.count += 1
        self.last_at = max(self.last_at, at)
        add_sample(self.samples, message, limit)

    def finding(
        self,
        config: DetectorConfig,
        kind: str,
        severity: Severity,
        summary: str,
        *,
        resolved: bool = False,
        opens: bool = False,
    ) -> Finding:
        return Finding(
            detector=config.name,
            kind=kind,
            service=self.service,
            template_id=self.template_id,
            template=self.template,
            subject=self.subject,
            severity=severity,
            summary=summary,
            count=self.count,
            samples=tuple(self.samples),
            first_at=self.first_at,
            last_at=self.last_at,
            resolved=resolved,
            opens=opens,
        )


class LastBatch(Generic[T]):
    """What a detector worked out from the batch it saw last: ``keys`` and ``observe`` get the same batch,
    so its lines are read once. One attribute holds batch and value, so threads never mix two batches."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[Sequence[Seen], T] | None = None

    def get(self, batch: Sequence[Seen], compute: Callable[[Sequence[Seen]], T]) -> T:
        last = self._last
        if last is not None and last[0] is batch:
            return last[1]
        value = compute(batch)
        self._last = (batch, value)
        return value


def add_sample(samples: list[str], message: str, limit: int) -> None:
    """Keep the first ``limit - 1`` messages and, in the last slot, the latest one."""
    text = message[:SAMPLE_CHARS]
    if len(samples) < limit:
        samples.append(text)
    else:
        samples[-1] = text


def key_of(*parts: str) -> str:
    """A state key from its parts, joined by ``|`` and cut to the column's length."""
    return "|".join(parts)[:MAX_KEY]


def load(model: type[M], raw: dict[str, Any] | None, detector: str, key: str) -> M | None:
    """``raw`` read as ``model``; None (logged) when it is missing or does not load."""
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        log.warning("detector %s: state of %r does not load, starting empty: %s", detector, key, exc)
        return None


def load_as(adapter: TypeAdapter[T], raw: dict[str, Any] | None, detector: str, key: str) -> T | None:
    """:func:`load` for a state that is a dataclass (cheaper to change line by line than a model)."""
    if raw is None:
        return None
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        log.warning("detector %s: state of %r does not load, starting empty: %s", detector, key, exc)
        return None


def dump(state: BaseModel) -> dict[str, Any]:
    """A state as JSON-able values (datetimes as ISO text)."""
    return state.model_dump(mode="json")


def dump_as(adapter: TypeAdapter[T], state: T) -> dict[str, Any]:
    """:func:`dump` for a dataclass state."""
    dumped: dict[str, Any] = adapter.dump_python(state, mode="json")
    return dumped
