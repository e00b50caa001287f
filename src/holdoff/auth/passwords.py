"""Dashboard users: argon2 password hashes, and a lockout after repeated failed logins.

After :data:`MAX_FAILURES` wrong passwords in a row a user is locked for :data:`LOCKOUT`; while locked,
logins are refused without looking at the password. An unknown name costs the same hash check as a
known one, so timing does not tell which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from holdoff.auth.roles import Role
from holdoff.clock import Clock
from holdoff.store import users as user_store
from holdoff.store.db import Database
from holdoff.store.users import StoredUser

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class LoginRefused(Exception):
    """Wrong name or password (the message does not say which)."""


class LockedOut(LoginRefused):
    """Too many failed logins; refused until :attr:`until`."""

    def __init__(self, name: str, until: datetime) -> None:
        super().__init__(f"too many failed logins: {name} is locked until {until:%H:%M} UTC; try again later")
        self.until = until


class UserExists(ValueError):
    """A user with this name exists already."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None
    locked_until: datetime | None


def _info(stored: StoredUser) -> UserInfo:
    return UserInfo(
        id=stored.id,
        name=stored.name,
        role=Role(stored.role),
        created_at=stored.created_at,
        last_login_at=stored.last_login_at,
        locked_until=stored.locked_until,
    )


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"user name {name!r}: use 1-64 letters, digits and . _ @ -, starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


class Users:
    def __init__(self, db: Database, clock: Clock, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def create(self, name: str, role: Role, password: str) -> UserInfo:
        name = check_name(name)
        password_hash = self.hasher.hash(check_password(password))
        try:
            with self.db.transaction() as conn:
                user_store.insert(conn, name=name, role=role, password_hash=password_hash, now=self.clock())
                stored = user_store.by_name(conn, name)
        except IntegrityError:
            raise UserExists(f"a user named {name!r} exists already") from None
        assert stored is not None
        return _info(stored)

    def listing(self) -> list[UserInfo]:
        with self.db.read() as conn:
            return [_info(stored) for stored in user_store.listing(conn)]

    def any_exist(self) -> bool:
        with self.db.read() as conn:
            return user_store.any_exist(conn)

    def authenticate(self, name: str, password: str) -> UserInfo:
        """The user, if the password is right; :class:`LoginRefused` or :class:`LockedOut` otherwise."""
        now = self.clock()
        with self.db.read() as conn:
            stored = user_store.by_name(conn, name)
        if stored is None:
            self._verify(self._dummy(), password)
            raise LoginRefused("wrong user name or password")
        if stored.locked_until is not None and stored.locked_until > now:
            raise LockedOut(stored.name, stored.locked_until)
        ok = self._verify(stored.password_hash, password)
        with self.db.transaction() as conn:
            current = user_store.by_name(conn, name, for_update=True)
            if current is None:
                raise LoginRefused("wrong user name or password")
            if ok:
                rehash = self.hasher.check_needs_rehash(current.password_hash)
                user_store.set_login_state(
                    conn,
                    current.id,
                    failed_logins=0,
                    locked_until=None,
                    last_login_at=now,
                    password_hash=self.hasher.hash(password) if rehash else None,
                )
                return _info(current)
            failures = current.failed_logins + 1
            if failures >= MAX_FAILURES:
                until = now + LOCKOUT
                user_store.set_login_state(conn, current.id, failed_logins=0, locked_until=until)
                locked: LoginRefused = LockedOut(current.name, until)
            else:
                user_store.set_login_state(conn, current.id, failed_logins=failures, locked_until=None)
                locked = LoginRefused("wrong user name or password")
        raise locked

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("holdoff: no such user")
        return self._dummy_hash
