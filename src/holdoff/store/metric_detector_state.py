"""Each detector entry's state per series (``metric_detector_state``): the JSON the entry made
(:meth:`holdoff.detectors.pipeline.EntryRunner.dump`) and what the dashboard shows of it (learning
phase, missing history, note, last point and score).

The ``detector`` column holds the entry's key: one row per entry and series carries every detector of
the entry, so a batch locks and writes one row per series it touches. :func:`lock_versions` inserts the rows
of series not seen before (``ON CONFLICT DO NOTHING``) and reads them all ``FOR UPDATE`` in key order,
so two processes scoring one series take turns and never deadlock (SQLite serialises writers already);
it reads each row's version (``last_ts``), and :func:`states` the JSON of the rows whose state the
process does not hold in memory already.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.metric_tables import metric_detector_state, metric_series

_S = metric_detector_state.c
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StateRow:
    """What a batch writes back for one entry and series."""

    detector: str
    series_id: str
    state: dict[str, Any]
    phase: str
    missing_seconds: float | None
    note: str
    last_ts: datetime | None
    last_value: float | None
    last_score: float | None


def _insert(dialect: str) -> Any:
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return maker(metric_detector_state).on_conflict_do_nothing(index_elements=["detector", "series_id"])


_INSERTS = {name: _insert(name) for name in ("postgresql", "sqlite")}


_SELECT_VERSIONS = (
    select(_S.detector, _S.series_id, _S.last_ts)
    .where(_S.detector == bindparam("detector"), _S.series_id.in_(bindparam("ids", expanding=True)))
    .order_by(_S.series_id)
    .with_for_update()
)
_SELECT_STATES = select(_S.detector, _S.series_id, _S.state).where(
    _S.detector == bindparam("detector"), _S.series_id.in_(bindparam("ids", expanding=True))
)


def _by_entry(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for detector, series_id in sorted(set(keys)):
        grouped.setdefault(detector, []).append(series_id)
    return grouped


def lock_versions(
    conn: Connection, keys: Iterable[tuple[str, str]], known: Container[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], datetime | None]:
    """Lock each ``(entry, series_id)`` row (inserting those not ``known`` to exist, and any found
    missing) and return its ``last_ts``: the version of its state (the last point it scored), so a
    process holding the state in memory reads the JSON again only when another process (or a rolled
    back transaction) moved it."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    insert = _INSERTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]

    def inserted(chosen: Sequence[tuple[str, str]]) -> None:
        if chosen:
            rows = [
                {"detector": d, "series_id": s, "state": {}, "phase": "warming_up", "updated_at": now}
                for d, s in chosen
            ]
            conn.execute(insert, rows)

    def locked(chosen: Iterable[tuple[str, str]]) -> dict[tuple[str, str], datetime | None]:
        found: dict[tuple[str, str], datetime | None] = {}
        for detector, ids in _by_entry(chosen).items():
            for start in range(0, len(ids), _CHUNK):
                rows = conn.execute(
                    _SELECT_VERSIONS, {"detector": detector, "ids": ids[start : start + _CHUNK]}
                )
                found |= {(row.detector, row.series_id): row.last_ts for row in rows}
        return found

    inserted([key for key in wanted if key not in known])
    found = locked(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:  # deleted since this process saw them
        inserted(missing)
        found |= locked(missing)
    return found


def states(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored states of rows this transaction has locked (:func:`lock_versions`)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for detector, ids in _by_entry(keys).items():
        for start in range(0, len(ids), _CHUNK):
            rows = conn.execute(_SELECT_STATES, {"detector": detector, "ids": ids[start : start + _CHUNK]})
            found |= {(row.detector, row.series_id): dict(row.state or {}) for row in rows}
    return found


_SAVE = (
    update(metric_detector_state)
    .where(and_(_S.detector == bindparam("k_detector"), _S.series_id == bindparam("k_series")))
    .values(
        state=bindparam("state"),
        phase=bindparam("phase"),
        missing_seconds=bindparam("missing_seconds"),
        note=bindparam("note"),
        last_ts=bindparam("last_ts"),
        last_value=bindparam("last_value"),
        last_score=bindparam("last_score"),
        updated_at=bindparam("updated_at"),
    )
)


def save(conn: Connection, rows: Sequence[StateRow], now: datetime) -> None:
    """Write each row's new state (one statement, executed for all rows)."""
    if not rows:
        return
    conn.execute(
        _SAVE,
        [
            {
                "k_detector": row.detector,
                "k_series": row.series_id,
                "state": row.state,
                "phase": row.phase,
                "missing_seconds": row.missing_seconds,
                "note": row.note[:2000],
                "last_ts": row.last_ts,
                "last_value": row.last_value,
                "last_score": row.last_score,
                "updated_at": now,
            }
            for row in sorted(rows, key=lambda r: (r.detector, r.series_id))
        ],
    )


@dataclass(frozen=True, slots=True)
class SeriesView:
    """One scored series as the API and the dashboard show it."""

    entry: str
    series_id: str
    name: str
    labels: dict[str, str]
    phase: str
    missing_seconds: float | None
    note: str
    last_ts: datetime | None
    last_value: float | None
    last_score: float | None
    open_since: float | None


def views(
    conn: Connection,
    *,
    name: str | None = None,
    phase: str | None = None,
    entry: str | None = None,
    search: str | None = None,
    min_score: float | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[int, list[SeriesView]]:
    """Scored series with their learning state, the highest last score first; and how many match."""
    conditions = []
    if name:
        conditions.append(metric_series.c.name == name)
    if phase:
        conditions.append(_S.phase == phase)
    if entry:
        conditions.append(_S.detector == entry)
    if min_score is not None:
        conditions.append(_S.last_score >= min_score)
    if search:
        like = f"%{search.lower()}%"
        conditions.append(or_(func.lower(metric_series.c.name).like(like), _S.series_id.like(like)))
    joined = metric_detector_state.join(metric_series, metric_series.c.id == _S.series_id)
    total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    query = (
        select(
            _S.detector,
            _S.series_id,
            metric_series.c.name,
            metric_series.c.labels,
            _S.phase,
            _S.missing_seconds,
            _S.note,
            _S.last_ts,
            _S.last_value,
            _S.last_score,
            _S.state,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(_S.last_score.desc().nulls_last(), _S.detector, _S.series_id)
        .limit(limit)
        .offset(offset)
    )
    out = []
    for row in conn.execute(query):
        alert = (row.state or {}).get("alert") or {}
        open_since = alert.get("open_since")
        out.append(
            SeriesView(
                entry=row.detector,
                series_id=row.series_id,
                name=row.name,
                labels=dict(row.labels or {}),
                phase=row.phase,
                missing_seconds=row.missing_seconds,
                note=row.note or "",
                last_ts=row.last_ts,
                last_value=row.last_value,
                last_score=row.last_score,
                open_since=float(open_since) if isinstance(open_since, int | float) else None,
            )
        )
    return int(total), out


def read(conn: Connection, entry: str, series_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(_S.state).where(_S.detector == entry, _S.series_id == series_id)).first()
    return dict(row.state or {}) if row is not None else None
