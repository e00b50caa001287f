"""Alertmanager-style label matchers."""

from __future__ import annotations

import re

import pytest

from holdoff.mediate.matchers import (
    Matcher,
    MatcherError,
    MatchType,
    matches_all,
    parse_matcher,
    parse_matchers,
)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('alertname="HighCPU"', {"alertname": "HighCPU"}, True),
        ('alertname="HighCPU"', {"alertname": "HighCPU2"}, False),
        ('team!="db"', {"team": "web"}, True),
        ('team!="db"', {}, True),
        ('instance=~"web-.*"', {"instance": "web-01"}, True),
        ('instance=~"web-.*"', {"instance": "my-web-01"}, False),  # anchored at the start
        ('instance=~"web"', {"instance": "web-01"}, False),  # and at the end
        ('severity!~"info|low"', {"severity": "critical"}, True),
        ('severity!~"info|low"', {"severity": "low"}, False),
        ('missing=""', {}, True),  # a missing label is the empty string
        ('missing=~".+"', {}, False),
        (r'code=~"5\d\d"', {"code": "503"}, True),
    ],
)
def test_matcher_semantics(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


def test_matcher_sets_with_or_without_braces() -> None:
    with_braces = parse_matchers('{alertname="HighCPU", instance=~"web-.*"}')
    without = parse_matchers('alertname=HighCPU,instance=~"web-.*"')
    assert with_braces == without
    assert matches_all(with_braces, {"alertname": "HighCPU", "instance": "web-2"})
    assert not matches_all(with_braces, {"alertname": "HighCPU", "instance": "db-2"})


def test_quoted_values_keep_commas_and_escaped_quotes() -> None:
    (matcher,) = parse_matchers(r'{summary="disk \"/var\" full, 95%"}')
    assert matcher.value == 'disk "/var" full, 95%'
    assert str(matcher) == r'summary="disk \"/var\" full, 95%"'
    assert parse_matchers(str(matcher)) == (matcher,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a"="b"', "the '{' at column 1 is never closed"),
        ("{a!b}", "column 3: '!' must be followed by '=' or '~'"),
        ('1a="x" 2b="y"', "column 8: expected ',' or '}' after a matcher, found '2b'"),
        ('a=~"("', "column 1: regex '(' does not compile"),
        (r'a=~"(a)\1"', "RE2"),
        (r'a=~"(?=x)"', "RE2"),
        ("alertname", "column 10: expected an operator"),
    ],
)
def test_bad_matchers_say_what_is_wrong_and_where(text: str, message: str) -> None:
    with pytest.raises(MatcherError, match=re.escape(message)):
        parse_matchers(text)


@pytest.mark.parametrize("text", ["", "  ", "{}", "{ }", "\n"])
def test_no_matchers_is_an_empty_set_as_in_alertmanager(text: str) -> None:
    # Callers that need at least one (silences, noise rules) refuse an empty set themselves.
    assert parse_matchers(text) == ()


def test_an_empty_label_name_is_refused() -> None:
    with pytest.raises(MatcherError, match="label name cannot be empty"):
        Matcher("", MatchType.EQUAL, "x")
    with pytest.raises(MatcherError, match="label name cannot be empty"):
        parse_matchers('{""="x"}')


def test_any_other_label_name_is_accepted_and_written_back_quoted_where_needed() -> None:
    for name in (
        "bad name",
        "9lives",
        "service.name",
        "job:rate5m",
        "ünïcode",
        'quote"d',
        "a,b",
        "tab\there",
    ):
        matcher = Matcher(name, MatchType.NOT_EQUAL, "x\ny")
        assert parse_matchers(str(matcher)) == (matcher,), str(matcher)
