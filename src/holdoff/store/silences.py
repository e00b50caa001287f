"""Queries for silences."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from holdoff.mediate.matchers import Matcher, MatchType
from holdoff.mediate.silence import Silence
from holdoff.store.tables import silences


class SilenceState(enum.StrEnum):
    PENDING = "pending"
    """Starts in the future."""
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True)
class StoredSilence:
    silence: Silence
    created_at: datetime
    updated_at: datetime

    def state(self, now: datetime) -> SilenceState:
        if now >= self.silence.ends_at:
            return SilenceState.EXPIRED
        return SilenceState.ACTIVE if now >= self.silence.starts_at else SilenceState.PENDING


def _matchers_json(matchers: Sequence[Matcher]) -> list[dict[str, str]]:
    return [{"name": m.name, "type": m.type.value, "value": m.value} for m in matchers]


def _stored(row: Any) -> StoredSilence:
    m = row._mapping
    silence = Silence(
        id=m["id"],
        matchers=tuple(Matcher(x["name"], MatchType(x["type"]), x["value"]) for x in m["matchers"]),
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        created_by=m["created_by"],
        comment=m["comment"],
    )
    return StoredSilence(silence, m["created_at"], m["updated_at"])


_NOT_ENDED = select(silences).where(silences.c.ends_at > bindparam("now")).order_by(silences.c.id)


def not_ended(conn: Connection, now: datetime) -> list[Silence]:
    """Silences in force at ``now`` or starting later (callers check :meth:`Silence.active` per moment)."""
    return [_stored(row).silence for row in conn.execute(_NOT_ENDED, {"now": now})]


def create(
    conn: Connection,
    *,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    now: datetime,
) -> int:
    statement = silences.insert().returning(silences.c.id)
    values = {
        "matchers": _matchers_json(matchers),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "created_by": created_by,
        "comment": comment,
        "created_at": now,
        "updated_at": now,
    }
    new_id: int = conn.execute(statement, values).scalar_one()
    return new_id


def get(conn: Connection, silence_id: int, *, lock: bool = False) -> StoredSilence | None:
    query = select(silences).where(silences.c.id == silence_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _stored(row) if row is not None else None


def update_silence(
    conn: Connection,
    silence_id: int,
    *,
    matchers: Sequence[Matcher],
    starts_at: datetime,
    ends_at: datetime,
    comment: str,
    now: datetime,
) -> None:
    conn.execute(
        update(silences)
        .where(silences.c.id == silence_id)
        .values(
            matchers=_matchers_json(matchers),
            starts_at=starts_at,
            ends_at=ends_at,
            comment=comment,
            updated_at=now,
            ended_handled_at=None,
        )
    )


def listing(
    conn: Connection, *, state: SilenceState | None, now: datetime, limit: int
) -> list[StoredSilence]:
    """Silences, newest first, optionally in one state at ``now``."""
    query = select(silences).order_by(silences.c.id.desc()).limit(limit)
    if state is SilenceState.ACTIVE:
        query = query.where(silences.c.starts_at <= now, silences.c.ends_at > now)
    elif state is SilenceState.PENDING:
        query = query.where(silences.c.starts_at > now, silences.c.ends_at > now)
    elif state is SilenceState.EXPIRED:
        query = query.where(silences.c.ends_at <= now)
    return [_stored(row) for row in conn.execute(query)]


def claim_ended(conn: Connection, now: datetime, limit: int) -> list[int]:
    """Silences that have ended and whose end is not processed yet, locked (others' rows skipped)."""
    query = (
        select(silences.c.id)
        .where(silences.c.ended_handled_at.is_(None), silences.c.ends_at <= now)
        .order_by(silences.c.ends_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(conn.execute(query).scalars())


def mark_ended_handled(conn: Connection, silence_ids: Sequence[int], now: datetime) -> None:
    if silence_ids:
        conn.execute(
            update(silences).where(and_(silences.c.id.in_(list(silence_ids)))).values(ended_handled_at=now)
        )
