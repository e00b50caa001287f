"""Dashboard users: argon2 hashes, the same answer for every name, and login throttling per
(name, source address) with growing delays, shared through the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from holdoff.auth.access import AccessControl
from holdoff.auth.passwords import LoginRefused, Throttled, UnknownUser, UserExists
from holdoff.auth.roles import Role
from holdoff.auth.throttle import PER_ADDRESS, PER_USER
from holdoff.store.db import Database
from holdoff.store.tables import users
from tests.auth.conftest import FAST_HASHER
from tests.service.helpers import FakeClock

PASSWORD = "correct horse battery"
ATTACKER = "203.0.113.9"
HOME = "198.51.100.7"


def _fail(access: AccessControl, name: str = "alice", source: str = ATTACKER) -> LoginRefused:
    with pytest.raises(LoginRefused) as refused:
        access.users.authenticate(name, "guess", source=source)
    return refused.value


def _throttled(access: AccessControl, name: str = "alice", source: str = ATTACKER) -> int:
    with pytest.raises(Throttled) as refused:
        access.users.authenticate(name, PASSWORD, source=source)
    return refused.value.retry_after


def test_the_password_is_stored_as_an_argon2_hash(access: AccessControl, db: Database) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with db.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_logs_in_and_is_recorded(access: AccessControl, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    user = access.users.authenticate("alice", PASSWORD, source=HOME)
    assert (user.name, user.role) == ("alice", Role.OPERATOR)
    [listed] = access.users.listing()
    assert listed.last_login_at == clock.now and listed.throttled_until is None


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", "wrong password"), ("bob", PASSWORD), ("ALICE", PASSWORD), ("no such\x00name", PASSWORD)],
)
def test_a_wrong_name_or_password_is_refused_without_saying_which(
    access: AccessControl, name: str, password: str
) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with pytest.raises(LoginRefused, match=r"^wrong user name or password$") as refused:
        access.users.authenticate(name, password, source=HOME)
    assert type(refused.value) is LoginRefused


def test_an_unknown_name_costs_a_hash_check_like_a_known_one(access: AccessControl) -> None:
    """Timing must not tell which names exist: an unknown name is checked once against a dummy hash made
    with the same argon2 parameters as a real one. Counted, not timed (timings belong in bench/)."""
    checked: list[str] = []

    class Counting(type(FAST_HASHER)):  # type: ignore[misc]
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checked.append(hash if isinstance(hash, str) else hash.decode())
            return bool(super().verify(hash, password))

    access.users.hasher = Counting(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    access.users.create("alice", Role.OPERATOR, PASSWORD)

    _fail(access, "alice", source="192.0.2.10")
    _fail(access, "nobody", source="192.0.2.20")

    known, unknown = checked
    parameters = known.rsplit("$", 2)[0]  # $argon2id$v=19$m=8192,t=2,p=1
    assert unknown.rsplit("$", 2)[0] == parameters
    assert unknown != known


def test_failures_from_one_address_slow_that_address_with_growing_delays(
    access: AccessControl, clock: FakeClock
) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(PER_USER.free - 1):
        assert type(_fail(access)) is LoginRefused
    assert type(_fail(access)) is LoginRefused  # the third failure itself is answered, then waits begin
    waits = []
    for _ in range(5):
        waits.append(_throttled(access))  # even the right password waits: it is not checked
        clock.advance(waits[-1])
        _fail(access)
    assert waits == [1, 2, 4, 8, 16]
    assert _throttled(access) == 32


def test_the_delay_is_capped_at_fifteen_minutes(access: AccessControl, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(20):
        clock.advance(PER_USER.cap.total_seconds())
        _fail(access)
    assert _throttled(access) == 900
    clock.advance(900)
    assert access.users.authenticate("alice", PASSWORD, source=ATTACKER).name == "alice"


def test_an_attackers_failures_do_not_keep_the_user_out_from_their_own_address(
    access: AccessControl, clock: FakeClock
) -> None:
    access.users.create("ada", Role.ADMIN, PASSWORD)
    for _ in range(PER_USER.free + 5):
        _fail(access, "ada", ATTACKER)
        clock.advance(PER_USER.cap.total_seconds())  # the attacker waits out every delay
    _fail(access, "ada", ATTACKER)
    assert _throttled(access, "ada", ATTACKER) == 64
    assert access.users.authenticate("ada", PASSWORD, source=HOME).name == "ada"
    [listed] = access.users.listing()
    assert listed.throttled_until is not None and listed.throttled_until > clock.now


def test_known_and_unknown_names_are_throttled_alike(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for name in ("alice", "mallory"):
        for _ in range(PER_USER.free):
            _fail(access, name)
    assert _throttled(access, "alice") == _throttled(access, "mallory") == 1


def test_a_success_forgets_the_failures_of_that_name_from_that_address(
    access: AccessControl, clock: FakeClock
) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(PER_USER.free - 1):
        _fail(access, source=HOME)
    access.users.authenticate("alice", PASSWORD, source=HOME)
    for _ in range(PER_USER.free):
        assert type(_fail(access, source=HOME)) is LoginRefused


def test_failures_are_forgotten_after_an_hour_without_one(access: AccessControl, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for _ in range(PER_USER.free):
        _fail(access)
    clock.advance(3600)
    for _ in range(PER_USER.free - 1):
        assert type(_fail(access)) is LoginRefused


def test_one_address_guessing_many_names_is_throttled_for_every_name(
    access: AccessControl, clock: FakeClock
) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    for n in range(PER_ADDRESS.free):
        _fail(access, f"guess{n}")
    assert _throttled(access, "alice") == 1  # a name never tried from here waits too
    assert access.users.authenticate("alice", PASSWORD, source=HOME).name == "alice"


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_free_attempts(access: AccessControl) -> None:
    """Attempts are counted before the password is checked, so guesses sent at once cannot outrun it."""
    access.users.create("alice", Role.OPERATOR, PASSWORD)

    def guess(_: int) -> str:
        try:
            access.users.authenticate("alice", "guess", source=ATTACKER)
        except LoginRefused as exc:
            return type(exc).__name__
        return "logged in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(guess, range(12)))
    assert sorted(answers) == ["LoginRefused"] * PER_USER.free + ["Throttled"] * (12 - PER_USER.free)


def test_processes_share_the_counts(access: AccessControl, db: Database, clock: FakeClock) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    other = AccessControl(db, clock, host="127.0.0.1", hasher=FAST_HASHER)  # another process's view
    for n in range(PER_USER.free):
        _fail(access if n % 2 else other)
    assert _throttled(other) == 1


def test_unlock_lifts_the_throttling_of_one_user(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    access.users.create("bob", Role.VIEWER, PASSWORD)
    for name in ("alice", "bob"):
        for _ in range(PER_USER.free):
            _fail(access, name)
    for _ in range(PER_USER.free):
        _fail(access, "alice", HOME)
    assert access.users.unlock("alice") == 2
    assert access.users.authenticate("alice", PASSWORD, source=ATTACKER).name == "alice"
    assert _throttled(access, "bob") == 1
    with pytest.raises(UnknownUser, match="no user named 'carol'"):
        access.users.unlock("carol")


def test_names_are_unique_and_passwords_long_enough(access: AccessControl) -> None:
    access.users.create("alice", Role.OPERATOR, PASSWORD)
    with pytest.raises(UserExists, match="'alice' exists already"):
        access.users.create("alice", Role.ADMIN, PASSWORD)
    with pytest.raises(ValueError, match="shorter than 8"):
        access.users.create("bob", Role.ADMIN, "short")
    with pytest.raises(ValueError, match="user name"):
        access.users.create("bad name", Role.ADMIN, PASSWORD)
