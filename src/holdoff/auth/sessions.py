"""Dashboard sessions, kept server-side.

The browser holds a random id in the ``holdoff_session`` cookie (HttpOnly, SameSite=Lax, Secure when
Holdoff is reached over https); the database holds only its SHA-256, the user, a CSRF token, and
two expiries: :data:`IDLE` after the last request and :data:`ABSOLUTE` after login, whichever is first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.auth.roles import Role
from holdoff.clock import Clock
from holdoff.store import sessions as session_store
from holdoff.store.db import Database

COOKIE = "holdoff_session"
IDLE = timedelta(hours=12)
ABSOLUTE = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    user_name: str
    role: Role
    csrf_token: str
    expires_at: datetime

    def csrf_ok(self, presented: str | None) -> bool:
        """Whether ``presented`` is this session's CSRF token (constant-time)."""
        return presented is not None and hmac.compare_digest(
            presented.encode("utf-8"), self.csrf_token.encode("utf-8")
        )


class Sessions:
    def __init__(
        self, db: Database, clock: Clock, *, idle: timedelta = IDLE, absolute: timedelta = ABSOLUTE
    ) -> None:
        self.db = db
        self.clock = clock
        self.idle = idle
        self.absolute = absolute

    def start(self, user_id: int) -> str:
        """A new session for the user; the id to put in the cookie (kept nowhere else)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as conn:
            session_store.remove_ended(conn, now=now, idle_before=now - self.idle)
            session_store.insert(
                conn,
                id_hash=_hash(session_id),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(32),
                now=now,
                expires_at=now + self.absolute,
            )
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The live session with this id (and its user's current role), or None if unknown or expired."""
        if not session_id or len(session_id) > 256:
            return None
        id_hash = _hash(session_id)
        with self.db.read() as conn:
            stored = session_store.get(conn, id_hash)
        now = self.clock()
        if stored is None or now >= stored.expires_at or now >= stored.last_seen_at + self.idle:
            return None
        if now - stored.last_seen_at >= TOUCH_EVERY:
            with self.db.transaction() as conn:
                session_store.touch(conn, id_hash, now)
        return Session(
            user_name=stored.user_name,
            role=Role(stored.role),
            csrf_token=stored.csrf_token,
            expires_at=min(stored.expires_at, now + self.idle),
        )

    def end(self, session_id: str) -> None:
        """Log out: the session is gone (nothing happens for an unknown id)."""
        with self.db.transaction() as conn:
            session_store.remove(conn, _hash(session_id))
