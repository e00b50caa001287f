"""The route condition on evidence: "escalate only when error logs are found" and its opposite branch,
decided by the pure core when the grace deadline fires; unknown evidence (replay) matches neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.engine import decide
from holdoff.mediate.evolve import evolve
from holdoff.mediate.model import (
    ERROR_LOGS_LABEL,
    Action,
    AlertEvent,
    AlertRecord,
    AlertState,
    NotificationKind,
)
from holdoff.mediate.routing import with_evidence
from holdoff.policy.section import PolicySection, build_policy

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
POLICY = build_policy(
    PolicySection.model_validate(
        {
            "grace_seconds": 300,
            "routes": [
                {
                    "name": "errors-page",
                    "match": '{source="metrics"}',
                    "error_logs": True,
                    "channels": {"escalated": ["pager"]},
                },
                {
                    "name": "clean-logs-low",
                    "match": '{source="metrics"}',
                    "error_logs": False,
                    "channels": {"escalated": ["low-urgency"]},
                },
            ],
        }
    ),
    None,
)


def held() -> AlertRecord:
    event = AlertEvent(
        source="metrics",
        fingerprint="cpu-web-1",
        action=Action.TRIGGERED,
        name="CPU anomaly on web-1",
        labels={"service": "web", "host": "web-1"},
    )
    outcome = decide(None, event, T0, POLICY)
    assert outcome.alert.state is AlertState.PENDING
    return outcome.alert


def escalated_to(record: AlertRecord) -> tuple[str, ...]:
    deadline = AlertEvent(record.source, record.fingerprint, Action.DEADLINE_REACHED)
    outcome = decide(record, deadline, T0 + timedelta(seconds=300), POLICY)
    assert outcome.alert.state is AlertState.ESCALATED
    [notify] = [n for n in outcome.notifications if n.kind is NotificationKind.ESCALATED]
    return notify.channels


@pytest.mark.parametrize(
    ("error_logs", "channels"),
    [(True, ("pager",)), (False, ("low-urgency",)), (None, ("email", "teams"))],
    ids=["errors-found", "clean-logs", "unknown"],
)
def test_the_deadline_follows_the_branch_the_evidence_picks(
    error_logs: bool | None, channels: tuple[str, ...]
) -> None:
    record = held()
    seen = evolve(record, labels=with_evidence(record.labels, error_logs))
    assert escalated_to(seen) == channels


def test_the_grace_is_decided_without_evidence_when_the_alert_opens() -> None:
    assert held().deadline_at == T0 + timedelta(seconds=300)


def test_replay_without_evidence_never_matches_either_branch() -> None:
    assert escalated_to(held()) == ("email", "teams")


def test_a_stale_evidence_label_is_replaced_and_unknown_removes_it() -> None:
    labels = {"service": "web", ERROR_LOGS_LABEL: "true"}
    assert with_evidence(labels, False)[ERROR_LOGS_LABEL] == "false"
    assert ERROR_LOGS_LABEL not in with_evidence(labels, None)
    assert labels[ERROR_LOGS_LABEL] == "true"  # the alert's own labels are left as they were


def test_a_source_cannot_set_the_evidence_label_itself() -> None:
    sent = {"service": "web", ERROR_LOGS_LABEL: "true"}
    event = AlertEvent(source="generic", fingerprint="f", action=Action.TRIGGERED, labels=sent)
    assert event.labels == {"service": "web"}
    assert sent[ERROR_LOGS_LABEL] == "true"  # the caller's mapping is not changed


def test_the_condition_reads_from_yaml_with_other_matchers() -> None:
    section = PolicySection.model_validate(
        {"routes": [{"name": "r", "match": '{team="web"}', "error_logs": False}]}
    )
    [route] = build_policy(section, None).routes
    assert [(m.name, m.type.value, m.value) for m in route.matchers] == [
        ("team", "=", "web"),
        (ERROR_LOGS_LABEL, "=", "false"),
    ]
