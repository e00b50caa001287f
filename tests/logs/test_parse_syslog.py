"""Syslog lines: RFC 3164 with and without priority, host name and pid; RFC 5424 with structured data
and a BOM; the RFC 3339 file format; and klog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from holdoff.logs.model import Layout, LogRecord
from holdoff.logs.parse import parse_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
RECEIVED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


def one(line: str, received: datetime = RECEIVED) -> LogRecord:
    records = parse_lines([line], service="syslog", host="collector", received=received)
    assert len(records) == 1
    return records[0]


def test_rfc3164_with_priority_and_host_and_tag() -> None:
    record = one("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
    assert record.layout is Layout.SYSLOG_3164
    assert record.timestamp == datetime(
        2023, 10, 11, 22, 14, 15, tzinfo=UTC
    )  # a year back: not in the future
    assert record.level == "crit"  # 34 = auth (4) * 8 + crit (2)
    assert record.host == "mymachine"
    assert record.message == "'su root' failed for lonvick on /dev/pts/8"
    assert record.attributes == {"syslog.facility": "auth", "program": "su"}


def test_rfc3164_without_host_keeps_the_senders_host() -> None:
    record = one("<13>Mar  4 10:01:02 backup-job[4410]: rsync finished with code 23")
    assert record.host == "collector"
    assert record.level == "notice"
    assert record.timestamp == datetime(2024, 3, 4, 10, 1, 2, tzinfo=UTC)
    assert record.attributes == {"syslog.facility": "user", "program": "backup-job", "pid": "4410"}
    assert record.message == "rsync finished with code 23"


def test_sshd_failed_password_from_a_file() -> None:
    record = one(
        "Mar  4 10:01:03 bastion-1 sshd[28871]: Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2"
    )
    assert record.layout is Layout.SYSLOG_3164
    assert (record.host, record.level) == ("bastion-1", None)
    assert record.attributes == {"program": "sshd", "pid": "28871"}
    assert record.message == "Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2"


def test_postgresql_fatal_is_its_declared_level_and_the_message_is_kept_whole() -> None:
    record = one(
        'Mar  4 10:01:04 db-primary postgres[7212]: [5-1] FATAL:  password authentication failed for user "reporting"'
    )
    assert record.level == "FATAL"
    assert record.message == '[5-1] FATAL:  password authentication failed for user "reporting"'


def test_the_programs_own_level_wins_over_the_priority() -> None:
    record = one('<30>Mar  4 10:01:04 db1 postgres[7212]: ERROR:  relation "orders" does not exist')
    assert record.level == "ERROR"
    assert record.attributes is not None and record.attributes["syslog.facility"] == "daemon"


def test_kernel_oom_kill_at_info() -> None:
    record = one(
        "<6>Mar  4 10:01:05 node17 kernel: [4711093.412118] Out of memory: Killed process 1234 (java) total-vm:8123456kB"
    )
    assert (record.level, record.host) == ("info", "node17")
    assert record.attributes == {"syslog.facility": "kern", "program": "kernel"}
    assert record.message.startswith("[4711093.412118] Out of memory: Killed process 1234 (java)")


def test_december_lines_received_in_january_are_last_year() -> None:
    record = one("Dec 31 23:59:58 web1 cron[1]: job done", received=datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC))
    assert record.timestamp == datetime(2024, 12, 31, 23, 59, 58, tzinfo=UTC)
    tomorrow = one("Mar  5 08:00:00 web1 cron[1]: clock ahead")  # less than a day ahead: this year
    assert tomorrow.timestamp == datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


def test_rfc5424_with_structured_data_and_bom() -> None:
    line = '<165>1 2024-03-04T10:01:06.003Z mail-gw.example.net postfix 3321 SMTPIN [origin ip="192.0.2.8" enterpriseId="32473"][meta sequenceId="29" note="a \\"quoted\\" \\]"] \ufeffconnect from unknown[198.51.100.14]'
    record = one(line)
    assert record.layout is Layout.SYSLOG_5424
    assert record.timestamp == datetime(2024, 3, 4, 10, 1, 6, 3000, tzinfo=UTC)
    assert (record.level, record.host) == ("notice", "mail-gw.example.net")
    assert record.message == "connect from unknown[198.51.100.14]"
    assert record.attributes == {
        "syslog.facility": "local4",
        "program": "postfix",
        "pid": "3321",
        "syslog.msgid": "SMTPIN",
        "sd.origin.ip": "192.0.2.8",
        "sd.origin.enterpriseId": "32473",
        "sd.meta.sequenceId": "29",
        "sd.meta.note": 'a "quoted" ]',
    }


def test_rfc5424_with_nil_fields_and_an_offset() -> None:
    record = one("<14>1 2024-03-04T11:01:07.5+01:00 - - - - - restarted")
    assert record.timestamp == datetime(2024, 3, 4, 10, 1, 7, 500000, tzinfo=UTC)
    assert (record.host, record.message, record.level) == ("collector", "restarted", "info")
    assert record.attributes == {"syslog.facility": "user"}


def test_rfc5424_nil_time_is_the_receive_time() -> None:
    assert one("<14>1 - host app - - - hello").timestamp == RECEIVED


def test_rfc3339_file_format_of_rsyslog_and_journald() -> None:
    record = one(
        "2024-03-04T10:01:08.120934+00:00 web-2 systemd[1]: nginx.service: Main process exited, code=killed, status=9/KILL"
    )
    assert record.layout is Layout.SYSLOG_3164
    assert record.host == "web-2"
    assert record.attributes == {"program": "systemd", "pid": "1"}
    assert record.message == "nginx.service: Main process exited, code=killed, status=9/KILL"


def test_a_fixture_of_syslog_lines_gives_one_record_each() -> None:
    lines = (FIXTURES / "syslog.log").read_text(encoding="utf-8").splitlines()
    records = parse_lines(lines, service="syslog", host=None, received=RECEIVED)
    assert len(records) == len(lines)
    assert all(r.layout in (Layout.SYSLOG_3164, Layout.SYSLOG_5424) for r in records)
    assert [r.timestamp.tzinfo for r in records] == [UTC] * len(lines)


def test_klog_lines_from_the_kubelet() -> None:
    lines = (FIXTURES / "kubelet.log").read_text(encoding="utf-8").splitlines()
    records = parse_lines(lines, service="kubelet", host="worker-2", received=RECEIVED)
    assert [r.layout for r in records] == [Layout.KLOG] * 4
    assert [r.level for r in records] == ["I", "W", "E", "F"]
    first = records[0]
    assert first.timestamp == datetime(2024, 3, 4, 9, 40, 11, 512877, tzinfo=UTC)
    assert first.attributes == {"tid": "2214", "caller": "kubelet.go:2441"}
    assert first.message == '"SyncLoop ADD" source="api" pods=["payments/ledger-7c9d8b6f5-x2kqp"]'
    assert first.host == "worker-2"
    assert records[3].message.startswith("failed to run Kubelet: unable to load bootstrap kubeconfig")
