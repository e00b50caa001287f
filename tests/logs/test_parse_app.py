"""Lines of applications' logging libraries: Python logging, log4j/logback, Spring Boot, Tomcat,
java.util.logging, PostgreSQL, gunicorn, uvicorn, zap, logrus, logfmt; and plain lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import parse_lines
from holdoff.logs.parse.head import APP, LOGFMT

RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def one(line: str) -> LogRecord:
    records = parse_lines([line], service="app", host="app-1", received=RECEIVED)
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize(
    ("line", "when", "level", "message", "attributes"),
    [
        (  # Python: the cookbook format
            "2024-03-04 09:20:01,007 - worker.sync - ERROR - Sync of tenant 4417 failed",
            datetime(2024, 3, 4, 9, 20, 1, 7000, tzinfo=UTC), "ERROR", "Sync of tenant 4417 failed",
            {"logger": "worker.sync"},
        ),
        (  # Python: basicConfig's default format has no time
            "WARNING:urllib3.connectionpool:Retrying (Retry(total=2)) after connection broken",
            RECEIVED, "WARNING", "Retrying (Retry(total=2)) after connection broken",
            {"logger": "urllib3.connectionpool"},
        ),
        (  # Python: bracketed level, "name: message"
            "2024-03-04 09:20:02,500 [INFO] app.web: started 4 workers",
            datetime(2024, 3, 4, 9, 20, 2, 500000, tzinfo=UTC), "INFO", "started 4 workers", {"logger": "app.web"},
        ),
        (  # uvicorn
            'INFO:     127.0.0.1:52144 - "GET /health HTTP/1.1" 200 OK',
            RECEIVED, "INFO", '127.0.0.1:52144 - "GET /health HTTP/1.1" 200 OK', {},
        ),
        (  # log4j: %d %-5p [%t] %c - %m
            "2024-03-04 09:15:22,431 INFO  [http-nio-8080-exec-8] com.acme.billing.InvoiceController - Request completed",
            datetime(2024, 3, 4, 9, 15, 22, 431000, tzinfo=UTC), "INFO", "Request completed",
            {"thread": "http-nio-8080-exec-8", "logger": "com.acme.billing.InvoiceController"},
        ),
        (  # logback's default: a time of day alone
            "09:15:23.002 [main] WARN  c.a.b.ConnectionPool - pool exhausted, waiting",
            datetime(2024, 3, 4, 9, 15, 23, 2000, tzinfo=UTC), "WARN", "pool exhausted, waiting",
            {"thread": "main", "logger": "c.a.b.ConnectionPool"},
        ),
        (  # Spring Boot 3
            "2024-03-04T09:15:24.118Z ERROR 4242 --- [orders] [nio-8080-exec-1] c.a.o.web.OrderController  : Order 9 rejected",
            datetime(2024, 3, 4, 9, 15, 24, 118000, tzinfo=UTC), "ERROR", "Order 9 rejected",
            {"pid": "4242", "thread": "orders", "context": "nio-8080-exec-1", "logger": "c.a.o.web.OrderController"},
        ),
        (  # Tomcat's catalina.out
            "04-Mar-2024 09:15:25.331 SEVERE [main] org.apache.catalina.startup.Catalina.start Server startup failed",
            datetime(2024, 3, 4, 9, 15, 25, 331000, tzinfo=UTC), "SEVERE",
            "org.apache.catalina.startup.Catalina.start Server startup failed", {"thread": "main"},
        ),
        (  # PostgreSQL stderr, log_line_prefix '%m [%p] '
            '2024-03-04 10:00:14.123 CET [1234] FATAL:  password authentication failed for user "x"',
            datetime(2024, 3, 4, 9, 0, 14, 123000, tzinfo=UTC), "FATAL",
            'password authentication failed for user "x"', {"pid": "1234"},
        ),
        (  # gunicorn
            "[2024-03-04 09:15:26 +0000] [1234] [CRITICAL] WORKER TIMEOUT (pid:5678)",
            datetime(2024, 3, 4, 9, 15, 26, tzinfo=UTC), "CRITICAL", "WORKER TIMEOUT (pid:5678)", {"pid": "1234"},
        ),
        (  # Fluent Bit's own log
            "[2024/03/04 09:15:27] [ warn] [engine] failed to flush chunk '1-1709.flb', retry in 9 seconds",
            datetime(2024, 3, 4, 9, 15, 27, tzinfo=UTC), "warn",
            "failed to flush chunk '1-1709.flb', retry in 9 seconds", {"thread": "engine"},
        ),
        (  # zap's console encoder
            '2024-03-04T09:15:28.500Z\terror\tledger/post.go:142\tposting failed\t{"batch": 5521}',
            datetime(2024, 3, 4, 9, 15, 28, 500000, tzinfo=UTC), "error", 'posting failed\t{"batch": 5521}',
            {"caller": "ledger/post.go:142"},
        ),
        (  # logrus on a terminal
            "ERRO[0042] could not reach registry                    error=\"i/o timeout\"",
            RECEIVED, "ERRO", 'could not reach registry                    error="i/o timeout"', {"uptime": "0042"},
        ),
        (  # a level first, then the time
            "WARN  2024-03-04 09:15:29,000 [scheduler-1] c.a.Jobs - job late by 31 s",
            datetime(2024, 3, 4, 9, 15, 29, tzinfo=UTC), "WARN", "job late by 31 s",
            {"thread": "scheduler-1", "logger": "c.a.Jobs"},
        ),
    ],
)  # fmt: skip
def test_application_lines(
    line: str, when: datetime, level: str, message: str, attributes: dict[str, str]
) -> None:
    record = one(line)
    assert (record.timestamp, record.level, record.message, record.attributes) == (
        when,
        level,
        message,
        attributes,
    )
    assert record.layout is APP
    assert record.service == "app"
    assert record.host == "app-1"


def test_logfmt_line() -> None:
    record = one(
        'ts=2024-03-04T09:15:30.456Z caller=scrape.go:1234 level=warn component="scrape manager" msg="Append failed" err="out of bounds\\nretrying"'
    )
    assert record.timestamp == datetime(2024, 3, 4, 9, 15, 30, 456000, tzinfo=UTC)
    assert record.layout is LOGFMT
    assert (record.level, record.message) == ("warn", "Append failed")
    assert record.attributes == {
        "caller": "scrape.go:1234",
        "component": "scrape manager",
        "err": "out of bounds\nretrying",
    }


def test_logfmt_with_a_service_key_names_the_service() -> None:
    record = one('time="2024-03-04T09:15:31Z" level=error msg="lost lease" service=scheduler')
    assert (record.service, record.level, record.message) == ("scheduler", "error", "lost lease")


@pytest.mark.parametrize(
    "line",
    [
        "just a plain line",
        "error connecting to the database",  # lower case words are not read as a level
        "Connection failed: timeout",
        "a=b",  # one pair is not logfmt
        "[12345.678901] usb 1-1: new device",  # dmesg uptime, not a time
        "12 monkeys",
        "\u00e9t\u00e9 2024: \u00e7a marche",
    ],
)
def test_lines_that_match_nothing_are_kept_whole(line: str) -> None:
    record = one(line)
    assert record.layout is Layout.PLAIN
    assert (record.message, record.timestamp, record.level) == (line, RECEIVED, None)


def test_a_time_line_without_words_after_it_is_kept_whole() -> None:
    record = one("2024-03-04 09:15:32 ERROR")
    assert (record.level, record.message) == ("ERROR", "2024-03-04 09:15:32 ERROR")


def test_zone_offsets_and_out_of_range_times() -> None:
    assert one("2024-03-04T09:15:33+05:30 INFO up").timestamp == datetime(2024, 3, 4, 3, 45, 33, tzinfo=UTC)
    assert one("2024-03-04T09:15:33-0800 INFO up").timestamp == datetime(2024, 3, 4, 17, 15, 33, tzinfo=UTC)
    assert one("1969-12-31 23:59:59 INFO before the epoch").timestamp == RECEIVED
    assert one("2201-01-01 00:00:00 INFO far away").timestamp == RECEIVED
    assert one("2024-02-30 10:00:00 INFO no such day").timestamp == RECEIVED


def test_a_time_of_day_just_before_midnight_received_after_it_is_yesterday() -> None:
    (record,) = parse_lines(
        ["23:59:59.900 [main] INFO  c.a.App - tick"], service="a", host=None,
        received=datetime(2024, 3, 5, 0, 0, 1, tzinfo=UTC),
    )  # fmt: skip
    assert record.timestamp == datetime(2024, 3, 4, 23, 59, 59, 900000, tzinfo=UTC)


def test_java_util_logging_two_line_record() -> None:
    records = parse_lines(
        [
            "Mar 04, 2024 9:15:34 PM org.apache.catalina.core.StandardWrapperValve invoke",
            "SEVERE: Servlet.service() for servlet [dispatcher] threw exception",
            "Mar 04, 2024 9:15:35 PM org.apache.catalina.startup.Catalina start",
            "INFO: Server startup in [2,114] milliseconds",
        ],
        service="tomcat",
        host=None,
        received=RECEIVED,
    )
    first, second = records
    assert first.timestamp == datetime(2024, 3, 4, 21, 15, 34, tzinfo=UTC)
    assert (first.level, first.message) == (
        "SEVERE",
        "Servlet.service() for servlet [dispatcher] threw exception",
    )
    assert first.attributes == {"logger": "org.apache.catalina.core.StandardWrapperValve", "method": "invoke"}
    assert (second.level, second.message) == ("INFO", "Server startup in [2,114] milliseconds")
