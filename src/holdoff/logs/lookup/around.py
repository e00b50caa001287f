"""Which lines to look up for an alert: the query for the logs of its service around its start (pure).

An alert names its service in a label (``service``, else ``app``, ``application``, ``subsystem`` or
``job``, the first present) and may name its host (``host`` or ``hostname``, else Prometheus'
``instance`` without its port: ``web-1:9100`` is host ``web-1``). The window is ``before``
the alert's start to ``after`` it, where the start is the source's own start time when it gave one,
else when Holdoff opened the alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from holdoff.logs.lookup.query import MAX_LINES, LookupQuery

SERVICE_LABELS: Final = ("service", "app", "application", "subsystem", "job")
HOST_LABELS: Final = ("host", "hostname")
MAX_SPAN: Final = timedelta(days=1)
"""The longest ``before`` or ``after`` one lookup may ask for."""


class NoService(ValueError):
    """The alert names no service, and none was given."""


class Around(BaseModel):
    """How far around an alert's start to look, and what to narrow to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    before: timedelta = Field(default=timedelta(minutes=10), ge=timedelta(0), le=MAX_SPAN)
    after: timedelta = Field(default=timedelta(minutes=5), ge=timedelta(0), le=MAX_SPAN)
    limit: int = Field(default=200, ge=1, le=MAX_LINES)
    contains: str | None = Field(default=None, min_length=1, max_length=1000)
    service: str | None = Field(
        default=None, min_length=1, max_length=200, description="Instead of the label."
    )
    host: str | None = Field(default=None, min_length=1, max_length=255, description="Instead of the label.")
    same_template: bool = Field(
        default=False, description="Only lines of the alert's log template (log-born alerts)."
    )


def first_label(labels: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    """The value of the first of ``names`` that ``labels`` has (non-empty)."""
    for name in names:
        value = labels.get(name, "").strip()
        if value:
            return value
    return None


def host_of(labels: Mapping[str, str]) -> str | None:
    """The host an alert names: ``host``, ``hostname``, or ``instance`` without its port."""
    named = first_label(labels, HOST_LABELS)
    if named is not None:
        return named
    instance = labels.get("instance", "").strip()
    if not instance:
        return None
    if instance.startswith("["):  # [2001:db8::1]:9100
        return instance[1:].split("]", 1)[0] or None
    head, colon, port = instance.rpartition(":")
    if colon and port.isdigit() and head and ":" not in head:
        return head
    return instance


def query_for(labels: Mapping[str, str], started: datetime, around: Around) -> LookupQuery:
    """The lookup for an alert with ``labels`` that started at ``started``; :class:`NoService` when
    neither ``around.service`` nor a service label names whose logs to read."""
    service = around.service or first_label(labels, SERVICE_LABELS)
    if service is None:
        names = ", ".join(SERVICE_LABELS)
        raise NoService(f"the alert has none of the labels {names}: give the service to look up (?service=)")
    template_id = labels.get("template_id") if around.same_template else None
    return LookupQuery(
        service=service,
        start=started - around.before,
        end=started + around.after,
        contains=around.contains,
        template_id=template_id or None,
        host=around.host or host_of(labels),
        limit=around.limit,
    )
