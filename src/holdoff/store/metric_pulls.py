"""The scheduled pulls' rows: when each runs next, who holds it, where the last one ended, and how it
failed. One process at a time holds a pull: :func:`claim` takes a due row with a lease (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL; SQLite's writer lock serialises it), and only the holder may write its
outcome (:func:`finish`), so a process that overran its lease cannot overwrite a newer one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from holdoff.store.metric_tables import metric_pulls

_M = metric_pulls.c
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class PullRow:
    name: str
    next_at: datetime
    claimed_until: datetime | None
    claimed_by: str | None
    last_end: datetime | None
    last_ok_at: datetime | None
    failures: int
    last_error: str | None


def ensure(conn: Connection, names: Sequence[str], now: datetime) -> int:
    """A row for each of ``names`` that has none, due now; how many were added (a row another process
    adds at the same time is kept)."""
    have = set(conn.execute(select(_M.name).where(_M.name.in_(list(names)))).scalars())
    new = [{"name": name, "next_at": now, "failures": 0} for name in names if name not in have]
    if not new:
        return 0
    # Another process may add the same rows at the same time: theirs stand.
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    added = conn.execute(dialect.insert(metric_pulls).on_conflict_do_nothing(index_elements=["name"]), new)
    return max(0, int(added.rowcount))


def _row(row: Row[Any]) -> PullRow:
    return PullRow(
        name=row.name,
        next_at=row.next_at,
        claimed_until=row.claimed_until,
        claimed_by=row.claimed_by,
        last_end=row.last_end,
        last_ok_at=row.last_ok_at,
        failures=row.failures or 0,
        last_error=row.last_error,
    )


def claim(
    conn: Connection, names: Sequence[str], now: datetime, owner: str, lease: timedelta
) -> PullRow | None:
    """The most overdue of ``names`` that nobody holds, now held by ``owner`` until ``now + lease``."""
    if not names:
        return None
    query = (
        select(metric_pulls)
        .where(
            _M.name.in_(list(names)),
            _M.next_at <= now,
            or_(_M.claimed_until.is_(None), _M.claimed_until < now),
        )
        .order_by(_M.next_at, _M.name)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    found = conn.execute(query).first()
    if found is None:
        return None
    conn.execute(
        update(metric_pulls).where(_M.name == found.name).values(claimed_until=now + lease, claimed_by=owner)
    )
    return _row(found)


def finish(
    conn: Connection,
    name: str,
    owner: str,
    *,
    next_at: datetime,
    now: datetime,
    end: datetime | None = None,
    error: str | None = None,
) -> bool:
    """The held pull's outcome: on success (``error`` None) where it ended and failures reset; on
    failure one more failure and the error. Released either way; False when ``owner`` no longer held it."""
    values: dict[str, object] = {"next_at": next_at, "claimed_until": None, "claimed_by": None}
    if error is None:
        values |= {"last_ok_at": now, "failures": 0, "last_error": None}
        if end is not None:
            values["last_end"] = end
    else:
        values |= {"failures": _M.failures + 1, "last_error": error[:MAX_ERROR_CHARS]}
    done = conn.execute(update(metric_pulls).where(_M.name == name, _M.claimed_by == owner).values(**values))
    return bool(done.rowcount)


def release_owned(conn: Connection, owner: str) -> int:
    """Give back the pulls ``owner`` holds (a process that stops), unchanged: whoever is next may run
    them at once instead of when the lease runs out. How many were given back."""
    done = conn.execute(
        update(metric_pulls).where(_M.claimed_by == owner).values(claimed_until=None, claimed_by=None)
    )
    return int(done.rowcount)


def all_pulls(conn: Connection) -> list[PullRow]:
    return [_row(row) for row in conn.execute(select(metric_pulls).order_by(_M.name))]


def get(conn: Connection, name: str) -> PullRow | None:
    found = conn.execute(select(metric_pulls).where(_M.name == name)).first()
    return _row(found) if found is not None else None
