"""API tokens: ``hld_<id>_<secret>``, shown once when made; only a SHA-256 of the token is stored.

The id is public (``holdoff token list`` shows it, ``holdoff token revoke`` takes it) and finds the
row; the stored hash is compared in constant time. A token's use is recorded at most once a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.auth.roles import Role
from holdoff.clock import Clock
from holdoff.store import api_tokens as token_store
from holdoff.store.api_tokens import StoredToken
from holdoff.store.db import Database

PREFIX = "hld_"
TOUCH_EVERY = timedelta(minutes=1)
_SHAPE = re.compile(r"hld_([0-9a-f]{12})_([A-Za-z0-9_-]{32,64})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}")


class TokenNotFound(LookupError):
    """No token has this id."""


def make() -> tuple[str, str]:
    """A new token's id and the whole token."""
    token_id = secrets.token_hex(6)
    return token_id, f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def parse_id(token: str) -> str | None:
    """The id of something shaped like a token, or None."""
    match = _SHAPE.fullmatch(token)
    return match.group(1) if match else None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"token name {name!r}: use 1-100 letters, digits, spaces and . _ @ -, starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token (never the token itself)."""

    id: str
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _info(stored: StoredToken) -> TokenInfo:
    return TokenInfo(
        id=stored.id,
        name=stored.name,
        role=Role(stored.role),
        created_at=stored.created_at,
        last_used_at=stored.last_used_at,
        revoked_at=stored.revoked_at,
    )


class ApiTokens:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def create(self, name: str, role: Role) -> tuple[TokenInfo, str]:
        """Store a new token; its description and the token, which is not kept and cannot be shown again."""
        name = check_name(name)
        token_id, token = make()
        with self.db.transaction() as conn:
            token_store.insert(
                conn, id=token_id, name=name, role=role, token_hash=digest(token), now=self.clock()
            )
            stored = token_store.get(conn, token_id)
        assert stored is not None
        return _info(stored), token

    def listing(self) -> list[TokenInfo]:
        with self.db.read() as conn:
            return [_info(stored) for stored in token_store.listing(conn)]

    def revoke(self, token_id: str) -> TokenInfo:
        """Revoke the token (idempotent); :class:`TokenNotFound` if there is none with this id."""
        with self.db.transaction() as conn:
            token_store.revoke(conn, token_id, self.clock())
            stored = token_store.get(conn, token_id)
        if stored is None:
            raise TokenNotFound(f"no API token with id {token_id!r} (see holdoff token list)")
        return _info(stored)

    def verify(self, token: str) -> TokenInfo | None:
        """The token's description if it is valid and not revoked, else None."""
        token_id = parse_id(token)
        if token_id is None:
            return None
        with self.db.read() as conn:
            stored = token_store.get(conn, token_id)
        if stored is None or not hmac.compare_digest(stored.token_hash, digest(token)):
            return None
        if stored.revoked_at is not None:
            return None
        now = self.clock()
        if stored.last_used_at is None or now - stored.last_used_at >= TOUCH_EVERY:
            with self.db.transaction() as conn:
                token_store.touch(conn, token_id, now)
        return _info(stored)

    def any_active(self) -> bool:
        with self.db.read() as conn:
            return token_store.any_active(conn)
