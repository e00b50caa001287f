"""Label matchers, as in Alertmanager: ``name="value"``, ``!=``, ``=~`` and ``!~`` (anchored regex).

Used by silences now and by routes and inhibition rules later. Regular expressions are anchored at
both ends (``=~"web-.*"`` matches ``web-01``, not ``my-web-01``), as Alertmanager does. Python's
``re`` stands in for RE2; patterns that RE2 refuses (back-references, look-around) are refused here
too, so a matcher behaves the same when copied from an Alertmanager configuration.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_RE2_UNSUPPORTED = re.compile(r"\\[1-9]|\(\?[=!<]|\(\?P=")
_MATCHER = re.compile(
    r"""\s*(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>=~|!~|!=|=)\s*"""
    r"""(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^,"{}=!~\s]*))\s*"""
)


class MatchType(enum.StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


class MatcherError(ValueError):
    """A matcher that cannot be parsed or compiled; the message says where and why."""


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    if _RE2_UNSUPPORTED.search(pattern):
        raise MatcherError(
            f"regex {pattern!r} uses back-references or look-around, which RE2 does not support"
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MatcherError(f"regex {pattern!r} does not compile: {exc}") from None


@dataclass(frozen=True)
class Matcher:
    """One condition on one label. A missing label counts as the empty string, as in Alertmanager."""

    name: str
    type: MatchType
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise MatcherError(f"{self.name!r} is not a valid label name")
        if self.type in (MatchType.REGEX, MatchType.NOT_REGEX):
            object.__setattr__(self, "_regex", _compile(self.value))

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self.type is MatchType.EQUAL:
            return value == self.value
        if self.type is MatchType.NOT_EQUAL:
            return value != self.value
        assert self._regex is not None
        found = self._regex.fullmatch(value) is not None
        return found if self.type is MatchType.REGEX else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.type.value}"{escaped}"'


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


def parse_matcher(text: str) -> Matcher:
    """``severity=~"critical|high"`` -> a :class:`Matcher`."""
    found = _MATCHER.fullmatch(text)
    if found is None:
        raise MatcherError(f'{text.strip()!r} is not a matcher: expected name="value" (or !=, =~, !~)')
    quoted = found.group("quoted")
    # Inside quotes, \" and \\ stand for " and \; any other backslash is kept (regex classes like \d).
    value = re.sub(r'\\([\\"])', r"\1", quoted) if quoted is not None else found.group("bare")
    return Matcher(found.group("name"), MatchType(found.group("op")), value)


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """``{alertname="HighCPU", instance=~"web-.*"}`` (braces optional) -> matchers, in order."""
    body = text.strip()
    if body.startswith("{"):
        if not body.endswith("}"):
            raise MatcherError(f"{text!r}: opening brace without a closing one")
        body = body[1:-1]
    matchers: list[Matcher] = []
    position = 0
    while position < len(body):
        found = _MATCHER.match(body, position)
        if found is None or found.end() == position:
            raise MatcherError(f"{text!r}: cannot read a matcher at character {position + 1}")
        matchers.append(parse_matcher(found.group(0)))
        position = found.end()
        if position < len(body):
            if body[position] != ",":
                raise MatcherError(f"{text!r}: expected ',' at character {position + 1}")
            position += 1
    if not matchers:
        raise MatcherError(f"{text!r}: no matchers")
    return tuple(matchers)
