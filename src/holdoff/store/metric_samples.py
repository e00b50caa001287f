"""Metric series and samples as stored: written in batches, read back by series and range for
training and backtests, deleted by retention in bounded chunks.

:func:`store` upserts each series (``first_seen``/``last_seen`` are its sample times) and inserts
the samples, skipping a (series, time) already stored (``ON CONFLICT DO NOTHING``): a retried push or
an overlapping pull stores a point once, and a stored point is never changed. Beyond ``max_series``
stored series, the samples of a new series are dropped (counted), so a label explosion cannot fill
the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.metrics.model import Sample
from holdoff.store.metric_tables import metric_samples, metric_series

_S = metric_series.c
_P = metric_samples.c

LOOKUP_CHUNK: Final = 500
LAST_SEEN_RESOLUTION: Final = timedelta(minutes=10)
"""A series' ``last_seen`` moves when a sample is this much newer: not one UPDATE per series per batch
(the most of a batch's cost when every series sends a point every few seconds)."""
DEFAULT_DELETE_BATCH: Final = 5_000


@dataclass(frozen=True, slots=True)
class Stored:
    """What one :func:`store` did."""

    stored: int
    duplicates: int
    """Samples whose series and time were stored already (or came twice in the batch)."""
    series: int
    """Distinct series in the batch (those dropped included)."""
    new_series: int
    dropped: int = 0
    """Samples of new series refused because ``max_series`` series are stored."""
    dropped_series: int = 0
    dropped_ids: frozenset[str] = frozenset()
    """The ids of the series dropped (their samples must not reach the detectors either)."""


@dataclass(frozen=True, slots=True)
class SeriesRow:
    id: str
    name: str
    labels: dict[str, str]
    first_seen: datetime
    last_seen: datetime


def store(conn: Connection, samples: Sequence[Sample], *, max_series: int | None = None) -> Stored:
    """Upsert the series of ``samples`` and insert the samples (duplicates skipped)."""
    if not samples:
        return Stored(0, 0, 0, 0)
    groups = _by_series(samples)
    known = _known(conn, list(groups))
    new = [key for key in groups if key not in known]
    dropped_keys: list[str] = []
    if new and max_series is not None:
        room = max(0, max_series - count_series(conn))
        new, dropped_keys = new[:room], new[room:]
    if new:
        # Another process may add the same new series at the same time: its row stands.
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(metric_series).on_conflict_do_nothing(index_elements=["id"]),
            [_series_values(key, groups[key]) for key in new],
        )
    if known:
        updates = [
            {"key": key, "seen": latest}
            for key in groups
            if key in known
            and (latest := max(s.timestamp for s in groups[key])) > known[key] + LAST_SEEN_RESOLUTION
        ]
        if updates:
            conn.execute(
                update(metric_series).where(_S.id == bindparam("key")).values(last_seen=bindparam("seen")),
                updates,
            )
    dropped_set = set(dropped_keys)
    rows = _unique_rows({key: group for key, group in groups.items() if key not in dropped_set})
    stored = _insert(conn, rows)
    dropped = sum(len(groups[key]) for key in dropped_keys)
    return Stored(
        stored=stored,
        duplicates=len(samples) - dropped - stored,
        series=len(groups),
        new_series=len(new),
        dropped=dropped,
        dropped_series=len(dropped_keys),
        dropped_ids=frozenset(dropped_keys),
    )


def _known(conn: Connection, keys: list[str]) -> dict[str, datetime]:
    """The stored series among ``keys``, with their ``last_seen``."""
    found: dict[str, datetime] = {}
    for first in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[first : first + LOOKUP_CHUNK]
        for row in conn.execute(select(_S.id, _S.last_seen).where(_S.id.in_(chunk))):
            found[row.id] = row.last_seen
    return found


def _by_series(samples: Sequence[Sample]) -> dict[str, list[Sample]]:
    """``samples`` by series id, each id computed once per series of the batch (not per sample)."""
    ids: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        seen = (sample.name, tuple(sample.labels.items()))
        key = ids.get(seen)
        if key is None:
            key = ids[seen] = sample.series_id
        groups.setdefault(key, []).append(sample)
    return groups


