"""Action-link signatures are compared in constant time, and only that comparison decides.

An ``==`` on the two MACs would answer sooner the earlier the first differing byte comes, which lets
someone time their way to a valid signature byte by byte. Timing it from a test would be flaky, so
these tests watch the comparison instead: ``hmac.compare_digest`` (as ``holdoff.links.tokens`` reaches
it) is replaced by a spy that records its arguments and answers as told.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from holdoff.links import tokens
from holdoff.links.tokens import TokenRefused, sign, verify

SECRET = b"k" * 32
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
REAL_COMPARE = hmac.compare_digest


@dataclass
class CompareSpy:
    answer: Callable[[bytes, bytes], bool] = REAL_COMPARE
    calls: list[tuple[bytes, bytes]] = field(default_factory=list)

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.calls.append((a, b))
        return self.answer(a, b)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    watcher = CompareSpy()
    monkeypatch.setattr(tokens.hmac, "compare_digest", watcher)
    return watcher


def _token(action: tokens.LinkAction = "acknowledge", target: int = 7) -> str:
    return sign(SECRET, action, target, expires_at=NOW + timedelta(hours=1))


def _signature(token: str) -> bytes:
    return tokens._unb64(token.partition(".")[2])


def test_a_valid_token_is_checked_with_compare_digest_on_the_given_and_expected_mac(spy: CompareSpy) -> None:
    token = _token()
    claim = verify(SECRET, token, NOW)
    assert claim.target == 7
    [(given, expected)] = spy.calls
    assert given == _signature(token)
    assert expected == tokens._mac(SECRET, token.partition(".")[0])


def test_a_forged_signature_is_checked_with_compare_digest_too(spy: CompareSpy) -> None:
    token = _token()
    with pytest.raises(TokenRefused, match="not issued by this Holdoff"):
        verify(b"x" * 32, token, NOW)
    [(given, expected)] = spy.calls
    assert given == _signature(token) and given != expected


def test_the_constant_time_comparison_alone_decides(spy: CompareSpy) -> None:
    # A comparison that says "equal" lets a wrong signature through, and one that says "different"
    # stops a right one: nothing else (an == beside it, say) has a say.
    forged = f"{_token().partition('.')[0]}.{tokens._b64(b'0' * 32)}"
    spy.answer = lambda _a, _b: True
    assert verify(SECRET, forged, NOW).target == 7
    spy.answer = lambda _a, _b: False
    with pytest.raises(TokenRefused, match="not issued by this Holdoff"):
        verify(SECRET, _token(), NOW)
    assert len(spy.calls) == 2


def test_the_spy_sees_the_module_the_verifier_uses() -> None:
    # Guard for the tests above: tokens.hmac must be the hmac module whose compare_digest verify calls.
    assert tokens.hmac is hmac
