"""Matcher text read as Alertmanager's default mode reads it: a table of inputs and outcomes.

Written here from Alertmanager's documented behaviour (the doc comments and test themes of its
classic parser in ``pkg/labels``/``matcher/oldparse``, its UTF-8 parser in ``matcher/parse``, and
the fallback in ``matcher/compat`` that runs both: the classic reading wins whenever it accepts the
text, the UTF-8 reading is used when only it does, and the text is refused when neither does).
Each row is an input and either the matchers expected (name, operator, value) or an error that
says what is wrong (and, for syntax errors, the column).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from holdoff.mediate.matchers import MatcherError, parse_matcher, parse_matchers, read_matchers

EQ, NE, RE, NRE = "=", "!=", "=~", "!~"


class Refused(NamedTuple):
    says: str


Want = tuple[tuple[str, str, str], ...] | Refused

CASES: list[tuple[str, Want]] = [
    # -- no matchers at all ------------------------------------------------------------------
    ("", ()),
    ("   ", ()),
    ("{}", ()),
    ("{ }", ()),
    ("{\n}", ()),
    ("{", ()),  # the classic rules drop a lone '{' (the UTF-8 grammar would refuse it)
    ("}", ()),  # ... and a lone '}'
    # -- the four operators, quoted and unquoted values --------------------------------------
    ('{foo="bar"}', (("foo", EQ, "bar"),)),
    ("{foo=bar}", (("foo", EQ, "bar"),)),
    ('{foo!="bar"}', (("foo", NE, "bar"),)),
    ("{foo!=bar}", (("foo", NE, "bar"),)),
    ('{foo=~"bar.*"}', (("foo", RE, "bar.*"),)),
    ("{foo=~bar.*}", (("foo", RE, "bar.*"),)),
    ('{foo!~"bar.*"}', (("foo", NRE, "bar.*"),)),
    ("{foo!~[a-z]+}", (("foo", NRE, "[a-z]+"),)),
    ("foo=bar", (("foo", EQ, "bar"),)),
    ('statuscode=~"5.."', (("statuscode", RE, "5.."),)),
    ('{foo=""}', (("foo", EQ, ""),)),
    ("job=", (("job", EQ, ""),)),  # an empty unquoted value
    ("{foo=", (("foo", EQ, ""),)),
    ("{foo=🙂}", (("foo", EQ, "🙂"),)),
    ("{foo=🙂bar}", (("foo", EQ, "🙂bar"),)),
    ("tricky=~~~", (("tricky", RE, "~~"),)),
    ("{foo='}", (("foo", EQ, "'"),)),
    ("{foo=`}", (("foo", EQ, "`"),)),
    ("{foo='bar'}", (("foo", EQ, "'bar'"),)),  # single quotes are not quotes
    ("foo=a b", (("foo", EQ, "a b"),)),  # the classic rules read an unquoted value to the comma
    # -- several matchers, commas, whitespace -----------------------------------------------
    ('{foo="bar", baz!="quux"}', (("foo", EQ, "bar"), ("baz", NE, "quux"))),
    (
        '{foo="bar",baz!~".*quux", derp="wat"}',
        (("foo", EQ, "bar"), ("baz", NRE, ".*quux"), ("derp", EQ, "wat")),
    ),
    ('{foo="bar", instance=~"some-api.*"}', (("foo", EQ, "bar"), ("instance", RE, "some-api.*"))),
    ("foo=bar,dings!=bums", (("foo", EQ, "bar"), ("dings", NE, "bums"))),
    ('{foo="bar,quux", job="job1"}', (("foo", EQ, "bar,quux"), ("job", EQ, "job1"))),
    ('{foo = "bar", dings != "bums", }', (("foo", EQ, "bar"), ("dings", NE, "bums"))),
    ('{foo="a", }', (("foo", EQ, "a"),)),  # trailing comma and a space
    ('{foo="a",\n}', (("foo", EQ, "a"),)),  # trailing comma and a line break
    ("{foo=bar,}", (("foo", EQ, "bar"),)),
    ("foo=bar,", (("foo", EQ, "bar"),)),
    (
        '{\n  team="payments",\n  severity=~"critical|high",\n}\n',
        (("team", EQ, "payments"), ("severity", RE, "critical|high")),
    ),
    (' {foo="a"} ', (("foo", EQ, "a"),)),  # whitespace around the braces
    ('\tfoo\t=\t"bar"\t', (("foo", EQ, "bar"),)),
    (
        'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ',
        (("contains_quote", NE, '"'), ("contains_comma", NRE, "foo,bar")),
    ),
    # -- escapes in values --------------------------------------------------------------------
    ('{foo="bar\\n"}', (("foo", EQ, "bar\n"),)),  # a line break, not backslash-n
    ('{foo="a\\"b"}', (("foo", EQ, 'a"b'),)),
    ('{foo="bar\\\\"}', (("foo", EQ, "bar\\"),)),
    (
        '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
        (("quote", EQ, 'She said: "Hi, ladies! That\'s gender-neutral…"'),),
    ),
    ('code=~"5\\d\\d"', (("code", RE, "5\\d\\d"),)),  # any other escape keeps its backslash
    ('code=~"5\\\\d\\\\d"', (("code", RE, "5\\d\\d"),)),
    ('{foo="bar\\t"}', (("foo", EQ, "bar\\t"),)),  # kept as written: the classic rules win
    ('{foo="\\u00e9"}', (("foo", EQ, "\\u00e9"),)),
    ('foo="\\xf0\\x9f\\x99\\x82"', (("foo", EQ, "\\xf0\\x9f\\x99\\x82"),)),
    ('{foo="a\nb"}', (("foo", EQ, "a\nb"),)),  # a literal line break is tolerated
    ("{foo=bar\\n}", (("foo", EQ, "bar\n"),)),  # unquoted values know the same escapes
    ("{foo=bar\\t}", (("foo", EQ, "bar\\t"),)),
    ("{foo=bar\\}", (("foo", EQ, "bar\\"),)),  # a last lone backslash is itself
    ("{foo=bar\\\\}", (("foo", EQ, "bar\\"),)),
    ('{foo=bar\\"}', (("foo", EQ, 'bar"'),)),
    ('{foo=\\"}', (("foo", EQ, '"'),)),
    ("foo=!bar\\n", (("foo", EQ, "!bar\n"),)),
    ("{foo=!bar,bar=$baz\\n}", (("foo", EQ, "!bar"), ("bar", EQ, "$baz\n"))),
    ('trickier==\\\\=\\=\\"', (("trickier", EQ, '=\\=\\="'),)),
    # -- braces the classic rules tolerate -----------------------------------------------------
    ('{foo="a"', (("foo", EQ, "a"),)),
    ("foo=bar}", (("foo", EQ, "bar"),)),
    ("{foo=bar}}", (("foo", EQ, "bar}"),)),
    ("{foo=bar}},}", (("foo", EQ, "bar}}"),)),
    ("{foo=,bar=}}", (("foo", EQ, ""), ("bar", EQ, "}"))),
    ("{foo=}b", (("foo", EQ, "}b"),)),
    # -- label names ------------------------------------------------------------------------------
    ('job:rate5m="x"', (("job:rate5m", EQ, "x"),)),
    ('{:="x"}', ((":", EQ, "x"),)),
    ('{_private="x"}', (("_private", EQ, "x"),)),
    ('{name-with-dashes = "bar"}', (("name-with-dashes", EQ, "bar"),)),
    ('{invalid-name = "valid label"}', (("invalid-name", EQ, "valid label"),)),
    ('service.name="api"', (("service.name", EQ, "api"),)),
    ('9lives="x"', (("9lives", EQ, "x"),)),
    ("foo🙂=bar", (("foo🙂", EQ, "bar"),)),
    ("{foo🙂=bar,bar=baz🙂}", (("foo🙂", EQ, "bar"), ("bar", EQ, "baz🙂"))),
    ('{"foo"="bar"}', (("foo", EQ, "bar"),)),
    ('{"foo"="bar",}', (("foo", EQ, "bar"),)),
    ('"foo"="bar",', (("foo", EQ, "bar"),)),
    ('{"foo"!~"[a-z]+"}', (("foo", NRE, "[a-z]+"),)),
    ('{"service.name"="api", env="prod"}', (("service.name", EQ, "api"), ("env", EQ, "prod"))),
    ('{"label with spaces"="x"}', (("label with spaces", EQ, "x"),)),
    ('{"a\\"b"="c"}', (('a"b', EQ, "c"),)),
    # -- escapes when only the UTF-8 grammar reads the text (here: a quoted name) ------------------
    ('{"foo"="bar\\n"}', (("foo", EQ, "bar\n"),)),
    ('{"foo"="bar\\t"}', (("foo", EQ, "bar\t"),)),
    ('{"foo"="\\"bar\\""}', (("foo", EQ, '"bar"'),)),
    ('{"foo"="bar\\\\"}', (("foo", EQ, "bar\\"),)),
    ('{"foo"="\\xf0\\x9f\\x99\\x82"}', (("foo", EQ, "🙂"),)),
    ('{"foo"="\\U0001f642"}', (("foo", EQ, "🙂"),)),
    ('{"foo"="\\u00e9\\101"}', (("foo", EQ, "éA"),)),
    ('{"foo"="🙂bar"}', (("foo", EQ, "🙂bar"),)),
    # -- refused ---------------------------------------------------------------------------------
    (",", Refused("column 1: expected a label name, found ','")),
    ("{,}", Refused("column 2: expected a label name, found ','")),
    ('{foo="a",,bar="b"}', Refused("column 10: expected a matcher or '}' after ','")),
    ("{{foo=", Refused("column 2: expected a label name, found '{'")),
    ("alertname", Refused("column 10: expected an operator (=, !=, =~ or !~) after 'alertname'")),
    ("{alertname}", Refused("column 11: expected an operator")),
    ("=foo", Refused("column 1: expected a label name, found '='")),
    ("foo!bar", Refused("column 4: '!' must be followed by '=' or '~'")),
    ("{foo!bar}", Refused("column 5: '!' must be followed by '=' or '~'")),
    ('{foo="a" bar="b"}', Refused("column 10: expected ',' or '}' after a matcher, found 'bar'")),
    ('{alertname="HighCPU" severity="critical"}', Refused("column 22: expected ',' or '}'")),
    ('{foo="a"} x', Refused("column 11: expected the end after '}', found 'x'")),
    ('{foo="a"}}', Refused("column 10: expected the end after '}', found '}'")),
    ('{foo=:"bar"}', Refused("column 7: expected ',' or '}' after a matcher, found '\"bar\"'")),
    ('job="value', Refused("column 5: the double quote opened here is never closed")),
    ('job=value"', Refused("column 10: the double quote opened here is never closed")),
    ('trickier==\\\\=\\=\\""', Refused("column 10: expected a value after '=', found '='")),
    (
        'contains_unescaped_quote = foo"bar',
        Refused("column 31: the double quote opened here is never closed"),
    ),
    ('{"foo"="bar"', Refused("column 13: the '{' at column 1 is never closed")),
    ('{"foo"="bar"} }', Refused("column 15: expected the end after '}', found '}'")),
    ('"foo"="bar"}', Refused("column 12: '}' without an opening '{'")),
    ('{""="x"}', Refused("column 2: a label name cannot be empty")),
    ('{"foo"="bar\\w"}', Refused("column 12: '\\w' is not an escape")),
    ("{\"foo\"='bar'}", Refused('column 8: unexpected "\'"')),
    ('{"foo"="a\nb"}', Refused("column 10: a line break inside double quotes")),
    ('{"foo"="\\xf0\\x9f"}', Refused("column 8: '\"\\\\xf0\\\\x9f\"' spells bytes that are not UTF-8")),
    ('{"foo"="\\ud800"}', Refused("'\\\\ud800' is not a Unicode character")),
    ('{"foo"="\\x4"}', Refused("'\\\\x4' needs 2 hexadecimal digits")),
    ('{"foo"="\\400"}', Refused("'\\\\400' needs three octal digits")),
    ('"{foo=\\"bar"}', Refused("column 13: expected an operator")),
    ('"foo=\\"bar\\""', Refused("is the whole matcher in quotes?")),
    ('"foo=\\"bar\\"', Refused("column 1: the double quote opened here is never closed")),
    ('"foo="bar""', Refused("column 7: expected an operator")),
    ('{foo=~"invalid[regexp"}', Refused("column 2: regex 'invalid[regexp' does not compile")),
    ('{"foo"=~"("}', Refused("column 2: regex '(' does not compile")),
    ('foo=~"(a)\\1"', Refused("back-references or look-around, which RE2 does not support")),
    ('foo=~"(?!x)"', Refused("back-references or look-around, which RE2 does not support")),
    ('{foo=~"5\\d("}', Refused("column 2: regex '5\\\\d(' does not compile")),
]


def _shape(text: str) -> Want:
    try:
        return tuple((m.name, m.type.value, m.value) for m in parse_matchers(text))
    except MatcherError as exc:
        return Refused(str(exc))


@pytest.mark.parametrize(("text", "want"), CASES, ids=[repr(text) for text, _ in CASES])
def test_matcher_text_reads_as_in_alertmanager(text: str, want: Want) -> None:
    got = _shape(text)
    if isinstance(want, Refused):
        assert isinstance(got, Refused), got
        assert want.says in got.says
        assert repr(text) in got.says  # the message quotes the text it could not read
    else:
        assert got == want


def test_the_table_covers_the_themes() -> None:
    assert len(CASES) >= 60
    assert len({text for text, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("text", "warned"),
    [
        # Both readings agree: nothing to say.
        ('{foo="bar"}', None),
        ('{foo="bar\\n", baz=~"a\\\\d"}', None),
        ('{"service.name"="api"}', None),  # only the UTF-8 grammar reads it (no warning in Alertmanager)
        ('{foo="a", }', None),
        # Only the classic rules read it: Alertmanager warns and suggests a form both read.
        ('code=~"5\\d\\d"', 'code=~"5\\\\d\\\\d"'),
        ('{foo="a"', '{foo="a"}'),
        ("tricky=~~~", 'tricky=~"~~"'),
        ("{foo=,bar=}}", '{foo="", bar="}"}'),
        # Both read it, differently: the classic reading is used.
        ('{foo="bar\\t"}', "the classic reading is used"),
        ('{foo="\\u00e9"}', "the classic reading is used"),
    ],
)
def test_alertmanager_warnings_are_kept_with_the_reading(text: str, warned: str | None) -> None:
    reading = read_matchers(text)
    if warned is None:
        assert reading.warning is None
    else:
        assert reading.warning is not None
        assert warned in reading.warning


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('severity=~"critical|high"', ("severity", RE, "critical|high")),
        ('"service.name"="api"', ("service.name", EQ, "api")),
        ("foo=a,b", ("foo", EQ, "a,b")),  # one matcher: the classic rules take the comma as text
        ('  env = "prod"  ', ("env", EQ, "prod")),
    ],
)
def test_a_single_matcher_reads_as_alertmanagers_single_form(text: str, want: tuple[str, str, str]) -> None:
    matcher = parse_matcher(text)
    assert (matcher.name, matcher.type.value, matcher.value) == want


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{foo="bar"}', "without braces"),
        ('foo="bar"}', "without braces"),
        ("", "expected one matcher, found 0"),
        ('"a"="b","c"="d"', "expected one matcher, found 2"),
        ("foo!bar", "'!' must be followed by '=' or '~'"),
    ],
)
def test_a_single_matcher_is_exactly_one(text: str, says: str) -> None:
    with pytest.raises(MatcherError) as caught:
        parse_matcher(text)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('{foo="bar\\n"}', {"foo": "bar\n"}, True),  # the escape is a line break ...
        ('{foo="bar\\n"}', {"foo": "bar\\n"}, False),  # ... not backslash-n
        ('{"service.name"="api"}', {"service.name": "api"}, True),
        ('{"label with spaces"=~"x.+"}', {"label with spaces": "xy"}, True),
        ('job:rate5m!="0"', {}, True),  # a missing label is the empty string
        ('code=~"5\\d\\d"', {"code": "503"}, True),
        ('code=~"5\\d\\d"', {"code": "5034"}, False),  # anchored
        ("{foo=bar}}", {"foo": "bar}"}, True),
    ],
)
def test_read_matchers_select_the_alerts_alertmanager_would(
    text: str, labels: dict[str, str], expected: bool
) -> None:
    assert all(m.matches(labels) for m in parse_matchers(text)) is expected
