"""API tokens: made once, stored hashed, refused when revoked, mistyped or forged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from holdoff.auth import tokens
from holdoff.auth.access import AccessControl
from holdoff.auth.roles import Role
from holdoff.store.db import Database
from holdoff.store.tables import api_tokens
from tests.service.helpers import FakeClock


def test_a_token_has_the_documented_shape_and_only_its_hash_is_stored(
    access: AccessControl, db: Database
) -> None:
    info, token = access.tokens.create("ops-bot", Role.OPERATOR)
    assert token.startswith(f"hld_{info.id}_") and len(token) > 50
    assert tokens.parse_id(token) == info.id
    with db.read() as conn:
        [row] = conn.execute(select(api_tokens)).all()
    stored = " ".join(str(value) for value in row)
    assert token not in stored and token.rsplit("_", 1)[1] not in stored
    assert row.token_hash == tokens.digest(token)
    assert (row.name, row.role) == ("ops-bot", "operator")


def test_a_valid_token_is_recognised_with_its_role(access: AccessControl) -> None:
    info, token = access.tokens.create("reader", Role.VIEWER)
    found = access.tokens.verify(token)
    assert found is not None and (found.id, found.name, found.role) == (info.id, "reader", Role.VIEWER)


def test_two_tokens_are_different(access: AccessControl) -> None:
    (_, first), (_, second) = access.tokens.create("a", Role.VIEWER), access.tokens.create("b", Role.VIEWER)
    assert first != second


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # forged secret, real id
        lambda t: t + "x",
        lambda t: t.replace("hld_", "hdl_"),
        lambda t: "hld_000000000000_" + t.rsplit("_", 1)[1],  # real secret, unknown id
        lambda t: "",
        lambda t: "Bearer " + t,
    ],
    ids=["forged-secret", "extra-char", "wrong-prefix", "unknown-id", "empty", "with-scheme"],
)
def test_anything_but_the_exact_token_is_refused(access: AccessControl, mangle: object) -> None:
    _, token = access.tokens.create("x", Role.ADMIN)
    assert callable(mangle)
    assert access.tokens.verify(mangle(token)) is None


def test_a_revoked_token_stops_working(access: AccessControl, clock: FakeClock) -> None:
    info, token = access.tokens.create("old", Role.ADMIN)
    revoked = access.tokens.revoke(info.id)
    assert revoked.revoked_at == clock.now
    assert access.tokens.verify(token) is None
    assert access.tokens.revoke(info.id).revoked_at == clock.now  # idempotent: the first time is kept
    assert not access.tokens.any_active()


def test_revoking_an_unknown_token_says_so(access: AccessControl) -> None:
    with pytest.raises(tokens.TokenNotFound, match="no API token with id 'nope'"):
        access.tokens.revoke("nope")


def test_use_is_recorded_at_most_once_a_minute(access: AccessControl, clock: FakeClock) -> None:
    info, token = access.tokens.create("bot", Role.VIEWER)
    access.tokens.verify(token)
    first = clock.now
    clock.advance(30)
    access.tokens.verify(token)
    [listed] = access.tokens.listing()
    assert listed.last_used_at == first
    clock.advance(31)
    access.tokens.verify(token)
    [listed] = access.tokens.listing()
    assert listed.last_used_at == clock.now and listed.id == info.id


@pytest.mark.parametrize("name", ["", " ", "-leading-dash", "x" * 101, "tab\there"])
def test_a_bad_name_is_refused_with_a_reason(access: AccessControl, name: str) -> None:
    with pytest.raises(ValueError, match="token name"):
        access.tokens.create(name, Role.VIEWER)
