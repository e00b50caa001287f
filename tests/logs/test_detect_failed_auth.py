"""failed_auth: recognising failed logins (sshd, PAM, HTTP 401/403, PostgreSQL, generic; IPv4 and IPv6),
the N-in-T window and its edges, one occurrence per burst, resolving, restarts."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from holdoff.logs.detect.auth_patterns import recognise
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.detect.model import Seen
from holdoff.logs.detect.table import AnyDetectorConfig
from holdoff.mediate.model import Severity
from tests.logs.test_detect_support import Shell, at, seen

RECOGNISED = [
    ("Failed password for invalid user admin from 203.0.113.7 port 52214 ssh2", "203.0.113.7"),
    ("Failed password for root from 2001:db8::7 port 22 ssh2", "2001:db8::7"),
    ("Failed publickey for git from ::ffff:198.51.100.4 port 4242 ssh2", "198.51.100.4"),
    ("Invalid user oracle from 203.0.113.9 port 40000", "203.0.113.9"),
    (
        "maximum authentication attempts exceeded for root from 203.0.113.7 port 22 ssh2 [preauth]",
        "203.0.113.7",
    ),
    (
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root",
        "203.0.113.7",
    ),
    (
        "pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=bob rhost=mail.example.net",
        "mail.example.net",
    ),
    (
        '198.51.100.23 - - [05/Dec/2026:12:00:01 +0000] "POST /wp-login.php HTTP/1.1" 401 512 "-" "curl/8.4"',
        "198.51.100.23",
    ),
    (
        '2001:db8::1 - bob [05/Dec/2026:12:00:01 +0000] "GET /admin/ HTTP/2.0" 403 0 "-" "Mozilla/5.0"',
        "2001:db8::1",
    ),
    (
        '2026-12-05 12:00:01.123 UTC [811] app@shop 10.0.0.5(53422) FATAL:  password authentication failed for user "app"',
        "10.0.0.5",
    ),
    ('FATAL:  password authentication failed for user "metabase_ro"', ""),
    ("WARN login failed for user alice from 192.0.2.44", "192.0.2.44"),
    ("Authentication failed: bad token, client=2001:db8:0:1::9", "2001:db8:0:1::9"),
    ('level=warn msg="sign-in failed" user=carol remote=192.0.2.80', "192.0.2.80"),
]

NOT_FAILURES = [
    "Accepted password for root from 203.0.113.7 port 22 ssh2",
    '198.51.100.23 - - [05/Dec/2026:12:00:01 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.4"',
    '198.51.100.23 - - [05/Dec/2026:12:00:01 +0000] "GET /missing HTTP/1.1" 404 12 "-" "curl/8.4"',
    "connection authorized: user=app database=shop application_name=psql",
    "Disconnected from user root 203.0.113.7 port 22",
    "Upload failed: connection reset by peer",
]


@pytest.mark.parametrize(("message", "address"), RECOGNISED)
def test_failed_logins_are_recognised_with_their_address(message: str, address: str) -> None:
    failure = recognise(message)
    assert failure is not None
    assert failure.address == address


@pytest.mark.parametrize("message", NOT_FAILURES)
def test_other_lines_are_not_failed_logins(message: str) -> None:
    assert recognise(message) is None


def detector(**fields: object) -> Shell:
    return Shell(FailedAuthConfig.model_validate(fields).build())


def failure(
    second: float, address: str = "203.0.113.7", service: str = "sshd", template: str = "t-ssh"
) -> Seen:
    return seen(
        f"Failed password for root from {address} port {40000 + int(second)} ssh2",
        second,
        service=service,
        template_id=template,
    )


def test_threshold_within_the_window_opens_one_finding() -> None:
    shell = detector()
    assert shell.feed([failure(s) for s in range(9)]) == []
    [found] = shell.feed([failure(9)])
    assert (found.kind, found.detector, found.service, found.subject) == (
        "failed_auth",
        "failed_auth",
        "sshd",
        "203.0.113.7",
    )
    assert found.count == 10 and found.opens and not found.resolved
    assert found.severity is Severity.HIGH
    assert found.template_id == "t-ssh" and found.first_at == at(0) and found.last_at == at(9)
    assert len(found.samples) == 5 and found.samples[0].endswith("port 40000 ssh2")
    assert found.samples[-1].endswith("port 40009 ssh2")


def test_failures_spread_wider_than_the_window_do_not_fire() -> None:
    shell = detector(threshold=3, window="60s")
    # 0, 59: two within 60 s; 118 is 59 s after 59 but 118 s after 0.
    assert shell.feed([failure(0), failure(59), failure(118)]) == []


def test_the_window_edge_is_exclusive() -> None:
    assert detector(threshold=2, window=60).feed([failure(0), failure(60)]) == []
    [found] = detector(threshold=2, window=60).feed([failure(0), failure(59)])
    assert found.count == 2


def test_each_address_and_service_counts_on_its_own() -> None:
    shell = detector(threshold=3)
    batch = [failure(1, "203.0.113.7"), failure(2, "203.0.113.8"), failure(3, "203.0.113.7", service="gitea")]
    batch += [failure(4, "203.0.113.7"), failure(5, "203.0.113.8")]
    assert shell.feed(batch) == []
    [found] = shell.feed([failure(6, "203.0.113.8")])
    assert found.subject == "203.0.113.8" and found.count == 3
    assert set(shell.rows) == {"sshd|203.0.113.7", "sshd|203.0.113.8", "gitea|203.0.113.7"}


def test_a_continuing_burst_updates_the_same_occurrence() -> None:
    shell = detector(threshold=3, samples=3)
    [opened] = shell.feed([failure(s) for s in range(3)])
    [later] = shell.feed([failure(s) for s in range(3, 40)])
    assert later.first_at == opened.first_at and not later.opens
    assert later.count == 40
    assert later.samples[:2] == opened.samples[:2] and later.samples[2].endswith("port 40039 ssh2")
    assert shell.feed([seen("Accepted password for root from 203.0.113.7 port 1 ssh2", 41)]) == []


def test_quiet_for_a_window_resolves_once_in_the_sweep() -> None:
    shell = detector(threshold=3)
    shell.feed([failure(s) for s in range(5)])
    assert shell.expires["sshd|203.0.113.7"] == at(64)
    assert shell.sweep(at(63)) == []
    [resolved] = shell.sweep(at(64))
    assert resolved.resolved and resolved.count == 5 and resolved.first_at == at(0)
    assert shell.rows == {} and shell.sweep(at(500)) == []


def test_a_new_burst_after_a_quiet_window_is_a_new_occurrence() -> None:
    shell = detector(threshold=2)
    shell.feed([failure(0), failure(1)])
    resolved, reopened = shell.feed([failure(100), failure(101)])
    assert resolved.resolved and resolved.first_at == at(0) and resolved.count == 2
    assert reopened.opens and reopened.first_at == at(100) and reopened.count == 2


def test_a_quiet_run_below_the_threshold_is_forgotten_without_a_finding() -> None:
    shell = detector()
    shell.feed([failure(0)])
    assert shell.sweep(at(61)) == [] and shell.rows == {}


def test_ipv6_and_ipv4_mapped_addresses_group_as_one_source() -> None:
    shell = detector(threshold=2)
    [found] = shell.feed([failure(0, "::ffff:198.51.100.4"), failure(1, "198.51.100.4")])
    assert found.subject == "198.51.100.4"


def test_extra_patterns_are_tried_first() -> None:
    shell = detector(threshold=2, patterns=[r"auth rejected for \S+ \(ip=(?P<address>[\d.]+)\)"])
    lines = [seen("auth rejected for bob (ip=192.0.2.7)", n, service="vpn") for n in (0, 1)]
    [found] = shell.feed(lines)
    assert found.subject == "192.0.2.7" and found.service == "vpn"


def test_a_bad_pattern_is_a_clear_config_error() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        FailedAuthConfig(patterns=["from (?P<address>[0-9.+"])
    with pytest.raises(ValidationError, match=r"named group for the source address: \(\?P<address>"):
        FailedAuthConfig(patterns=[r"from ([\d.]+)"])
    with pytest.raises(ValidationError, match="longer than zero"):
        FailedAuthConfig(window="0s")


def test_config_reads_from_the_table_with_durations_and_severity() -> None:
    config = TypeAdapter(AnyDetectorConfig).validate_python(
        {"type": "failed_auth", "name": "ssh-bursts", "threshold": 5, "window": "2m", "severity": "critical"}
    )
    assert isinstance(config, FailedAuthConfig)
    assert config.window.total_seconds() == 120 and config.severity is Severity.CRITICAL
    [found] = Shell(config.build()).feed([failure(s) for s in range(5)])
    assert found.detector == "ssh-bursts" and found.severity is Severity.CRITICAL


def test_state_survives_a_restart_through_json() -> None:
    shell = detector(threshold=4)
    shell.feed([failure(0), failure(1)])
    restarted = Shell(
        FailedAuthConfig(threshold=4).build(), rows=dict(shell.rows), expires=dict(shell.expires)
    )
    [found] = restarted.feed([failure(2), failure(3)])
    assert found.count == 4 and found.first_at == at(0)


def test_a_state_that_does_not_load_starts_empty() -> None:
    shell = detector(threshold=2)
    shell.rows["sshd|203.0.113.7"] = '{"run": "garbage"}'
    assert shell.feed([failure(0)]) == []
    [found] = shell.feed([failure(1)])
    assert found.count == 2
