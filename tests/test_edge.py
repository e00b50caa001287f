"""The rule for input (holdoff.edge): text replaced, numbers and times refused, the same way everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from holdoff.edge import (
    EARLIEST,
    LATEST,
    MAX_DEPTH,
    InputRefused,
    clean,
    clean_text,
    dumps,
    loads,
    parse_json,
    utc_in_range,
)


def _nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    ("escape", "kept"),
    [("\\ud800", "\ufffd"), ("\\udfff", "\ufffd"), ("\\u0000", "\ufffd"), ("\\ud83d\\udca5", "\U0001f4a5")],
    ids=["high-surrogate", "low-surrogate", "nul", "a-real-pair-is-kept"],
)
def test_unstorable_text_becomes_a_replacement_character_in_keys_and_values(escape: str, kept: str) -> None:
    data = parse_json(f'{{"k{escape}": ["v{escape}", {{"deep": "x{escape}"}}]}}')
    assert data == {f"k{kept}": [f"v{kept}", {"deep": f"x{kept}"}]}
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # encodable


def test_clean_text_returns_the_same_object_when_there_is_nothing_to_clean() -> None:
    text = "Température élevée ⚠ 日本"
    assert clean_text(text) is text


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"n": ' + "9" * 4301 + "}", "more than 4,300 digits"),
        ('{"n": NaN}', "NaN is not a JSON number"),
        ('{"n": -Infinity}', "-Infinity is not a JSON number"),
        ('{"n": 1e999}', "out of range"),
        (_nested(MAX_DEPTH + 1), f"more than {MAX_DEPTH} levels"),
        ("[" * 100_000 + "]" * 100_000, f"more than {MAX_DEPTH} levels"),
    ],
    ids=["huge-integer", "nan", "infinity", "float-overflow", "too-deep", "recursion"],
)
def test_numbers_and_nesting_that_cannot_be_handled_are_refused_with_a_reason(body: str, says: str) -> None:
    with pytest.raises(InputRefused, match=says):
        parse_json(body)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert parse_json(_nested(MAX_DEPTH)) is not None
    with pytest.raises(InputRefused):
        clean({"x": json.loads(_nested(MAX_DEPTH + 1)), "bad": "\ud800"})


def test_the_database_json_is_cleaned_both_ways() -> None:
    assert dumps({"k": "v\ud800"}) == '{"k": "v\\ufffd"}'
    assert loads('{"k": "v\\ud800", "n": "\\u0000"}') == {"k": "v\ufffd", "n": "\ufffd"}
    assert loads(b'{"k": "v"}') == {"k": "v"}


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),  # overflows
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),  # overflows
        EARLIEST - timedelta(microseconds=1),
        LATEST,
    ],
    ids=["overflow-late", "overflow-early", "just-before", "the-end"],
)
def test_times_outside_the_range_are_refused_naming_the_field(moment: datetime) -> None:
    with pytest.raises(InputRefused, match=r"^since: .* is outside the times Holdoff accepts"):
        utc_in_range(moment, "since")


def test_times_inside_the_range_come_back_in_utc() -> None:
    plus_two = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert utc_in_range(plus_two) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert utc_in_range(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)  # no zone: UTC
    assert utc_in_range(EARLIEST) == EARLIEST