def _series_values(key: str, group: list[Sample]) -> dict[str, Any]:
    first = group[0]
    times = [sample.timestamp for sample in group]
    return {
        "id": key,
        "name": first.name,
        "labels": dict(first.labels),
        "first_seen": min(times),
        "last_seen": max(times),
    }


def _unique_rows(groups: Mapping[str, list[Sample]]) -> list[tuple[str, datetime, float]]:
    """One row per (series, time): the first of the batch wins, as the stored one would."""
    rows: list[tuple[str, datetime, float]] = []
    for key, group in groups.items():
        seen: set[datetime] = set()
        for sample in group:
            if sample.timestamp not in seen:
                seen.add(sample.timestamp)
                rows.append((key, sample.timestamp, sample.value))
    return rows


_INSERT_POSTGRESQL: Final = (
    postgresql.insert(metric_samples)
    .on_conflict_do_nothing(index_elements=["series_id", "ts"])
    .returning(_P.ts)
)
_INSERT_SQLITE: Final = (
    "INSERT INTO metric_samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)


def _insert(conn: Connection, rows: list[tuple[str, datetime, float]]) -> int:
    if not rows:
        return 0
    if conn.dialect.name == "sqlite":
        # The driver's executemany with times converted here as UTCDateTime stores them on SQLite
        # (naive UTC text), in a fraction of SQLAlchemy's per-value conversion; it sums the rows stored.
        params = [(key, _sqlite_time(at), value) for key, at, value in rows]
        return int(conn.exec_driver_sql(_INSERT_SQLITE, params).rowcount)
    values = [{"series_id": key, "ts": at, "value": value} for key, at, value in rows]
    return len(conn.execute(_INSERT_POSTGRESQL, values).all())


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def count_series(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(metric_series)).scalar_one())


def series(
    conn: Connection,
    name: str | None = None,
    matchers: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
) -> list[SeriesRow]:
    """Stored series, by name; ``matchers`` are labels a series must have with exactly these values."""
    query = select(metric_series).order_by(_S.name, _S.id)
    if name is not None:
        query = query.where(_S.name == name)
    found: list[SeriesRow] = []
    for row in conn.execute(query):
        labels = dict(row.labels or {})
        if matchers and any(labels.get(key) != value for key, value in matchers.items()):
            continue
        found.append(SeriesRow(row.id, row.name, labels, row.first_seen, row.last_seen))
        if limit is not None and len(found) >= limit:
            break
    return found


def samples(conn: Connection, series_id: str, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """The samples of one series in ``[start, end)``, oldest first."""
    query = (
        select(_P.ts, _P.value).where(_P.series_id == series_id, _P.ts >= start, _P.ts < end).order_by(_P.ts)
    )
    return [(row.ts, float(row.value)) for row in conn.execute(query)]


def delete_expired(conn: Connection, before: datetime, *, batch: int = DEFAULT_DELETE_BATCH) -> int:
    """One chunk of retention: about ``batch`` of the oldest samples older than ``before`` (all those of
    the boundary time: ties are few, one per series). Call it in short transactions until it returns 0."""
    boundary = conn.execute(
        select(_P.ts).where(_P.ts < before).order_by(_P.ts).offset(batch).limit(1)
    ).scalar_one_or_none()
    cut = _P.ts < before if boundary is None else _P.ts <= boundary
    return int(conn.execute(delete(metric_samples).where(cut)).rowcount)


def delete_stale_series(conn: Connection, before: datetime, *, batch: int = DEFAULT_DELETE_BATCH) -> int:
    """One chunk of series last seen before ``before`` that have no sample left (``last_seen`` may lag
    by :data:`LAST_SEEN_RESOLUTION`: a series with a newer sample stays)."""
    left = select(_P.series_id).where(_P.series_id == _S.id).exists()
    ids = select(_S.id).where(_S.last_seen < before, ~left).order_by(_S.id).limit(batch).scalar_subquery()
    return int(conn.execute(delete(metric_series).where(_S.id.in_(ids))).rowcount)
