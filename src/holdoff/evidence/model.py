"""What evidence is made of: what the shell fetched (the inputs) and what is computed (the evidence,
stored as JSON with the alert and shown as it is)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

ChangeType = Literal["deploy", "config", "scale"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- inputs ---------------------------------------------------------------------------------------


class Subject(_Value):
    """The alert the evidence is about."""

    alert_id: int
    name: str
    source: str
    labels: dict[str, str] = Field(default_factory=dict)
    started: AwareDatetime


class LogLine(_Value):
    """One line of the alert's service in the window, from Holdoff's store or the user's."""

    timestamp: AwareDatetime
    message: str
    host: str | None = None
    level: str | None = None
    """The declared level, as sent."""
    severity: str | None = None
    """Holdoff's verdict (``error``, ``critical`` ...) when the line is Holdoff's own; None: not judged."""
    template_id: str | None = None
    template: str | None = None


class OtherAlert(_Value):
    """Another alert (or metric anomaly) that started in the window."""

    alert_id: int
    name: str
    source: str
    state: str
    labels: dict[str, str] = Field(default_factory=dict)
    started: AwareDatetime


class Change(_Value):
    """A change event (``POST /events``)."""

    id: int
    type: ChangeType
    service: str | None = None
    environment: str | None = None
    at: AwareDatetime
    summary: str
    labels: dict[str, str] = Field(default_factory=dict)
    source: str = "api"


class LogStatus(StrEnum):
    OK = "ok"
    NO_SERVICE = "no_service"
    """The alert names no service: whose logs to read is unknown."""
    FAILED = "failed"
    """The log store did not answer."""


# --- the evidence ---------------------------------------------------------------------------------


class TemplateCount(_Value):
    template_id: str
    template: str
    count: int
    first_seen: datetime | None = None
    new: bool = False
    """First seen inside the window: never written before it."""


class FirstError(_Value):
    timestamp: datetime
    message: str
    template: str | None = None


class LogEvidence(_Value):
    status: LogStatus
    detail: str | None = None
    store: str | None = None
    service: str | None = None
    host: str | None = None
    lines: int = 0
    error_lines: int = 0
    top_errors: list[TemplateCount] = Field(default_factory=list)
    new_templates: list[TemplateCount] = Field(default_factory=list)
    first_error: FirstError | None = None


class RelatedAlert(_Value):
    alert_id: int
    name: str
    source: str
    state: str
    started: datetime
    score: float
    """Time proximity (0 to 1) plus label overlap (0 to 1): higher is more related."""
    shared: dict[str, str] = Field(default_factory=dict)
    reason: str


class ChangeSeen(_Value):
    id: int
    type: ChangeType
    service: str | None = None
    environment: str | None = None
    at: datetime
    summary: str
    source: str
    same_service: bool
    reason: str


class Evidence(_Value):
    """The root-cause evidence of one alert occurrence."""

    alert_id: int
    started: datetime
    window_start: datetime
    window_end: datetime
    computed_at: datetime
    logs: LogEvidence
    related: list[RelatedAlert] = Field(default_factory=list)
    changes: list[ChangeSeen] = Field(default_factory=list)
    error_logs: bool | None
    """True: error lines of the service in the window; False: its logs were read and had none;
    None: unknown (no service label, or the store failed)."""
    summary: str
