"""Sessions: server-side, expire when idle and absolutely, end at logout; CSRF token per session."""

from __future__ import annotations

from sqlalchemy import select

from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.auth.sessions import ABSOLUTE, IDLE
from holdoff.store.db import Database
from holdoff.store.tables import sessions
from tests.service.helpers import FakeClock


def _login(access: AccessControl, role: Role = Role.VIEWER) -> str:
    user = access.users.create("alice", role, "correct horse battery")
    return access.sessions.start(user.id)


def test_a_session_names_its_user_and_role_and_only_its_hash_is_stored(
    access: AccessControl, db: Database
) -> None:
    session_id = _login(access, Role.OPERATOR)
    session = access.sessions.get(session_id)
    assert session is not None and (session.user_name, session.role) == ("alice", Role.OPERATOR)
    with db.read() as conn:
        [row] = conn.execute(select(sessions)).all()
    assert session_id not in " ".join(str(value) for value in row)


def test_a_forged_session_id_is_unknown(access: AccessControl) -> None:
    session_id = _login(access)
    assert access.sessions.get(session_id[:-1] + "x") is None
    assert access.sessions.get("") is None
    assert access.sessions.get("x" * 1000) is None


def test_a_session_left_idle_expires(access: AccessControl, clock: FakeClock) -> None:
    session_id = _login(access)
    clock.advance(IDLE.total_seconds() - 1)
    assert access.sessions.get(session_id) is not None  # and this use counts as activity
    clock.advance(IDLE.total_seconds() - 1)
    assert access.sessions.get(session_id) is not None
    clock.advance(IDLE.total_seconds())
    assert access.sessions.get(session_id) is None


def test_a_session_in_use_still_ends_at_its_absolute_expiry(access: AccessControl, clock: FakeClock) -> None:
    session_id = _login(access)
    used_for = 0.0
    while used_for + 3600 < ABSOLUTE.total_seconds():
        clock.advance(3600)
        used_for += 3600
        assert access.sessions.get(session_id) is not None
    clock.advance(ABSOLUTE.total_seconds() - used_for)
    assert access.sessions.get(session_id) is None


def test_logout_ends_the_session(access: AccessControl) -> None:
    session_id = _login(access)
    access.sessions.end(session_id)
    assert access.sessions.get(session_id) is None
    access.sessions.end(session_id)  # again: nothing to do


def test_each_session_has_its_own_csrf_token(access: AccessControl) -> None:
    user = access.users.create("alice", Role.VIEWER, "correct horse battery")
    first = access.sessions.get(access.sessions.start(user.id))
    second = access.sessions.get(access.sessions.start(user.id))
    assert first is not None and second is not None
    assert first.csrf_token != second.csrf_token and len(first.csrf_token) >= 32
    assert first.csrf_ok(first.csrf_token)
    assert not first.csrf_ok(second.csrf_token) and not first.csrf_ok(None) and not first.csrf_ok("")
