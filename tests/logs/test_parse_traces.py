"""Multi-line records kept whole: Java stack traces, Python tracebacks, Go panics, indented
continuation lines; and the streaming assembler gives the same records as a whole batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import LineAssembler, parse_lines
from holdoff.logs.parse.head import APP

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def fixture(name: str) -> tuple[list[str], list[LogRecord]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return lines, parse_lines(lines, service="app", host="app-1", received=RECEIVED)


def test_java_exception_with_caused_by_and_more_is_one_record() -> None:
    lines, records = fixture("java-npe.log")
    trace, after = records
    assert trace.layout is Layout.TRACEBACK
    assert trace.timestamp == datetime(2024, 3, 4, 9, 15, 22, 418000, tzinfo=UTC)
    assert trace.level == "ERROR"
    assert trace.attributes == {
        "thread": "http-nio-8080-exec-7",
        "logger": "com.acme.billing.InvoiceController",
    }
    assert trace.message.split("\n") == ["Request POST /invoices failed", *lines[1:-1]]
    assert trace.message.endswith("\t... 5 more")
    assert after.layout is APP  # an application's line (Layout.PLAIN until Layout names it)
    assert (after.level, after.message) == ("INFO", "Request GET /invoices/8812 completed in 12 ms")


def test_python_chained_traceback_is_one_record() -> None:
    lines, records = fixture("python-traceback.log")
    trace, after = records
    assert trace.layout is Layout.TRACEBACK
    assert (trace.level, trace.attributes) == ("ERROR", {"logger": "worker.sync"})
    assert trace.message.split("\n") == ["Sync of tenant 4417 failed", *lines[1:-1]]
    assert trace.message.endswith("psycopg2.InterfaceError: connection already closed")
    assert "\n\nDuring handling of the above exception, another exception occurred:\n\n" in trace.message
    assert after.message == "Retrying tenant 4417 in 30 s"


def test_go_panic_with_goroutines_is_one_record() -> None:
    lines, records = fixture("go-panic.log")
    listening, panic, starting = records
    assert listening.message == "listening on :8443"
    assert listening.timestamp == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert panic.layout is Layout.TRACEBACK
    assert panic.message.split("\n") == lines[1:-1]
    assert panic.message.startswith(
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
    )
    assert panic.message.endswith("exit status 2")
    assert panic.timestamp == RECEIVED
    assert starting.message == "Starting edge proxy v1.8.2"
    assert starting.layout is Layout.PLAIN


def test_a_traceback_without_a_log_line_before_it() -> None:
    lines = [
        "Traceback (most recent call last):",
        '  File "manage.py", line 3, in <module>',
        "    main()",
        "KeyError: 'DATABASE_URL'",
        "next line",
    ]
    trace, after = parse_lines(lines, service="app", host=None, received=RECEIVED)
    assert trace.layout is Layout.TRACEBACK
    assert trace.message == "\n".join(lines[:4])
    assert after.message == "next line"


def test_an_uncaught_java_exception_and_node_stack() -> None:
    lines = [
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
        "Error: connect ECONNREFUSED 127.0.0.1:5432",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)",
    ]
    java, node = parse_lines(lines, service="app", host=None, received=RECEIVED)
    assert java.message == "\n".join(lines[:2])
    assert node.message == "\n".join(lines[2:])
    assert java.layout is node.layout is Layout.TRACEBACK


def test_indented_continuation_lines_join_but_are_not_a_trace() -> None:
    lines = [
        '2024-03-04 10:00:00.001 UTC [88] ERROR:  duplicate key value violates unique constraint "users_pkey"',
        "\tDETAIL:  Key (id)=(42) already exists.",
        "",
        "\tSTATEMENT:  INSERT INTO users (id) VALUES (42)",
        "",
        "2024-03-04 10:00:01.000 UTC [88] LOG:  checkpoint starting: time",
    ]
    error, checkpoint = parse_lines(lines, service="postgres", host=None, received=RECEIVED)
    assert error.layout is APP
    assert error.level == "ERROR"
    assert error.message == (
        'duplicate key value violates unique constraint "users_pkey"\n'
        "\tDETAIL:  Key (id)=(42) already exists.\n\n\tSTATEMENT:  INSERT INTO users (id) VALUES (42)"
    )
    assert (checkpoint.level, checkpoint.message) == ("LOG", "checkpoint starting: time")


def test_a_bare_exception_line_after_a_plain_line_starts_its_own_record() -> None:
    lines = ["starting", "java.lang.IllegalStateException: no config", "\tat a.b.C.main(C.java:3)"]
    plain, trace = parse_lines(lines, service="app", host=None, received=RECEIVED)
    assert plain.message == "starting"
    assert trace.message == "\n".join(lines[1:])


def test_blank_lines_between_records_are_dropped() -> None:
    records = parse_lines(["one", "", "   ", "two", ""], service="a", host=None, received=RECEIVED)
    assert [r.message for r in records] == ["one", "two"]


def test_a_runaway_record_is_cut_and_nothing_is_lost() -> None:
    lines = ["ERROR start", *[f"  frame {n}" for n in range(2500)]]
    records = parse_lines(lines, service="a", host=None, received=RECEIVED)
    assert len(records) == 3
    joined = "\n".join(r.message for r in records)
    assert all(f"  frame {n}" in joined for n in (0, 999, 1000, 2499))
    assert [r.message.count("\n") for r in records] == [1000, 1000, 498]


def test_crlf_line_ends_and_embedded_line_breaks() -> None:
    records = parse_lines(
        ["first\r\n", "ERROR x\n\tat a.B(B.java:1)\r\n"], service="a", host=None, received=RECEIVED
    )
    assert [r.message for r in records] == ["first", "x\n\tat a.B(B.java:1)"]


def test_the_streaming_assembler_gives_what_the_batch_gives() -> None:
    for name in ("java-npe.log", "python-traceback.log", "go-panic.log", "syslog.log"):
        lines, batch = fixture(name)
        assembler = LineAssembler(service="app", host="app-1")
        streamed: list[LogRecord] = []
        for line in lines:
            streamed.extend(assembler.feed(line, RECEIVED))
        streamed.extend(assembler.flush(RECEIVED))
        assert streamed == batch, name


def test_the_assembler_completes_a_record_when_the_next_one_starts_or_at_flush() -> None:
    assembler = LineAssembler(service="app", host=None)
    t0 = RECEIVED
    assert assembler.feed("ERROR boom", t0) == []
    assert assembler.feed("\tat a.B(B.java:1)", t0 + timedelta(seconds=1)) == []
    (done,) = assembler.feed("INFO next", t0 + timedelta(seconds=2))
    assert done.message == "boom\n\tat a.B(B.java:1)"
    assert done.timestamp == t0  # the first line's receive time
    (last,) = assembler.flush(t0 + timedelta(seconds=30))
    assert last.message == "next"
    assert last.timestamp == t0 + timedelta(seconds=2)
    assert assembler.flush(t0) == []


def test_a_json_line_closes_the_open_record_and_is_its_own_record() -> None:
    lines = ["ERROR boom", '{"msg": "json", "level": "info"}', "\tindented after json"]
    records = parse_lines(lines, service="a", host=None, received=RECEIVED)
    assert [(r.layout, r.message) for r in records] == [
        (APP, "boom"),
        (Layout.JSON, "json"),
        (Layout.PLAIN, "\tindented after json"),
    ]
