"""What a log record is, and what Holdoff says about one: the values every part of log analysis shares.

A :class:`LogRecord` is one record as parsed: a multi-line record (a stack trace) is one record. The
declared level is kept exactly as sent (``level`` text and/or OTLP ``severity_number``); Holdoff's own
assessment is the :class:`Verdict`, never written over it.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field


class LogSeverity(IntEnum):
    """Holdoff's assessed severity, ordered (``LogSeverity.ERROR < LogSeverity.CRITICAL``)."""

    DEBUG = 0
    INFO = 1
    WARNING = 2
    ERROR = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Layout(StrEnum):
    """How a record was written, as the parser recognised it."""

    JSON = "json"
    SYSLOG_3164 = "syslog-rfc3164"
    SYSLOG_5424 = "syslog-rfc5424"
    KLOG = "klog"
    NGINX_ACCESS = "nginx-access"
    NGINX_ERROR = "nginx-error"
    APACHE_ERROR = "apache-error"
    APP = "app"  # an application logging line (Python logging, log4j/logback, zap, logrus ...)
    LOGFMT = "logfmt"
    TRACEBACK = "traceback"  # a Java, Python or Go stack trace joined to the line that began it
    OTLP = "otlp"
    PLAIN = "plain"  # nothing recognised: the line is the message, kept as it is


class LogRecord(BaseModel):
    """One log record, as parsed from what a sender posted."""

    model_config = ConfigDict(frozen=True)

    timestamp: datetime = Field(description="When it was written (aware, UTC); the receive time if unknown.")
    service: str = Field(min_length=1, max_length=200)
    host: str | None = None
    level: str | None = Field(default=None, description="The declared level, as sent (e.g. 'FATAL', 'err').")
    severity_number: int | None = Field(
        default=None, ge=0, le=24, description="OTLP severity number, if sent."
    )
    message: str = Field(description="The whole record; several lines for a stack trace.")
    attributes: dict[str, str] = Field(default_factory=dict)
    record_id: str | None = Field(
        default=None, description="The sender's id, so a retried post is counted once."
    )
    layout: Layout = Layout.PLAIN


class Feature(BaseModel):
    """One part of a verdict's reason: what weighed, and how much (positive: towards critical)."""

    model_config = ConfigDict(frozen=True)

    name: str  # e.g. "level=FATAL", "word:panic", "template:new"
    weight: float


class TemplateHistory(BaseModel):
    """What is known of a record's template when it is judged."""

    model_config = ConfigDict(frozen=True)

    template_id: str
    template: str
    seen: int = Field(ge=0, description="Records of this template before this one.")
    first_seen: datetime | None = None
    marked: bool | None = Field(default=None, description="An operator said: True critical, False noise.")


class Verdict(BaseModel):
    """Holdoff's assessment of one record, with its evidence and confidence."""

    model_config = ConfigDict(frozen=True)

    severity: LogSeverity
    critical: bool = Field(description="Worth waking someone for.")
    score: float = Field(ge=0.0, le=1.0, description="How sure the model is that the record is critical.")
    template: TemplateHistory
    reason: tuple[Feature, ...] = Field(description="The features that weighed most, strongest first.")
    declared: LogSeverity | None = Field(description="The declared level read as a severity, if any.")
    model_version: str
