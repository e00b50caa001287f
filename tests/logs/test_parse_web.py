"""Web server logs: nginx and Apache access lines (Combined/Common Log Format), nginx error logs,
Apache error logs in the 2.2 and 2.4 styles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import parse_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def fixture(name: str) -> list[LogRecord]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    records = parse_lines(lines, service="web", host="web-1", received=RECEIVED)
    assert len(records) == len(lines)
    return records


def test_nginx_combined_access_line() -> None:
    record = fixture("nginx-access.log")[0]
    assert record.layout is Layout.NGINX_ACCESS
    assert record.timestamp == datetime(2024, 3, 4, 9, 50, 1, tzinfo=UTC)
    assert record.level is None  # an access line declares no level; its status is an attribute
    assert record.message.startswith(
        '203.0.113.9 - - [04/Mar/2024:09:50:01 +0000] "GET /api/v2/orders?page=3'
    )
    assert record.attributes == {
        "client.address": "203.0.113.9",
        "http.request.method": "GET",
        "url.original": "/api/v2/orders?page=3",
        "network.protocol": "HTTP/1.1",
        "http.response.status_code": "200",
        "http.response.body.size": "5123",
        "http.request.header.referer": "https://shop.example.com/orders",
        "user_agent.original": "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    }
    assert record.host == "web-1"


def test_access_lines_with_a_user_an_offset_a_garbage_request_and_no_referer() -> None:
    _, with_user, garbage, common = fixture("nginx-access.log")
    assert with_user.timestamp == datetime(2024, 3, 4, 9, 50, 2, tzinfo=UTC)  # +0100 read as such
    assert with_user.attributes["user.name"] == "alice"
    assert with_user.attributes["http.response.status_code"] == "502"
    assert garbage.attributes["client.address"] == "2001:db8:4::17"
    assert garbage.attributes["http.request.line"].startswith("\\x16\\x03")
    assert "http.request.method" not in garbage.attributes
    assert common.attributes["http.request.method"] == "HEAD"
    assert "http.response.body.size" not in common.attributes
    assert "user_agent.original" not in common.attributes


def test_apache_vhost_combined_access_line() -> None:
    line = 'shop.example.com:443 192.0.2.10 - - [04/Mar/2024:09:55:05 +0000] "GET / HTTP/1.1" 200 90 "-" "curl/8.5.0"'
    (record,) = parse_lines([line], service="apache", host=None, received=RECEIVED)
    assert record.layout is Layout.NGINX_ACCESS  # the same format nginx writes; Layout names no other yet
    assert record.attributes["server.address"] == "shop.example.com:443"
    assert record.attributes["client.address"] == "192.0.2.10"


def test_nginx_error_lines() -> None:
    timeout, emerg, warn = fixture("nginx-error.log")
    assert timeout.layout is Layout.NGINX_ERROR
    assert timeout.timestamp == datetime(2024, 3, 4, 9, 58, 11, tzinfo=UTC)
    assert timeout.level == "error"
    assert timeout.message.startswith("upstream timed out (110: Connection timed out) while reading")
    assert timeout.attributes == {
        "pid": "2817",
        "tid": "2817",
        "connection": "90231",
        "client.address": "198.51.100.23",
        "server.address": "api.example.com",
        "http.request.line": "GET /v1/quotes HTTP/1.1",
        "upstream": "http://10.0.4.12:8080/v1/quotes",
        "http.request.header.host": "api.example.com",
    }
    assert (emerg.level, emerg.message) == (
        "emerg",
        "bind() to 0.0.0.0:80 failed (98: Address already in use)",
    )
    assert emerg.attributes == {"pid": "1", "tid": "1"}
    assert warn.level == "warn"


def test_apache_24_error_line_with_pid_tid_and_client() -> None:
    record = fixture("apache.log")[0]
    assert record.layout is Layout.APACHE_ERROR
    assert record.timestamp == datetime(2024, 3, 4, 9, 55, 1, 204551, tzinfo=UTC)
    assert record.level == "error"
    assert record.message == "AH01071: Got error 'Primary script unknown', referer: https://blog.example.org/"
    assert record.attributes == {
        "apache.module": "proxy_fcgi",
        "pid": "30412",
        "tid": "140187654321408",
        "client.address": "198.51.100.23",
        "client.port": "51544",
    }


def test_apache_24_notice_without_client_and_22_error_line() -> None:
    records = fixture("apache.log")
    notice, old, auth, access = records[1:]
    assert (notice.level, notice.attributes) == (
        "notice",
        {"apache.module": "mpm_event", "pid": "1022", "tid": "140187999999872"},
    )
    assert old.layout is Layout.APACHE_ERROR
    assert old.timestamp == datetime(2024, 3, 4, 9, 55, 3, tzinfo=UTC)
    assert (old.level, old.message) == ("error", "File does not exist: /var/www/html/wp-login.php")
    assert old.attributes == {"client.address": "203.0.113.50"}
    assert auth.attributes["client.address"] == "203.0.113.9"
    assert auth.message.startswith("AH01617: user admin: authentication failure")
    assert access.layout is Layout.NGINX_ACCESS
    assert access.attributes["http.response.status_code"] == "401"


def test_a_bracketed_time_without_an_apache_level_is_read_as_an_application_line() -> None:
    (record,) = parse_lines(
        ["[Mon Mar 04 09:55:03 2024] usb 1-1: new high-speed USB device"],
        service="k",
        host=None,
        received=RECEIVED,
    )
    assert record.timestamp == datetime(2024, 3, 4, 9, 55, 3, tzinfo=UTC)
    assert record.message == "usb 1-1: new high-speed USB device"
    assert record.level is None
