"""The pure core of retention: which kinds of rows are past their retention at ``now``, and, given how
many rows of each kind the store found past it, what the next prune removes and in how many chunks.

Kinds are pruned in :data:`ORDER`, children before parents: sent messages (with their delivery attempts)
before the alerts and incidents they belong to, the evidence of resolved alerts before the alerts. Within
a kind the store deletes the children of each chunk before the chunk's rows (:mod:`holdoff.store.retention`).
Nothing here reads a clock or a database.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.retention.config import RetentionSection


class Kind(enum.StrEnum):
    """A kind of row with its own retention (a field of ``retention:``)."""

    NOTIFICATIONS = "notifications"
    EVIDENCE = "evidence"
    ALERTS = "alerts"
    INCIDENTS = "incidents"
    CHANGES = "changes"
    AUDIT = "audit"


ORDER: tuple[Kind, ...] = tuple(Kind)
"""The order of a prune: children before parents."""

TABLES: dict[Kind, tuple[str, ...]] = {
    Kind.NOTIFICATIONS: ("delivery_attempts", "notifications"),
    Kind.EVIDENCE: ("alert_evidence",),
    Kind.ALERTS: (
        "alert_events",
        "delivery_attempts",
        "notifications",
        "alert_evidence",
        "alerts",
    ),
    Kind.INCIDENTS: ("incident_members", "delivery_attempts", "notifications", "incidents"),
    Kind.CHANGES: ("change_events",),
    Kind.AUDIT: ("audit_log",),
}
"""The tables a kind deletes from, children first; the last one holds the kind's own rows."""

WHAT: dict[Kind, str] = {
    Kind.NOTIFICATIONS: "delivered or abandoned messages",
    Kind.EVIDENCE: "evidence of resolved alerts",
    Kind.ALERTS: "resolved alerts",
    Kind.INCIDENTS: "resolved incidents",
    Kind.CHANGES: "change events",
    Kind.AUDIT: "audit log entries",
}


def keep_for(config: RetentionSection, kind: Kind) -> timedelta | None:
    """How long ``kind`` is kept; None: forever."""
    value: timedelta | None = getattr(config, kind.value)
    return value


def cutoffs(config: RetentionSection, now: datetime) -> dict[Kind, datetime]:
    """For each kind with a retention, the moment before which its rows may go (in :data:`ORDER`)."""
    found = {}
    for kind in ORDER:
        keep = keep_for(config, kind)
        if keep is not None:
            found[kind] = now - keep
    return found


@dataclass(frozen=True, slots=True)
class Step:
    """One kind's part of a prune: rows past ``before``, deleted ``chunk`` at a time."""

    kind: Kind
    before: datetime
    rows: int
    """Rows of the kind itself the store found past retention (their children go with them)."""
    chunks: int


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]
    chunk: int
    max_chunks: int

    @property
    def rows(self) -> int:
        return sum(step.rows for step in self.steps)

    @property
    def chunks(self) -> int:
        return sum(step.chunks for step in self.steps)

    @property
    def finishes(self) -> bool:
        """Whether one run removes everything planned (else the rest waits for the next run)."""
        return self.chunks <= self.max_chunks


def plan(config: RetentionSection, now: datetime, past: Mapping[Kind, int]) -> Plan:
    """What the next prune removes: per kind with a retention and rows ``past`` it, the chunks it takes.
    Kinds kept forever, or with nothing past retention, have no step."""
    steps = []
    for kind, before in cutoffs(config, now).items():
        rows = past.get(kind, 0)
        if rows > 0:
            steps.append(Step(kind, before, rows, math.ceil(rows / config.chunk)))
    return Plan(tuple(steps), config.chunk, config.max_chunks)


@dataclass(frozen=True, slots=True)
class TableSize:
    """A table as the database reports it: rows, and bytes with indexes (None when unknown)."""

    table: str
    rows: int
    bytes: int | None


@dataclass(frozen=True, slots=True)
class TableLine:
    """A line of ``holdoff db stats``: a table, its size, what the next prune removes and by which rule."""

    table: str
    rows: int
    bytes: int | None
    removes: int
    rules: tuple[str, ...]


def table_lines(
    sizes: list[TableSize],
    removals: Mapping[str, Mapping[str, int]],
    rules: Mapping[str, str],
) -> list[TableLine]:
    """Join sizes with ``removals`` (rule -> table -> rows the next prune removes) and the retention
    each rule applies (``rules``: rule -> a description, e.g. ``alerts 90d``); largest tables first."""
    lines = []
    for size in sizes:
        removes = sum(by_table.get(size.table, 0) for by_table in removals.values())
        named = tuple(
            rules[rule] for rule, by_table in removals.items() if size.table in by_table and rule in rules
        )
        lines.append(TableLine(size.table, size.rows, size.bytes, removes, named))
    return sorted(lines, key=lambda line: (-(line.bytes or 0), -line.rows, line.table))


def describe_keep(keep: timedelta | None) -> str:
    """``90d``, ``12h``, ``30m``, ``45s`` or ``forever``."""
    if keep is None:
        return "forever"
    seconds = keep.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
