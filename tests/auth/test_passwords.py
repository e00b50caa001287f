"""Dashboard users: argon2 hashes, and a 15-minute lockout after 5 failed logins in a row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from holdoff.auth.access import AccessControl
from holdoff.auth.passwords import LOCKOUT, MAX_FAILURES, LockedOut, LoginRefused, UserExists
from holdoff.auth.roles import Role
from holdoff.store.db import Database
from holdoff.store.tables import users
from tests.service.helpers import FakeClock

PASSWORD = "correct horse battery"


def test_the_password_is_stored_as_an_argon2_hash(access: AccessControl, db: Database) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with db.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_logs_in_and_is_recorded(access: AccessControl, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    user = access.users.authenticate("alice", PASSWORD)
    assert (user.name, user.role) == ("alice", Role.OPERATOR)
    [listed] = access.users.listing()
    assert listed.last_login_at == clock.now


@pytest.mark.parametrize(
    ("name", "password"), [("alice", "wrong password"), ("bob", PASSWORD), ("ALICE", PASSWORD)]
)
def test_a_wrong_name_or_password_is_refused_without_saying_which(
    access: AccessControl, name: str, password: str
) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with pytest.raises(LoginRefused, match=r"^wrong user name or password$"):
        access.users.authenticate(name, password)


def test_five_failures_lock_the_user_for_fifteen_minutes(access: AccessControl, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused) as refused:
            access.users.authenticate("alice", "guess")
        assert not isinstance(refused.value, LockedOut)
    with pytest.raises(LockedOut, match="alice is locked until 03:15 UTC") as locked:
        access.users.authenticate("alice", "guess")
    assert locked.value.until == clock.now + LOCKOUT
    clock.advance(LOCKOUT.total_seconds() - 1)
    with pytest.raises(LockedOut):  # even the right password, while locked
        access.users.authenticate("alice", PASSWORD)
    clock.advance(1)
    assert access.users.authenticate("alice", PASSWORD).name == "alice"


def test_a_success_resets_the_count_of_failures(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused):
            access.users.authenticate("alice", "guess")
    access.users.authenticate("alice", PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused) as refused:
            access.users.authenticate("alice", "guess")
        assert not isinstance(refused.value, LockedOut)


def test_lockout_is_per_user(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    access.users.create("bob", Role.VIEWER, PASSWORD)
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            access.users.authenticate("alice", "guess")
    assert access.users.authenticate("bob", PASSWORD).name == "bob"


def test_names_are_unique_and_passwords_long_enough(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with pytest.raises(UserExists, match="'alice' exists already"):
        access.users.create("alice", Role.ADMIN, PASSWORD)
    with pytest.raises(ValueError, match="shorter than 8"):
        access.users.create("bob", Role.ADMIN, "short")
    with pytest.raises(ValueError, match="user name"):
        access.users.create("bad name", Role.ADMIN, PASSWORD)
