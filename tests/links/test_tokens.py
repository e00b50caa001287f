"""Action-link tokens: signed, expiring, tied to one action on one target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.links.tokens import TokenRefused, sign, verify

SECRET = b"k" * 32
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_a_token_carries_its_action_target_and_occurrence() -> None:
    token = sign(SECRET, "acknowledge", 42, expires_at=NOW + timedelta(hours=1), occurrence=3)
    claim = verify(SECRET, token, NOW)
    assert (claim.action, claim.target, claim.occurrence) == ("acknowledge", 42, 3)
    assert claim.expires_at == NOW + timedelta(hours=1)


def test_every_token_is_different_even_for_the_same_action() -> None:
    first = sign(SECRET, "resolve", 1, expires_at=NOW + timedelta(hours=1))
    second = sign(SECRET, "resolve", 1, expires_at=NOW + timedelta(hours=1))
    assert first != second
    assert verify(SECRET, first, NOW).nonce != verify(SECRET, second, NOW).nonce


def test_an_expired_token_is_refused_as_expired() -> None:
    token = sign(SECRET, "acknowledge", 1, expires_at=NOW)
    with pytest.raises(TokenRefused) as caught:
        verify(SECRET, token, NOW)
    assert caught.value.expired and "expired at 2026-11-22 12:00 UTC" in caught.value.reason


def test_another_secret_or_a_changed_payload_is_refused() -> None:
    token = sign(SECRET, "acknowledge", 1, expires_at=NOW + timedelta(hours=1))
    with pytest.raises(TokenRefused, match="not issued by this Holdoff"):
        verify(b"x" * 32, token, NOW)
    _, _, signature = token.partition(".")
    forged = sign(SECRET, "resolve", 1, expires_at=NOW + timedelta(hours=1)).partition(".")[0]
    with pytest.raises(TokenRefused, match="not issued by this Holdoff"):
        verify(SECRET, f"{forged}.{signature}", NOW)


@pytest.mark.parametrize("token", ["garbage", "a.b", "!!!.???", ""])
def test_damaged_tokens_are_refused_with_a_message(token: str) -> None:
    with pytest.raises(TokenRefused) as caught:
        verify(SECRET, token, NOW)
    assert not caught.value.expired and caught.value.reason
