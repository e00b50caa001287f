"""Recognising a failed authentication in a log message, and the address it came from.

Built-in patterns cover sshd (password, public key, invalid user, too many attempts), PAM
(``authentication failure; ... rhost=ADDR``), HTTP 401/403 lines of nginx/Apache access logs (combined
format: the client address first), PostgreSQL (``password authentication failed for user``, the address
taken from the line where its log prefix carries one) and generic ``login failed ... from ADDR`` /
``authentication failed ... ADDR`` lines. Addresses are IPv4 or IPv6 (IPv4-mapped IPv6 is read as IPv4),
checked with :mod:`ipaddress`; PAM's ``rhost`` may also be a host name.

Operators add patterns as regular expressions with a named group ``address``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_V6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:" + _V4 + r"|[0-9A-Fa-f]{1,4})?"
ADDR = rf"(?:{_V6}|{_V4})"
"""An IPv4 or IPv6 address (checked afterwards with :mod:`ipaddress`)."""
_HOST = r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}"

NO_ADDRESS = ""
"""The subject of failures whose line names no source address (e.g. PostgreSQL without ``%h`` in its prefix)."""

_BUILT_IN: tuple[tuple[str, str], ...] = (
    (
        "sshd-failed",
        rf"Failed (?:password|publickey|keyboard-interactive/pam|none|hostbased) for (?:invalid user )?"
        rf"\S* ?from \[?(?P<address>{ADDR})\]?(?: port \d+)?",
    ),
    ("sshd-invalid-user", rf"\bInvalid user \S* ?from \[?(?P<address>{ADDR})\]?"),
    (
        "sshd-max-attempts",
        rf"maximum authentication attempts exceeded for (?:invalid user )?\S* from \[?(?P<address>{ADDR})\]?",
    ),
    ("pam", rf"authentication failure;.*?\brhost=(?P<address>{ADDR}|{_HOST})(?:\s|$)"),
    (
        "http-access",
        rf"^\[?(?P<address>{ADDR})\]? \S+ \S+ \[[^\]]*\] \"[^\"]*\" (?:401|403) ",
    ),
    (
        "postgresql",
        rf"(?:(?:host|client|remote)=\[?(?P<address>{ADDR})|(?P<address2>{ADDR})\(\d+\))"
        r".*?password authentication failed for user",
    ),
    ("postgresql-no-address", r"password authentication failed for user"),
    (
        "generic-login-failed",
        r"(?i)\b(?:failed (?:login|log-in|logon|sign-?in|authentication|auth)|"
        r"(?:login|log-in|logon|sign-?in|authentication|auth)(?: attempt)? (?:failed|failure|denied|rejected))\b"
        rf".*?(?:from|client|src|source|ip|addr|address|remote)[=: ]+\[?(?P<address>{ADDR})\]?",
    ),
)

_HINTS = ("fail", "invalid user", "authentication", '" 401 ', '" 403 ', "denied", "rejected")
"""A message without any of these (lower-cased) skips the built-in patterns."""


class PatternError(ValueError):
    """An operator's pattern does not compile or has no ``address`` group."""


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """A failed authentication recognised in a message."""

    address: str
    """The source address, normalised (``ipaddress`` compressed form), or "" if the line has none."""
    pattern: str
    """Which pattern matched (``sshd-failed``, ``http-access``, ``extra-1`` ...)."""


def compile_extra(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """Compile operators' patterns; each must have a named group ``address``."""
    compiled = []
    for number, text in enumerate(patterns, start=1):
        try:
            pattern = re.compile(text)
        except re.error as exc:
            raise PatternError(
                f"pattern {number} ({text!r}) is not a valid regular expression: {exc}"
            ) from None
        if "address" not in pattern.groupindex:
            raise PatternError(
                f"pattern {number} ({text!r}) needs a named group for the source address: (?P<address>...)"
            )
        compiled.append(pattern)
    return tuple(compiled)


_COMPILED = tuple((name, re.compile(text)) for name, text in _BUILT_IN)


def normalise(text: str) -> str | None:
    """An address as one canonical text; None if it is no address (a host name is kept, lower-cased)."""
    value = text.strip("[]")
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        if re.fullmatch(_HOST, value) and any(c.isalpha() for c in value):
            return value.lower()
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return address.compressed


def recognise(message: str, extra: Sequence[re.Pattern[str]] = ()) -> AuthFailure | None:
    """The failed authentication ``message`` reports, if any: operators' patterns first, then built-in ones."""
    head = message.split("\n", 1)[0]
    for number, pattern in enumerate(extra, start=1):
        found = pattern.search(head)
        if found is not None:
            address = normalise(found.group("address") or "")
            return AuthFailure(address or NO_ADDRESS, f"extra-{number}")
    lowered = head.lower()
    if not any(hint in lowered for hint in _HINTS):
        return None
    for name, pattern in _COMPILED:
        found = pattern.search(head)
        if found is None:
            continue
        groups = found.groupdict()
        raw = groups.get("address") or groups.get("address2")
        if raw is None:
            return AuthFailure(NO_ADDRESS, name)
        address = normalise(raw)
        if address is None:
            continue
        return AuthFailure(address, name)
    return None
