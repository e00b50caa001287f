"""Each log detector's state per key, kept in the database so windows survive a restart and every
process sees the same counts.

:func:`lock` gives a batch the states of the keys it touches, locked: a row is inserted for a key not
seen before (``ON CONFLICT DO NOTHING``) and all are then read ``FOR UPDATE`` in key order, so two
processes judging lines of one key take turns, and never deadlock. (SQLite writes are serialised
already.) :func:`save` writes what the detector decided; a state of ``None`` deletes its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.tables import log_detector_state

_S = log_detector_state.c


def lock(conn: Connection, detector: str, keys: Iterable[str], now: datetime) -> dict[str, dict[str, Any]]:
    """The stored state of each key (``{}`` for a key new here), locked until the transaction ends."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    maker = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        maker(log_detector_state)
        .values([{"detector": detector, "key": key, "state": {}, "updated_at": now} for key in wanted])
        .on_conflict_do_nothing(index_elements=["detector", "key"])
    )
    query = (
        select(_S.key, _S.state)
        .where(_S.detector == detector, _S.key.in_(wanted))
        .order_by(_S.key)
        .with_for_update()
    )
    return {row.key: dict(row.state or {}) for row in conn.execute(query)}


def save(
    conn: Connection,
    detector: str,
    states: Mapping[str, dict[str, Any] | None],
    expires: Mapping[str, datetime | None],
    now: datetime,
) -> None:
    """Write each key's new state and when the sweep must look at it (``None`` state: delete the key)."""
    gone = sorted(key for key, state in states.items() if state is None)
    if gone:
        conn.execute(delete(log_detector_state).where(_S.detector == detector, _S.key.in_(gone)))
    for key in sorted(key for key, state in states.items() if state is not None):
        conn.execute(
            update(log_detector_state)
            .where(_S.detector == detector, _S.key == key)
            .values(state=states[key], updated_at=now, expires_at=expires.get(key))
        )
    for key in sorted(set(expires) - set(states)):
        conn.execute(
            update(log_detector_state)
            .where(_S.detector == detector, _S.key == key)
            .values(expires_at=expires[key])
        )


def due(conn: Connection, detector: str, now: datetime, limit: int = 500) -> dict[str, dict[str, Any]]:
    """States whose sweep time has come, locked (rows another process holds are skipped)."""
    query = (
        select(_S.key, _S.state)
        .where(and_(_S.detector == detector, _S.expires_at.is_not(None), _S.expires_at <= now))
        .order_by(_S.key)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return {row.key: dict(row.state or {}) for row in conn.execute(query)}


def read(conn: Connection, detector: str) -> dict[str, dict[str, Any]]:
    """Every stored state of one detector (for tests and the API)."""
    query = select(_S.key, _S.state).where(_S.detector == detector).order_by(_S.key)
    return {row.key: dict(row.state or {}) for row in conn.execute(query)}


def forget_detectors_except(conn: Connection, names: Iterable[str]) -> int:
    """Delete the states of detectors no longer configured; how many rows went."""
    kept = sorted(set(names))
    return conn.execute(delete(log_detector_state).where(_S.detector.not_in(kept))).rowcount or 0
