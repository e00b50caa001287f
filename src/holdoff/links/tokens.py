"""Signed, single-purpose, expiring tokens for action links.

A token is ``<payload>.<signature>``, both base64url without padding: the payload is compact JSON
(what to do, to which alert or incident, until when, and a random nonce), the signature its
HMAC-SHA256 under the server's secret. Verifying checks the signature in constant time, then the
expiry; that each token is used only once is the store's job (the nonce is recorded when it is used).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

LinkAction = Literal["acknowledge", "resolve", "silence", "acknowledge-incident"]
"""What a link does (not :class:`holdoff.mediate.model.Action`, the events the core decides on)."""
LINK_ACTIONS: tuple[LinkAction, ...] = ("acknowledge", "resolve", "silence", "acknowledge-incident")


class TokenRefused(Exception):
    """The token cannot be used; ``reason`` says why in words for the page."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


@dataclass(frozen=True)
class Claim:
    action: LinkAction
    target: int
    """The alert id (or the incident id for acknowledge-incident)."""
    expires_at: datetime
    nonce: str
    occurrence: int = 0
    """The alert occurrence the link was made for: a link from last week's occurrence does not act on today's."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, action: LinkAction, target: int, *, expires_at: datetime, occurrence: int = 0) -> str:
    payload = {
        "a": action,
        "t": target,
        "o": occurrence,
        "e": int(expires_at.timestamp()),
        "n": secrets.token_urlsafe(12),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(secret, body))}"


def verify(secret: bytes, token: str, now: datetime) -> Claim:
    """The claim a token carries; raises :class:`TokenRefused` for a forged, malformed or expired one."""
    body, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise TokenRefused(
            "this link is damaged (it was cut or changed); open the alert in Holdoff instead"
        ) from None
    if not signature or not hmac.compare_digest(given, _mac(secret, body)):
        raise TokenRefused("this link was not issued by this Holdoff (its signature does not match)")
    try:
        action, target, occurrence = payload["a"], int(payload["t"]), int(payload["o"])
        expires_at = datetime.fromtimestamp(int(payload["e"]), UTC)
        nonce = str(payload["n"])
    except (KeyError, TypeError, ValueError):
        raise TokenRefused("this link is damaged; open the alert in Holdoff instead") from None
    if action not in LINK_ACTIONS:
        raise TokenRefused("this link asks for an action Holdoff does not know")
    if now >= expires_at:
        raise TokenRefused(
            f"this link expired at {expires_at:%Y-%m-%d %H:%M} UTC; open the alert in Holdoff instead",
            expired=True,
        )
    return Claim(action, target, expires_at, nonce, occurrence)


def _mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()


DEFAULT_TTL = timedelta(hours=24)
