"""Properties of text parsing: any text parses without raising; every line's text reaches a record,
and records come out in input order."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdoff.edge import EARLIEST, LATEST
from holdoff.logs.parse import LineAssembler, parse_json_records, parse_lines

RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)

# Real headers (and broken pieces of them), so that the tails the text strategy adds go through
# every parser and every multi-line rule, not only the plain-line path.
PREFIXES = (
    "", " ", "\t", "{", "<", "[", "2024-", "I0304 ", "<34>", "<999>",
    "<34>Oct 11 22:14:15 host prog[12]: ",
    '<165>1 2024-03-04T10:01:06.003Z host app 1 ID [x a="b"] \ufeff',
    "<14>1 - - - - - ",
    "Mar  4 10:01:03 bastion sshd[1]: ",
    "Dec 31 23:59:59 ",
    "I0304 09:40:11.512877    2214 kubelet.go:2441] ",
    '203.0.113.9 - - [04/Mar/2024:09:50:01 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" ',
    "2024/03/04 09:58:11 [error] 1#1: *1 ",
    "[Mon Mar 04 09:55:01.2 2024] [core:error] [pid 1:tid 2] [client 1.2.3.4:5] ",
    "[Mon Mar 04 09:55:01 2024] ",
    "2024-03-04 09:20:01,007 - a.b - ERROR - ",
    "2024-03-04T10:01:08+00:00 web-2 systemd[1]: ",
    "2024-03-04 10:00:14.123 UTC [1234] FATAL:  ",
    "ERROR:root:", "WARN ", "ERRO[0001] ", "INFO:     ",
    "2024-03-04T09:15:24.118Z ERROR 4242 --- [main] c.a.B : ",
    "10:00:00.123 [main] WARN c.a.B - ",
    "04-Mar-2024 09:15:25.331 SEVERE [main] ",
    "[2024-03-04 09:15:26 +0000] [1234] [ERROR] ",
    "level=error component=x ",
    "Traceback (most recent call last):", '  File "x.py", line 1', "\tat a.B(B.java:1)",
    "Caused by: x.Y: ", "... 3 more ", "goroutine 1 [running]:", "panic: ", "main.main()",
    "java.lang.IllegalStateException: ", "During handling of the above exception, another exception occurred:",
    "SEVERE: ",
)  # fmt: skip

BAD = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\ufffd", "\r", "\n", "\r\n", "\ufeff", "\x1b[31m", "\u2028"]
)
ANY_LINE = st.lists(
    st.one_of(st.text(), BAD, st.builds(str.__add__, st.sampled_from(PREFIXES), st.text())), max_size=30
)
TAIL = st.text(st.characters(exclude_characters="\n\u27e6\u27e7", exclude_categories=()), max_size=30)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_LINE)
def test_any_text_parses_without_raising(lines: list[str]) -> None:
    records = parse_lines(lines, service="svc", host=None, received=RECEIVED)
    for record in records:
        assert record.service
        assert EARLIEST <= record.timestamp < LATEST
        assert record.timestamp.utcoffset() is not None
        assert "\x00" not in record.message and "\ud800" not in record.message
    assert len(records) <= sum(1 for line in lines for part in line.split("\n") if part.strip())


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PREFIXES), TAIL), min_size=1, max_size=25))
def test_every_line_reaches_a_record_in_input_order(parts: list[tuple[str, str]]) -> None:
    lines = [f"{prefix}{tail} \u27e6{n}\u27e7" for n, (prefix, tail) in enumerate(parts)]
    records = parse_lines(lines, service="svc", host=None, received=RECEIVED)
    text = "\n".join(record.message for record in records)
    positions = [text.find(f"\u27e6{n}\u27e7") for n in range(len(lines))]
    assert -1 not in positions, (lines, [r.message for r in records])
    assert positions == sorted(positions)
    assert all(record.message for record in records)


@settings(max_examples=200, deadline=None)
@given(ANY_LINE)
def test_streaming_and_batch_agree(lines: list[str]) -> None:
    assembler = LineAssembler(service="svc", host="h")
    streamed = []
    for line in lines:
        streamed.extend(assembler.feed(line, RECEIVED))
    streamed.extend(assembler.flush(RECEIVED))
    assert streamed == parse_lines(lines, service="svc", host="h", received=RECEIVED)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["message", "msg", "log", "level", "time", "ts", "date", "service", "host", "id", "stack", "x"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.dictionaries(KEYS | st.text(max_size=6), JSON_VALUES, max_size=6), JSON_VALUES),
        max_size=8,
    )
)
def test_any_json_items_give_one_record_each(items: list[object]) -> None:
    records = parse_json_records(items, service=None, host=None, received=RECEIVED)  # type: ignore[arg-type]
    assert len(records) == len(items)
    assert all(EARLIEST <= r.timestamp < LATEST and r.service for r in records)
