"""Findings as alert events: identity, titles, labels and annotations, and what mediation makes of an
occurrence's reports (one occurrence, the latest count, resolved; a new occurrence after it)."""

from __future__ import annotations

from datetime import timedelta

from holdoff.logs.detect.critical import CriticalConfig
from holdoff.logs.detect.error_rate import ErrorRateConfig
from holdoff.logs.detect.events import events, fingerprint
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.detect.model import Finding
from holdoff.logs.model import LogSeverity
from holdoff.mediate.engine import decide
from holdoff.mediate.model import Action, AlertRecord, AlertState, Severity
from holdoff.mediate.policy import Policy
from tests.logs.test_detect_support import Shell, at, seen


def ssh(second: float, address: str = "203.0.113.7") -> object:
    return seen(f"Failed password for root from {address} port 22 ssh2", second, template_id="t-ssh")


def test_a_failed_login_burst_reads_as_an_alert() -> None:
    shell = Shell(FailedAuthConfig(threshold=3).build())
    [event] = events(shell.feed([ssh(0), ssh(1), ssh(2)]))  # type: ignore[list-item]
    assert event.source == "logs" and event.action is Action.TRIGGERED
    assert event.name == "Failed logins from 203.0.113.7 on sshd"
    assert event.severity is Severity.HIGH
    assert event.fingerprint.startswith("failed_auth:sshd:203.0.113.7:")
    assert event.labels == {
        "service": "sshd",
        "detector": "failed_auth",
        "kind": "failed_auth",
        "template_id": "t-ssh",
        "subject": "203.0.113.7",
        "address": "203.0.113.7",
    }
    notes = event.annotations
    assert notes["count"] == "3" and notes["template"].startswith("Failed password for root")
    assert notes["samples"].count("\n") == 2
    assert notes["first_seen"] == at(0).isoformat() and notes["last_seen"] == at(2).isoformat()
    assert "3 failed logins from 203.0.113.7 on sshd" in notes["summary"]
    summary, samples = notes["description"].split("\n\nSample lines:\n")
    assert summary == notes["summary"]
    assert [line.strip() for line in samples.split("\n")] == notes["samples"].split("\n")
    assert event.starts_at == at(0) and event.ends_at is None


def finding(**fields: object) -> Finding:
    base: dict[str, object] = {
        "detector": "critical",
        "kind": "critical",
        "service": "kernel",
        "template_id": "t-oom",
        "template": "Out of memory: Killed process <*>",
        "severity": Severity.CRITICAL,
        "summary": "s",
        "count": 1,
        "first_at": at(0),
        "last_at": at(0),
    }
    return Finding.model_validate(base | fields)


def test_the_fingerprint_is_stable_per_detector_service_template_and_subject() -> None:
    one = fingerprint(finding())
    assert fingerprint(finding(count=50, last_at=at(9), summary="other")) == one
    assert fingerprint(finding(template_id="t-other")) != one
    assert fingerprint(finding(service="db")) != one
    assert fingerprint(finding(detector="critical-2")) != one
    assert fingerprint(finding(subject="10.0.0.1")) != one
    rate = {"detector": "error_rate", "kind": "error_rate", "service": "checkout"}
    assert fingerprint(finding(**rate, template_id="a")) == fingerprint(finding(**rate, template_id="b"))
    assert len(fingerprint(finding(service="s" * 200, subject="x" * 300))) <= 255


def test_mediation_keeps_one_occurrence_with_the_latest_count_and_resolves_it() -> None:
    shell = Shell(CriticalConfig(quiet_for="15m").build())
    oom = "Out of memory: Killed process 4242 (java)"
    line = lambda s: seen(oom, s, service="kernel", template_id="t-oom", critical=True)  # noqa: E731
    reports = (
        shell.feed([line(0)]) + shell.feed([line(s) for s in range(1, 120)]) + shell.sweep(at(119 + 900))
    )
    first, update, resolve = events(reports)
    assert (first.action, update.action, resolve.action) == (
        Action.TRIGGERED,
        Action.TRIGGERED,
        Action.RESOLVED,
    )
    assert len({first.fingerprint, update.fingerprint, resolve.fingerprint}) == 1
    assert resolve.ends_at == at(119)

    policy = Policy(grace=timedelta(minutes=5))
    record: AlertRecord | None = None
    record = decide(record, first, at(0), policy).alert
    assert record.occurrence == 1 and record.annotations["count"] == "1"
    record = decide(record, update, at(120), policy).alert
    assert record.occurrence == 1 and record.state is AlertState.PENDING
    assert record.annotations["count"] == "120"
    assert record.annotations["samples"].splitlines()[-1] == oom
    assert record.source_started_at == at(0)
    record = decide(record, resolve, at(1019), policy).alert
    assert record.state is AlertState.RESOLVED and record.occurrence == 1
    assert record.annotations["count"] == "120"

    # The same report applied twice changes nothing; a later burst is a second occurrence.
    assert decide(record, resolve, at(1020), policy).changed is False
    [again] = events(shell.feed([line(5000)]))
    record = decide(record, again, at(5000), policy).alert
    assert record.occurrence == 2 and record.is_open and record.annotations["count"] == "1"
    assert decide(record, first, at(5001), policy).alert.occurrence == 2  # a stale trigger changes nothing


def test_a_late_resolve_of_an_earlier_occurrence_leaves_the_open_one_alone() -> None:
    shell = Shell(CriticalConfig(quiet_for=60).build())
    line = lambda s: seen("kernel BUG at mm/slub.c:1234", s, service="kernel", critical=True)  # noqa: E731
    first, old_resolved, second = events(shell.feed([line(0)]) + shell.feed([line(100)]))
    policy = Policy()
    record = decide(None, first, at(0), policy).alert
    record = decide(record, old_resolved, at(100), policy).alert
    record = decide(record, second, at(100), policy).alert
    assert record.occurrence == 2 and record.is_open
    assert decide(record, old_resolved, at(101), policy).alert.is_open


def test_error_rate_titles_stay_the_same_while_the_summary_moves() -> None:
    shell = Shell(ErrorRateConfig(ratio=0.5, floor=3).build())
    err = lambda s: seen("db timeout", s, service="checkout", severity=LogSeverity.ERROR)  # noqa: E731
    first, update = events(shell.feed([err(0), err(1), err(2)]) + shell.feed([err(3)]))
    assert first.name == update.name == "High error rate on checkout"
    assert first.annotations["count"] == "3" and update.annotations["count"] == "4"
    assert first.starts_at == at(2) and update.starts_at is None
