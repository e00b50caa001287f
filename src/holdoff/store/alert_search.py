"""Filters of the alert list: source, severity, labels, a time range and free text.

Each filter becomes a SQL condition that means the same on SQLite and PostgreSQL. Label values live
in a JSON column: equality reads one key (``labels ->> 'name'`` / ``json_extract``), free text walks
every value with the dialect's JSON table function (``json_each`` / ``json_each_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, exists, func, literal, or_, select, type_coerce

from holdoff.mediate.model import AlertState, Severity
from holdoff.store.tables import alerts

LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class AlertFilter:
    """What ``GET /alerts`` narrows the list to; every field left empty matches every alert."""

    states: Sequence[AlertState] = ()
    sources: Sequence[str] = ()
    severities: Sequence[Severity] = ()
    labels: Sequence[tuple[str, str]] = field(default_factory=tuple)
    """``(name, value)`` pairs; an alert must carry every one of them."""
    since: datetime | None = None
    """Last change at or after this time."""
    until: datetime | None = None
    """Last change before this time."""
    text: str | None = None
    """Case-insensitive substring of the name, the fingerprint or any label value."""


def _like_pattern(text: str) -> str:
    escaped = (
        text.lower()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def _label_equals(name: str, value: str) -> ColumnElement[bool]:
    label: ColumnElement[str] = alerts.c.labels[name].as_string()
    return label == value


def _any_label_value_like(pattern: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        pairs = func.json_each_text(alerts.c.labels).table_valued("key", "value").alias("label")
    else:
        pairs = func.json_each(alerts.c.labels).table_valued("key", "value").alias("label")
    value = type_coerce(pairs.c.value, String)
    return exists(select(literal(1)).select_from(pairs).where(func.lower(value).like(pattern, escape="\\")))


def conditions(where: AlertFilter, dialect: str) -> list[ColumnElement[bool]]:
    """The SQL conditions for ``where`` on the ``alerts`` table, for the given dialect name."""
    found: list[ColumnElement[bool]] = []
    if where.states:
        found.append(alerts.c.state.in_([state.value for state in where.states]))
    if where.sources:
        found.append(alerts.c.source.in_(list(where.sources)))
    if where.severities:
        found.append(alerts.c.severity.in_([severity.value for severity in where.severities]))
    found += [_label_equals(name, value) for name, value in where.labels]
    if where.since is not None:
        found.append(alerts.c.updated_at >= where.since)
    if where.until is not None:
        found.append(alerts.c.updated_at < where.until)
    if where.text:
        pattern = _like_pattern(where.text)
        found.append(
            or_(
                func.lower(alerts.c.name).like(pattern, escape="\\"),
                func.lower(alerts.c.fingerprint).like(pattern, escape="\\"),
                _any_label_value_like(pattern, dialect),
            )
        )
    return found


def matches_all(where: AlertFilter, dialect: str) -> ColumnElement[bool] | None:
    """All of :func:`conditions` joined, or None when nothing is filtered."""
    found = conditions(where, dialect)
    return and_(*found) if found else None
