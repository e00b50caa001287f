"""The pure evidence computation: error templates counted, new templates, the first error line,
related alerts ranked by time and shared labels, change events ordered, the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.evidence.compute import LogsFetched, compute, is_error, mine
from holdoff.evidence.config import EvidenceSection
from holdoff.evidence.model import Change, LogLine, LogStatus, OtherAlert, Subject

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CONFIG = EvidenceSection()
SUBJECT = Subject(
    alert_id=1,
    name="CPU anomaly on web-1",
    source="metrics",
    labels={"service": "web", "host": "web-1", "cluster": "eu-1"},
    started=T0,
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def line(minutes: float, message: str, level: str = "info", **fields: str) -> LogLine:
    return LogLine(timestamp=at(minutes), message=message, level=level, host="web-1", **fields)


def fetched(*lines: LogLine) -> LogsFetched:
    return LogsFetched(status=LogStatus.OK, lines=lines, store="loki", service="web", host="web-1")


def test_error_templates_are_counted_most_first_with_the_first_error_line() -> None:
    lines = [
        line(-3, "GET /health 200 in 3 ms"),
        line(-2, "connection refused to db-1:5432", "error"),
        line(-1, "connection refused to db-2:5432", "ERROR"),
        line(0, "connection refused to db-1:5432", "error"),
        line(1, "request 77 failed: timeout after 3000 ms", "error"),
        line(-30, "connection refused to db-9:5432", "error"),  # before the window
    ]
    evidence = compute(SUBJECT, fetched(*lines), {}, [], [], at(2), CONFIG)
    logs = evidence.logs
    assert logs.lines == 5 and logs.error_lines == 4
    assert [(t.template, t.count) for t in logs.top_errors] == [
        ("connection refused to <HOST>", 3),
        ("request <NUM> failed: timeout after <DUR>", 1),
    ]
    assert logs.first_error is not None
    assert logs.first_error.message == "connection refused to db-1:5432"
    assert logs.first_error.timestamp == at(-2)
    assert evidence.error_logs is True
    assert (
        'Logs of web on web-1: 4 error line(s); top: "connection refused to <HOST>" (3)' in evidence.summary
    )
    assert 'First error 09:58:00: "connection refused to db-1:5432"' in evidence.summary


def test_holdoffs_verdict_decides_over_the_declared_level() -> None:
    assert is_error(LogLine(timestamp=T0, message="x", level="info", severity="critical"))
    assert not is_error(LogLine(timestamp=T0, message="x", level="error", severity="info"))
    assert is_error(LogLine(timestamp=T0, message="x", level="FATAL"))
    assert not is_error(LogLine(timestamp=T0, message="x", level="warn"))


def test_clean_logs_say_no_error_logs_and_unknown_when_the_store_failed_or_no_service() -> None:
    clean = compute(SUBJECT, fetched(line(-1, "GET / 200"), line(0, "GET /a 200")), {}, [], [], T0, CONFIG)
    assert clean.error_logs is False and clean.logs.lines == 2
    assert "no error lines in 2 line(s)" in clean.summary
    failed = LogsFetched(status=LogStatus.FAILED, store="loki", service="web", detail="loki: HTTP 503")
    broken = compute(SUBJECT, failed, {}, [], [], T0, CONFIG)
    assert broken.error_logs is None and "not read (loki: HTTP 503)" in broken.summary
    nameless = compute(SUBJECT, LogsFetched(status=LogStatus.NO_SERVICE), {}, [], [], T0, CONFIG)
    assert nameless.error_logs is None and nameless.summary.startswith("Logs: the alert names no service")


def test_templates_first_seen_inside_the_window_are_new_and_unknown_ones_are_not() -> None:
    lines = mine(
        [
            line(-1, "cache warmed in 20 ms"),
            line(0, "disk full on /var/lib/data", "error"),
            line(1, "worker 3 restarted"),
        ]
    )
    ids = {item.message: item.template_id for item in lines}
    known = {
        ids["cache warmed in 20 ms"] or "": at(-600),  # seen for days
        ids["disk full on /var/lib/data"] or "": at(-0.5),  # first written now
    }
    evidence = compute(SUBJECT, fetched(*lines), known, [], [], T0, CONFIG)
    assert [t.template for t in evidence.logs.new_templates] == ["disk full on <PATH>"]
    assert evidence.logs.top_errors[0].new is True
    assert 'New templates (1): "disk full on <PATH>"' in evidence.summary


def test_stored_lines_keep_their_template_and_severity() -> None:
    stored = LogLine(
        timestamp=at(-1),
        message="payment 42 declined",
        level="info",
        severity="error",
        template_id="abc",
        template="payment <*> declined",
    )
    evidence = compute(SUBJECT, fetched(stored), {"abc": at(-100)}, [], [], T0, CONFIG)
    assert [(t.template_id, t.template, t.count, t.new) for t in evidence.logs.top_errors] == [
        ("abc", "payment <*> declined", 1, False)
    ]


def other(alert_id: int, minutes: float, **labels: str) -> OtherAlert:
    return OtherAlert(
        alert_id=alert_id,
        name=f"alert {alert_id}",
        source="generic",
        state="pending",
        labels=labels,
        started=at(minutes),
    )


def test_related_alerts_rank_by_time_proximity_and_label_overlap_with_reasons() -> None:
    others = [
        other(1, 0, service="web", host="web-1"),  # the alert itself
        other(2, -1, service="web", host="web-1", cluster="eu-1"),
        other(3, -0.5, service="search"),
        other(4, -10, service="web", host="web-1", cluster="eu-1"),
        other(5, 4, cluster="eu-1"),
        other(6, -20, service="web"),  # outside the window
    ]
    evidence = compute(SUBJECT, fetched(), {}, others, [], T0, CONFIG)
    ranked = [(r.alert_id, r.score) for r in evidence.related]
    assert [alert_id for alert_id, _ in ranked] == [2, 4, 5, 3]
    assert ranked[0][1] > ranked[1][1] > ranked[2][1]
    best = evidence.related[0]
    assert best.shared == {"service": "web", "host": "web-1", "cluster": "eu-1"}
    assert best.reason == "started 1m before; shares service=web, host=web-1, cluster=eu-1"
    assert evidence.related[2].reason == "started 4m after; shares cluster=eu-1"
    assert evidence.related[3].reason == "started 30s before; no shared labels"


def test_overlap_labels_are_configurable() -> None:
    config = EvidenceSection(overlap_labels=("cluster",))
    evidence = compute(SUBJECT, fetched(), {}, [other(2, -14, cluster="eu-1"), other(3, -1)], [], T0, config)
    assert [r.alert_id for r in evidence.related] == [2, 3]


def change(change_id: int, minutes: float, service: str | None, kind: str = "deploy") -> Change:
    return Change(id=change_id, type=kind, service=service, at=at(minutes), summary=f"change {change_id}")  # type: ignore[arg-type]


def test_changes_of_the_same_service_come_first_then_others_newest_first() -> None:
    changes = [
        change(1, -50, "web"),
        change(2, -5, "search", "config"),
        change(3, -20, "web", "scale"),
        change(4, -2, None),
        change(5, -90, "web"),  # before changes_before (1h)
        change(6, 10, "web"),  # after the window
    ]
    evidence = compute(SUBJECT, fetched(), {}, [], changes, T0, CONFIG)
    assert [(c.id, c.same_service) for c in evidence.changes] == [
        (3, True),
        (1, True),
        (4, False),
        (2, False),
    ]
    assert evidence.changes[0].reason == "scale of this service, 20m before the alert"
    assert 'Changes: scale web "change 3" (20m before the alert)' in evidence.summary


def test_limits_keep_the_lists_short() -> None:
    config = EvidenceSection(top_templates=1, related=1, changes=1)
    lines = [line(0, "a failed", "error"), line(0, "b broke down completely now", "error")]
    evidence = compute(
        SUBJECT,
        fetched(*lines),
        {},
        [other(2, 0), other(3, 1)],
        [change(1, -1, "web"), change(2, -2, "web")],
        T0,
        config,
    )
    assert len(evidence.logs.top_errors) == 1 and len(evidence.related) == 1 and len(evidence.changes) == 1
