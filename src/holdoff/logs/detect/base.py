"""What every detector shares: the config base, the occurrence kept in state, samples, keys and loading.

A detector's state is plain JSON (stored in ``log_detector_state.state``); each detector reads it through
a pydantic model, and a state that does not load is logged and treated as empty, never raised, so one bad
row cannot stop ingest.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from holdoff.logs.detect.model import MAX_KEY, Finding
from holdoff.mediate.durations import parse_duration
from holdoff.mediate.model import Severity

log = logging.getLogger(__name__)

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


M = TypeVar("M", bound=BaseModel)


def load(model: type[M], raw: dict[str, Any] | None, detector: str, key: str) -> M | None:
    """``raw`` read as ``model``; None (logged) when it is missing or does not load."""
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        log.warning("detector %s: state of %r does not load, starting empty: %s", detector, key, exc)
        return None


def dump(state: BaseModel) -> dict[str, Any]:
    """A state as JSON-able values (datetimes as ISO text)."""
    return state.model_dump(mode="json")
