"""Label matchers, as in Alertmanager: ``name="value"``, ``!=``, ``=~`` and ``!~`` (anchored regex).

Used by silences, routes, inhibition rules and noise rules. Matcher text is read as Alertmanager's
default mode reads it (see :func:`read_matchers`), so a matcher pasted from an Alertmanager
configuration selects the same alerts here. Regular expressions are anchored at both ends
(``=~"web-.*"`` matches ``web-01``, not ``my-web-01``), as Alertmanager does. Python's ``re``
stands in for RE2; patterns that RE2 refuses (back-references, look-around) are refused here too.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from holdoff.mediate.matcher_parse import (
    MatcherSyntaxError,
    Parsed,
    classic_matcher,
    classic_matchers,
    go_quote,
    needs_quoted_name,
    openmetrics_quote,
    utf8_matchers,
)

_RE2_UNSUPPORTED = re.compile(r"\\[1-9]|\(\?[=!<]|\(\?P=")


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


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


@dataclass(frozen=True)
class Matcher:
    """One condition on one label. A missing label counts as the empty string, as in Alertmanager.

    A label name is any non-empty text (Alertmanager's UTF-8 label names); names that are not
    ``[a-zA-Z_][a-zA-Z0-9_]*`` are written in double quotes where they need it.
    """

    name: str
    type: MatchType
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise MatcherError("a label name cannot be empty")
        if not _is_utf8(self.name) or not _is_utf8(self.value):
            raise MatcherError(f"label name {self.name!r} or its value is not valid UTF-8 text")
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
        """As Alertmanager prints a matcher; the text reads back as the same matcher."""
        if needs_quoted_name(self.name):
            return f"{go_quote(self.name)}{self.type.value}{go_quote(self.value)}"
        return f"{self.name}{self.type.value}{openmetrics_quote(self.value)}"


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


@dataclass(frozen=True)
class MatcherReading:
    """What :func:`read_matchers` made of a text, and what Alertmanager would have logged about it."""

    matchers: tuple[Matcher, ...]
    warning: str | None = None
    """Set when only the classic rules read the text, or the two readings disagree (Alertmanager
    logs a warning then, and a future Alertmanager in UTF-8-only mode would read it otherwise)."""


class _ValueRefused(MatcherSyntaxError):
    """The syntax was read, but a matcher could not be made (a regex that does not compile)."""


def _built(text: str, reading: Callable[[str], list[Parsed]]) -> tuple[Matcher, ...]:
    """One reading of ``text`` made into matchers; a regex that does not compile fails the reading."""
    built = []
    for item in reading(text):
        try:
            built.append(Matcher(item.name, MatchType(item.op), item.value))
        except MatcherError as exc:
            raise _ValueRefused(item.column, str(exc)) from None
    return tuple(built)


def _attempt(
    text: str, reading: Callable[[str], list[Parsed]]
) -> tuple[tuple[Matcher, ...] | None, MatcherSyntaxError | None]:
    try:
        return _built(text, reading), None
    except MatcherSyntaxError as exc:
        return None, exc


def _combined(
    text: str, classic: Callable[[str], list[Parsed]], utf8: Callable[[str], list[Parsed]]
) -> MatcherReading:
    if not _is_utf8(text):
        raise MatcherError(f"{text!r} is not valid UTF-8 text")
    by_classic, classic_error = _attempt(text, classic)
    by_utf8, utf8_error = _attempt(text, utf8)
    if by_classic is None and by_utf8 is None:
        # Neither reads it. Say what the UTF-8 grammar found, unless the classic syntax was fine and
        # only a value (a regex) failed: that is the real problem then.
        shown = classic_error if isinstance(classic_error, _ValueRefused) else utf8_error
        raise MatcherError(f"{text!r} {shown}")
    if by_classic is None:
        assert by_utf8 is not None
        return MatcherReading(by_utf8)
    if by_utf8 is None:
        return MatcherReading(
            by_classic,
            f"{text!r} is read by Alertmanager's classic rules only (its UTF-8 syntax refuses it "
            f"{utf8_error}); the same matchers written so that both read them: {_text(by_classic)}",
        )
    if by_classic != by_utf8:
        return MatcherReading(
            by_classic,
            f"{text!r} reads differently under Alertmanager's classic and UTF-8 rules; the classic "
            f"reading is used, as Alertmanager does: {_text(by_classic)} (the UTF-8 rules alone would "
            f"read {_text(by_utf8)})",
        )
    return MatcherReading(by_classic)


def _text(matchers: Iterable[Matcher]) -> str:
    return "{" + ", ".join(str(m) for m in matchers) + "}"


def read_matchers(text: str) -> MatcherReading:
    """``{alertname="HighCPU", instance=~"web-.*"}`` read as Alertmanager's default mode reads it.

    Alertmanager reads the text with its classic rules and with its UTF-8 grammar
    (:mod:`holdoff.mediate.matcher_parse` describes both). When only one accepts it, its matchers
    are used; when both do and they differ (``"\\t"``: kept as backslash-t by the classic rules, a
    tab by the UTF-8 ones) the classic reading wins. An empty text, whitespace, ``{}`` or ``}``
    are no matchers at all: callers that need at least one say so themselves.
    """
    return _combined(text, classic_matchers, utf8_matchers)


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """The matchers of ``text`` (possibly none); see :func:`read_matchers`."""
    return read_matchers(text).matchers


def _classic_single(text: str) -> list[Parsed]:
    return [classic_matcher(text)]


def parse_matcher(text: str) -> Matcher:
    """Exactly one matcher, without braces (Alertmanager's single-matcher form): ``severity=~"high"``."""
    if text.startswith("{") or text.endswith("}"):
        raise MatcherError(f"{text!r}: a single matcher is written without braces")
    found = _combined(text, _classic_single, utf8_matchers).matchers
    if len(found) != 1:
        raise MatcherError(f"{text!r}: expected one matcher, found {len(found)}")
    return found[0]
