"""The query parameters that narrow ``GET /alerts``, read into an :class:`AlertFilter`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import HTTPException, Query

from holdoff.edge import InputRefused, utc_in_range
from holdoff.mediate.model import Severity
from holdoff.store.alert_search import AlertFilter

MAX_LABELS = 20


def _severities(text: str | None) -> list[Severity]:
    found: list[Severity] = []
    for name in (text or "").split(","):
        if not name.strip():
            continue
        try:
            found.append(Severity(name.strip().lower()))
        except ValueError:
            known = ", ".join(severity.value for severity in Severity)
            raise HTTPException(
                400, f"unknown severity {name.strip()!r}: use one or more of {known}"
            ) from None
    return found


def _labels(pairs: list[str] | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for pair in pairs or []:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise HTTPException(400, f"label {pair!r} is not name=value (e.g. label=cluster=eu-1)")
        found.append((name.strip(), value))
    if len(found) > MAX_LABELS:
        raise HTTPException(400, f"at most {MAX_LABELS} label filters, got {len(found)}")
    return found


def query_time(value: datetime | None, parameter: str) -> datetime | None:
    """A time query parameter in UTC (a time without a zone is UTC); 400 outside the accepted range."""
    if value is None:
        return None
    try:
        return utc_in_range(value, parameter)
    except InputRefused as exc:
        raise HTTPException(400, str(exc)) from None


def alert_filter(
    source: Annotated[
        str | None,
        Query(description="Comma-separated sources, e.g. alertmanager,coralogix.", max_length=500),
    ] = None,
    severity: Annotated[
        str | None,
        Query(description="Comma-separated severities: critical, high, warning, info, low.", max_length=200),
    ] = None,
    label: Annotated[
        list[str] | None,
        Query(
            description="name=value; repeat for several (an alert must carry all of them).",
            max_length=10_000,
        ),
    ] = None,
    since: Annotated[
        datetime | None,
        Query(
            description="Only alerts whose last change is at or after this ISO 8601 time (UTC if no zone)."
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Only alerts whose last change is before this ISO 8601 time (UTC if no zone)."),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            description="Free text: case-insensitive part of the name, fingerprint or a label value.",
            max_length=200,
        ),
    ] = None,
) -> AlertFilter:
    """The filters of the alert list (FastAPI dependency); 400 naming the parameter that is wrong."""
    start, end = query_time(since, "since"), query_time(until, "until")
    if start is not None and end is not None and start >= end:
        raise HTTPException(400, "since must be earlier than until")
    sources = [name.strip() for name in (source or "").split(",") if name.strip()]
    text = q.strip() if q is not None else None
    return AlertFilter(
        sources=sources,
        severities=_severities(severity),
        labels=_labels(label),
        since=start,
        until=end,
        text=text or None,
    )
