"""Any JSON webhook, through a configurable field mapping.

A :class:`GenericMapping` says where each alert field lives in the body, as dotted paths: ``alert.id``
walks into objects, ``items.0.name`` also indexes lists (from 0). Keys that contain a dot cannot be
addressed. With ``alerts_path`` the body carries a list of alerts and every path is read inside each
item; without it the body is one alert. The defaults read a flat body:
``{"id", "name", "status", "severity", "labels": {...}, "description", "url"}``.

Identity is the value at ``id`` itself (a string or an integer, stringified), so the sender decides which
alerts are the same. ``status`` must be one of ``firing_values`` or ``resolved_values`` (any case).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from holdoff.edge import clean_text
from holdoff.ingest.errors import PayloadError
from holdoff.mediate.model import Action, AlertEvent, Severity

SOURCE = "generic"

MAX_LABELS = 200
"""Labels per alert; a body with more is refused, not truncated."""
MAX_ALERTS = 1000
"""Alerts per body when ``alerts_path`` is set."""
MAX_ID = 255
MAX_NAME = 512
"""Longer names are cut to this many characters (ending in an ellipsis)."""
MAX_LABEL_KEY = 256
MAX_LABEL_VALUE = 4096
MAX_TEXT = 65_536
"""Longer descriptions are cut to this many characters."""

DEFAULT_FIRING_VALUES = ("firing", "triggered", "trigger", "open", "alarm", "active", "problem")
DEFAULT_RESOLVED_VALUES = ("resolved", "resolve", "ok", "closed", "inactive", "recovered")

DEFAULT_SEVERITY_MAP: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "fatal": Severity.CRITICAL,
    "emergency": Severity.CRITICAL,
    "p1": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "major": Severity.HIGH,
    "p2": Severity.HIGH,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "medium": Severity.WARNING,
    "minor": Severity.WARNING,
    "p3": Severity.WARNING,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "p4": Severity.INFO,
    "low": Severity.LOW,
    "debug": Severity.LOW,
    "p5": Severity.LOW,
}
"""Source severity (any case) onto Holdoff's scale. A configured ``severity_map`` is added on top of this
one (its entries win); a value found in neither leaves the alert without a severity."""

_MISSING = object()


def _check_path(path: str) -> str:
    path = path.strip()
    if not path or len(path) > 256:
        raise ValueError("a path must be 1 to 256 characters, like 'alert.id' or 'items.0.name'")
    if any(not segment for segment in path.split(".")):
        raise ValueError(f"path {path!r} has an empty segment (a leading, trailing or doubled dot)")
    return path


def _folded(values: tuple[str, ...]) -> tuple[str, ...]:
    folded = tuple(dict.fromkeys(value.strip().casefold() for value in values))
    if not folded or any(not value for value in folded):
        raise ValueError("must list at least one value, none of them empty")
    return folded


class GenericMapping(BaseModel):
    """Where a generic webhook keeps each alert field: the ``generic:`` section of the ``--config`` file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default="id", description="Path to the alert's identity (required in every alert).")
    name: str | None = Field(default="name", description="Path to the alert's name; the id when absent.")
    status: str = Field(default="status", description="Path to the firing/resolved status (required).")
    severity: str | None = Field(default="severity", description="Path to the severity, see severity_map.")
    labels: str | None = Field(default="labels", description="Path to a flat object of labels.")
    description: str | None = Field(default="description", description="Path to a description text.")
    links: dict[str, str] = Field(
        default_factory=lambda: {"url": "url"}, description="Link name -> path to an http(s) URL."
    )
    starts_at: str | None = Field(
        default=None, description="Path to the start time: ISO 8601, or epoch seconds/milliseconds."
    )
    firing_values: tuple[str, ...] = DEFAULT_FIRING_VALUES
    resolved_values: tuple[str, ...] = DEFAULT_RESOLVED_VALUES
    severity_map: dict[str, Severity] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY_MAP))
    alerts_path: str | None = Field(
        default=None, description="Path to a list of alerts; none: the whole body is one alert."
    )

    @field_validator("id", "name", "status", "severity", "labels", "description", "starts_at", "alerts_path")
    @classmethod
    def _paths(cls, value: str | None) -> str | None:
        return None if value is None else _check_path(value)

    @field_validator("links")
    @classmethod
    def _link_paths(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 20:
            raise ValueError("at most 20 links")
        for name in value:
            if not name.strip() or len(name) > 64:
                raise ValueError(f"link name {name!r} must be 1 to 64 characters")
        return {name.strip(): _check_path(path) for name, path in value.items()}

    @field_validator("firing_values", "resolved_values")
    @classmethod
    def _status_values(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _folded(value)

    @field_validator("severity_map")
    @classmethod
    def _merged_severities(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        return {**DEFAULT_SEVERITY_MAP, **{key.strip().casefold(): level for key, level in value.items()}}

    @model_validator(mode="after")
    def _statuses_disjoint(self) -> GenericMapping:
        both = sorted(set(self.firing_values) & set(self.resolved_values))
        if both:
            raise ValueError(f"values in both firing_values and resolved_values: {', '.join(both)}")
        return self

    def action_for(self, status: str) -> Action | None:
        folded = status.strip().casefold()
        if folded in self.firing_values:
            return Action.TRIGGERED
        if folded in self.resolved_values:
            return Action.RESOLVED
        return None


DEFAULT_MAPPING = GenericMapping()


def parse(payload: dict[str, Any], mapping: GenericMapping = DEFAULT_MAPPING) -> list[AlertEvent]:
    """The alert events of a generic webhook body, read through ``mapping``.

    Raises :class:`PayloadError` naming the mapped field and its path when a value is missing, of the
    wrong type, unknown (status) or too large.
    """
    if mapping.alerts_path is None:
        return [_alert(payload, mapping, where="")]
    alerts = _lookup(payload, mapping.alerts_path)
    if not isinstance(alerts, list):
        found = "nothing" if alerts is _MISSING or alerts is None else _kind(alerts)
        raise PayloadError(f"alerts_path {mapping.alerts_path!r}: expected a list of alerts, found {found}")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"{mapping.alerts_path}: {len(alerts)} alerts; at most {MAX_ALERTS} per body")
    events = []
    for index, item in enumerate(alerts):
        where = f"{mapping.alerts_path}.{index}"
        if not isinstance(item, dict):
            raise PayloadError(f"{where}: expected an alert object, found {_kind(item)}")
        events.append(_alert(item, mapping, where=where + ": "))
    return events


def _alert(alert: dict[str, Any], mapping: GenericMapping, where: str) -> AlertEvent:
    def fail(field: str, path: str, problem: str) -> PayloadError:
        return PayloadError(f"{where}{field} (path {path!r}): {problem}")

    def text(field: str, path: str | None, *, required: bool = False) -> str | None:
        if path is None:
            return None
        value = _lookup(alert, path)
        if value is _MISSING or value is None:
            if required:
                raise fail(field, path, "missing")
            return None
        if isinstance(value, dict | list):
            raise fail(field, path, f"expected text or a number, found {_kind(value)}")
        return _render(value)

    identity = _lookup(alert, mapping.id)
    if identity is _MISSING or identity is None:
        raise fail("id", mapping.id, "missing")
    if isinstance(identity, bool) or not isinstance(identity, str | int):
        raise fail("id", mapping.id, f"expected a string or an integer, found {_kind(identity)}")
    fingerprint = text("id", mapping.id) or ""
    if not fingerprint.strip() or len(fingerprint) > MAX_ID:
        raise fail("id", mapping.id, f"must be 1 to {MAX_ID} characters")

    status = text("status", mapping.status, required=True) or ""
    action = mapping.action_for(status)
    if action is None:
        raise fail(
            "status",
            mapping.status,
            f"unknown value {status[:64]!r}; accepted (any case): "
            f"{', '.join(mapping.firing_values)} (firing) or {', '.join(mapping.resolved_values)} (resolved)",
        )

    severity = text("severity", mapping.severity)
    description = text("description", mapping.description)
    links = {name: text(f"links.{name}", path) for name, path in mapping.links.items()}
    return AlertEvent(
        source=SOURCE,
        fingerprint=fingerprint,
        action=action,
        name=_cut(text("name", mapping.name) or fingerprint, MAX_NAME),
        severity=mapping.severity_map.get(severity.strip().casefold()) if severity else None,
        labels=_labels(alert, mapping.labels, where),
        annotations={"description": _cut(description, MAX_TEXT)} if description else {},
        links={name: url for name, url in links.items() if url and _is_web(url)},
        starts_at=_start(alert, mapping.starts_at, where),
        raw=alert,
    )


def _labels(alert: dict[str, Any], path: str | None, where: str) -> dict[str, str]:
    if path is None:
        return {}
    found = _lookup(alert, path)
    if found is _MISSING or found is None:
        return {}
    if not isinstance(found, dict):
        raise PayloadError(
            f"{where}labels (path {path!r}): expected an object of labels, found {_kind(found)}"
        )
    if len(found) > MAX_LABELS:
        raise PayloadError(
            f"{where}labels (path {path!r}): {len(found)} labels; at most {MAX_LABELS} per alert"
        )
    labels: dict[str, str] = {}
    for key, value in found.items():
        field = f"{where}labels.{key[:64]} (path {path + '.' + key[:64]!r})"
        if value is None:
            continue
        if isinstance(value, dict | list):
            raise PayloadError(
                f"{field}: nested {_kind(value)}s are not accepted as label values; "
                "labels must be a flat object of text, number or boolean values"
            )
        rendered = _render(value)
        if not key or len(key) > MAX_LABEL_KEY:
            raise PayloadError(f"{field}: a label name must be 1 to {MAX_LABEL_KEY} characters")
        if len(rendered) > MAX_LABEL_VALUE:
            raise PayloadError(f"{field}: a label value must be at most {MAX_LABEL_VALUE} characters")
        labels[clean_text(key)] = rendered
    return labels


def _start(alert: dict[str, Any], path: str | None, where: str) -> datetime | None:
    if path is None:
        return None
    value = _lookup(alert, path)
    if value is _MISSING or value is None or value == "":
        return None
    problem = f"{where}starts_at (path {path!r}): expected an ISO 8601 time or epoch seconds/milliseconds"
    if isinstance(value, bool):
        raise PayloadError(problem)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 100_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(problem) from None
    if not isinstance(value, str):
        raise PayloadError(problem)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PayloadError(f"{problem}, found {value[:64]!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _lookup(document: Any, path: str) -> Any:
    """The value at a dotted path, or ``_MISSING``."""
    current = document
    for segment in path.split("."):
        if isinstance(current, dict):
            if segment not in current:
                return _MISSING
            current = current[segment]
        elif isinstance(current, list):
            if not (segment.isascii() and segment.isdigit()) or int(segment) >= len(current):
                return _MISSING
            current = current[int(segment)]
        else:
            return _MISSING
    return current


def _render(value: Any) -> str:
    """A value as label text, under the rule for input text (:func:`holdoff.edge.clean_text`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean_text(str(value))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "null" if value is None else type(value).__name__


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def _is_web(url: str) -> bool:
    return url.strip().lower().startswith(("https://", "http://"))
