"""The in-memory log pipeline (``holdoff.logs.pipeline``): mined, judged, detected, findings as events,
resolves when the sweep is due, and the same events however the lines are batched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.logs.detect import build_all, default_detectors
from holdoff.logs.detect.failed_auth import FailedAuthConfig
from holdoff.logs.model import LogRecord, TemplateHistory, Verdict
from holdoff.logs.pipeline import LogPipeline
from holdoff.mediate.model import Action, AlertEvent
from holdoff.service.log_judge import declared_verdict

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def failed_login(index: int, address: str = "203.0.113.7") -> LogRecord:
    return LogRecord(
        timestamp=T0 + timedelta(seconds=index),
        service="sshd",
        host="bastion-1",
        message=f"Failed password for invalid user admin{index} from {address} port {40000 + index} ssh2",
    )


def pipeline() -> LogPipeline:
    return LogPipeline(declared_verdict, build_all(default_detectors()))


def run(batches: list[list[LogRecord]], pipe: LogPipeline | None = None) -> list[AlertEvent]:
    pipe = pipe or pipeline()
    out: list[AlertEvent] = []
    for batch in batches:
        out += pipe.observe(pipe.see(batch), max(r.timestamp for r in batch))
    return out


def test_see_mines_and_judges_each_record_with_its_template_history() -> None:
    histories: list[TemplateHistory] = []

    def judge(record: LogRecord, history: TemplateHistory) -> Verdict:
        histories.append(history)
        return declared_verdict(record, history)

    seen = LogPipeline(judge).see([failed_login(i) for i in range(3)])
    assert [item.new_template for item in seen] == [True, False, False]
    assert [h.seen for h in histories] == [0, 1, 2]
    assert len({item.template_id for item in seen}) == 1
    assert seen[0].template == histories[0].template


def test_a_burst_of_failed_logins_is_one_triggered_event_with_its_count() -> None:
    events = run([[failed_login(i) for i in range(15)]])
    [event] = events
    assert event.action is Action.TRIGGERED
    assert event.source == "logs"
    assert event.name == "Failed logins from 203.0.113.7 on sshd"
    assert event.annotations["count"] == "15"
    assert event.starts_at == T0


def test_a_burst_under_the_threshold_gives_nothing() -> None:
    assert run([[failed_login(i) for i in range(5)]]) == []


def test_a_burst_gone_quiet_resolves_when_its_sweep_is_due() -> None:
    pipe = pipeline()
    [opened] = run([[failed_login(i) for i in range(15)]], pipe)
    due = pipe.next_due()
    assert due is not None and due > T0 + timedelta(seconds=14)
    assert pipe.due(due - timedelta(seconds=1)) == []
    resolved = [event for event in pipe.due(due) if event.fingerprint == opened.fingerprint]
    assert [event.action for event in resolved] == [Action.RESOLVED]
    assert resolved[0].starts_at == opened.starts_at


def test_the_same_lines_give_the_same_occurrences_however_batched() -> None:
    lines = [failed_login(i) for i in range(30)] + [failed_login(i, "2001:db8::9") for i in range(30, 42)]

    def occurrences(events: list[AlertEvent]) -> dict[str, str]:
        return {event.fingerprint: event.annotations["count"] for event in events}

    whole = occurrences(run([lines]))
    one_by_one = occurrences(run([[line] for line in lines]))
    in_sevens = occurrences(run([lines[i : i + 7] for i in range(0, len(lines), 7)]))
    assert whole == one_by_one == in_sevens
    assert sorted(whole.values()) == ["12", "30"]


def test_a_later_failure_moves_the_resolve_and_a_resolved_key_is_forgotten() -> None:
    detector = FailedAuthConfig(threshold=2, window="30s").build()
    pipe = LogPipeline(declared_verdict, [detector])
    run([[failed_login(0), failed_login(1)]], pipe)
    first = pipe.next_due()
    assert first == T0 + timedelta(seconds=31)
    run([[failed_login(20)]], pipe)
    assert pipe.next_due() == T0 + timedelta(seconds=50)
    [resolved] = pipe.due(T0 + timedelta(seconds=50))
    assert resolved.action is Action.RESOLVED
    assert pipe.next_due() is None
