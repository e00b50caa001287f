"""Dashboard users: argon2 password hashes, and login throttling per (name, source address).

A login answers the same, in words and in time, whether the name exists or not: an unknown name is
checked against a dummy hash made with the same parameters, and throttling counts tried names, not
users. Failures slow down the address they come from (:mod:`holdoff.auth.throttle`); nobody can lock
a user out of the dashboard from another address. An admin lifts a user's throttling with
``holdoff user unlock NAME`` or ``POST /admin/users/{name}/unlock``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from holdoff.auth import throttle
from holdoff.auth.roles import Role
from holdoff.clock import Clock
from holdoff.store import login_throttle
from holdoff.store import users as user_store
from holdoff.store.db import Database
from holdoff.store.users import StoredUser

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class LoginRefused(Exception):
    """Wrong name or password (the message does not say which)."""

    def __init__(self, message: str = "wrong user name or password") -> None:
        super().__init__(message)


class Throttled(LoginRefused):
    """Too many failed logins from this address (for this name, or for any): wait :attr:`retry_after`
    seconds. Said the same way whether the name exists or not."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins from this address: wait {retry_after} seconds and try again"
        )
        self.retry_after = retry_after


class UserExists(ValueError):
    """A user with this name exists already."""


class UnknownUser(LookupError):
    """No user has this name."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None
    throttled_until: datetime | None = None
    """The latest time some address must wait until before trying this name again (None: none must)."""


def _info(stored: StoredUser, throttled_until: datetime | None = None) -> UserInfo:
    return UserInfo(
        id=stored.id,
        name=stored.name,
        role=Role(stored.role),
        created_at=stored.created_at,
        last_login_at=stored.last_login_at,
        throttled_until=throttled_until,
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
        self._dummy_hash: tuple[PasswordHasher, str] | None = None

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
        """Every user, with until when some address is throttled for it (if any is now)."""
        now = self.clock()
        with self.db.read() as conn:
            stored = user_store.listing(conn)
            keys = {throttle.user_key(user.name): user for user in stored}
            until = login_throttle.blocked_until(conn, list(keys), now)
        return [_info(user, until.get(key)) for key, user in keys.items()]

    def any_exist(self) -> bool:
        with self.db.read() as conn:
            return user_store.any_exist(conn)

    def authenticate(self, name: str, password: str, *, source: str | None) -> UserInfo:
        """The user, if the password is right; :class:`LoginRefused`, or :class:`Throttled` while this
        name or this address must wait. ``source`` is the client's address (None when unknown)."""
        now = self.clock()
        name_key = (throttle.user_key(name), throttle.source_key(source))
        address_key = (throttle.ANY_USER, name_key[1])
        self._count_attempt(name_key, address_key, now)
        stored = self._find(name)
        ok = self._verify(stored.password_hash if stored is not None else self._dummy(), password)
        if stored is None or not ok:
            raise LoginRefused()
        with self.db.transaction() as conn:
            current = user_store.by_name(conn, name, for_update=True)
            if current is None:  # removed meanwhile
                raise LoginRefused()
            login_throttle.remove(conn, name_key)
            counts = login_throttle.lock(conn, [address_key], now)
            login_throttle.save(
                conn, address_key, throttle.succeeded(counts[address_key], throttle.PER_ADDRESS)
            )
            rehash = self.hasher.check_needs_rehash(current.password_hash)
            user_store.record_login(
                conn, current.id, now=now, password_hash=self.hasher.hash(password) if rehash else None
            )
        return _info(current)

    def unlock(self, name: str) -> int:
        """Lift the throttling of ``name`` from every address; how many addresses were throttled or
        counting failures for it. :class:`UnknownUser` when no user has this name."""
        with self.db.transaction() as conn:
            if not _NAME.fullmatch(name) or user_store.by_name(conn, name) is None:
                raise UnknownUser(f"no user named {name!r} (holdoff user list shows the users)")
            return login_throttle.remove_user(conn, throttle.user_key(name))

    def _count_attempt(
        self, name_key: login_throttle.Key, address_key: login_throttle.Key, now: datetime
    ) -> None:
        """Count this attempt as a failure for the name and for the address, or raise :class:`Throttled`
        if either must still wait (then nothing is counted: waiting is not failing)."""
        limits = {name_key: throttle.PER_USER, address_key: throttle.PER_ADDRESS}
        with self.db.transaction() as conn:
            login_throttle.forget(conn, failed_before=now - throttle.FORGET_AFTER, now=now)
            counts = login_throttle.lock(conn, list(limits), now)
            waits = [wait for count in counts.values() if (wait := count.wait(now)) is not None]
            if not waits:
                for key, limit in limits.items():
                    login_throttle.save(conn, key, throttle.attempt(counts[key], now, limit))
        if waits:
            raise Throttled(throttle.retry_after(max(waits)))

    def _find(self, name: str) -> StoredUser | None:
        """The user of a name that could be one (a name no user could have is not looked up)."""
        if not _NAME.fullmatch(name):
            return None
        with self.db.read() as conn:
            return user_store.by_name(conn, name)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        """A hash made with the current hasher's parameters, so an unknown name costs what a known one does."""
        if self._dummy_hash is None or self._dummy_hash[0] is not self.hasher:
            self._dummy_hash = (self.hasher, self.hasher.hash("holdoff: no such user"))
        return self._dummy_hash[1]
