"""What a root-cause lookup asks a log store, what it gets back, and what every store's config has.

A lookup answers "which lines did this service write around this alert?" from the user's own log
store (Loki, Elasticsearch/OpenSearch, CloudWatch Logs) instead of Holdoff's table of recent lines.
The values here are pure; the helpers turn times into the units each store counts in and read a
line's declared level the way Holdoff's parsers do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator

from holdoff.config_types import ExternalConfig
from holdoff.edge import EARLIEST
from holdoff.logs.parse import parse_lines

LOOKUP_NAME = r"^[a-z][a-z0-9_-]{0,62}$"
MAX_LINES: Final = 5000
"""The most lines one lookup may ask for."""
CONTEXT_SPAN: Final = timedelta(minutes=1)
"""A line's link shows the store's lines this long before and after it."""


class LookupFailed(Exception):
    """A store could not answer: the message says which store and why (HTTP status and the start of
    the answer, a timeout, refused credentials), and never contains a secret."""

    def __init__(self, message: str, *, source_name: str, status: int | None = None) -> None:
        super().__init__(message)
        self.source_name = source_name
        self.status = status


class LookupQuery(BaseModel):
    """Which lines to fetch: one service's lines between ``start`` and ``end`` (inclusive)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(min_length=1, max_length=200)
    start: AwareDatetime
    end: AwareDatetime
    contains: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Only lines containing this text."
    )
    template_id: str | None = Field(
        default=None,
        description="Holdoff's template id. The user's stores do not know Holdoff's ids: pass the "
        "template's fixed words as ``contains`` to narrow an external lookup.",
    )
    host: str | None = Field(default=None, min_length=1, max_length=255)
    limit: int = Field(default=200, ge=1, le=MAX_LINES)

    @model_validator(mode="after")
    def _window(self) -> LookupQuery:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class FoundLine(BaseModel):
    """One line a store returned, with a link into the store's own UI when one can be made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timestamp: AwareDatetime
    service: str
    host: str | None = None
    level: str | None = Field(default=None, description="The declared level, as the store has it.")
    message: str
    source_name: str = Field(description="The name of the lookup (store) that returned it.")
    link: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class LogLookup(Protocol):
    """A user's log store, asked for the lines around an alert."""

    @property
    def name(self) -> str: ...

    def lines(self, query: LookupQuery) -> list[FoundLine]:
        """The matching lines, newest first, at most ``query.limit``; raises :class:`LookupFailed`."""
        ...

    def describe(self) -> str:
        """The store's type, name and host, for the start-up log; never a secret."""
        ...

    def close(self) -> None:
        """Release connections (at shutdown)."""
        ...


class LookupConfig(ExternalConfig):
    """Settings every store has. Each store type extends it with a ``type`` literal and its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=LOOKUP_NAME, description="Shown with each line (``source_name``); default: the type."
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    limit: int = Field(
        default=MAX_LINES, ge=1, le=MAX_LINES, description="Most lines one lookup asks the store for."
    )

    def lines_for(self, query: LookupQuery) -> int:
        """How many lines to ask for: the query's limit, capped by this store's."""
        return min(query.limit, self.limit)


# --------------------------------------------------------------------------- pure helpers


def epoch_ns(moment: datetime) -> int:
    """Nanoseconds since 1970 (exact: no float on the way)."""
    return (moment - EARLIEST) // timedelta(microseconds=1) * 1000


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since 1970, rounded down."""
    return (moment - EARLIEST) // timedelta(milliseconds=1)


def from_epoch_ns(value: int) -> datetime:
    return EARLIEST + timedelta(microseconds=value // 1000)


def from_epoch_ms(value: int) -> datetime:
    return EARLIEST + timedelta(milliseconds=value)


def iso_utc(moment: datetime) -> str:
    """``2024-05-01T10:00:00.000Z``: the form every store's UI and range query reads."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def quoted(text: str) -> str:
    """``text`` as a double-quoted string with ``\\`` and ``"`` escaped (LogQL, KQL, CloudWatch)."""
    return json.dumps(text, ensure_ascii=False)


def declared_level(message: str, service: str, at: datetime) -> str | None:
    """The level a line declares in its own text (a JSON ``level`` field, an application or syslog
    header), read by Holdoff's parsers; None when it declares none."""
    first = message.split("\n", 1)[0]
    if not first.strip():
        return None
    records = parse_lines([first], service=service, host=None, received=at)
    return records[0].level if records else None


def text_of(value: Any) -> str | None:
    """A scalar field value as text; None for a missing, empty or structured value."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, SecretStr):
        return None
    text = str(value).strip()
    return text or None


def newest_first(lines: list[FoundLine], limit: int) -> list[FoundLine]:
    """``lines`` sorted newest first (stable for equal times), at most ``limit``."""
    return sorted(lines, key=lambda line: line.timestamp, reverse=True)[:limit]
