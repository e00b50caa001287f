"""Inhibition in the pure core: a firing source mutes matching targets with equal labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.engine import decide
from holdoff.mediate.inhibit import Inhibitor, InhibitRule, identity
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, AlertState, NotificationKind
from holdoff.mediate.policy import Policy

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
RULE = InhibitRule(
    "node-down",
    parse_matchers('{alertname="NodeDown"}'),
    parse_matchers('{severity="warning"}'),
    ("instance",),
)
POLICY = Policy(grace=timedelta(minutes=10), inhibit_rules=(RULE,))


def alert(name: str, instance: str, severity: str = "warning") -> AlertEvent:
    return AlertEvent(
        "alertmanager",
        f"{name}-{instance}",
        Action.TRIGGERED,
        name=name,
        labels={"alertname": name, "instance": instance, "severity": severity},
    )


def inhibitors_of(*records: AlertRecord) -> list[Inhibitor]:
    return [Inhibitor(key, identity(r)) for r in records for key in POLICY.inhibitor_keys(r)]


def escalate(
    event: AlertEvent, inhibitors: list[Inhibitor]
) -> tuple[AlertRecord, list[NotificationKind], str]:
    fired = decide(None, event, T0, POLICY)
    out = decide(
        fired.alert,
        AlertEvent(event.source, event.fingerprint, Action.DEADLINE_REACHED),
        T0 + timedelta(minutes=10),
        POLICY,
        (),
        inhibitors,
    )
    return out.alert, [n.kind for n in out.notifications], out.timeline.summary


def test_target_with_equal_labels_is_muted_while_the_source_fires() -> None:
    node = decide(None, alert("NodeDown", "web-1", "critical"), T0, POLICY).alert
    target, sent, summary = escalate(alert("DiskSlow", "web-1"), inhibitors_of(node))
    assert sent == []
    assert target.state is AlertState.ESCALATED
    assert target.inhibited_by == identity(node)
    assert "inhibited by firing alert alertmanager/NodeDown-web-1 (rule node-down)" in summary


def test_other_instances_and_other_severities_are_not_muted() -> None:
    node = decide(None, alert("NodeDown", "web-1", "critical"), T0, POLICY).alert
    assert escalate(alert("DiskSlow", "web-2"), inhibitors_of(node))[1] == [NotificationKind.ESCALATED]
    assert escalate(alert("DiskSlow", "web-1", "critical"), inhibitors_of(node))[1] == [
        NotificationKind.ESCALATED
    ]


def test_a_resolved_source_inhibits_nothing() -> None:
    node = decide(None, alert("NodeDown", "web-1", "critical"), T0, POLICY).alert
    gone = decide(node, AlertEvent("alertmanager", node.fingerprint, Action.RESOLVED), T0, POLICY).alert
    assert POLICY.inhibitor_keys(gone) == frozenset()


def test_an_alert_never_inhibits_itself() -> None:
    both = InhibitRule("self", parse_matchers('{alertname="X"}'), parse_matchers('{alertname="X"}'), ())
    policy = Policy(grace=timedelta(minutes=10), inhibit_rules=(both,))
    fired = decide(None, AlertEvent("a", "x", Action.TRIGGERED, name="X"), T0, policy).alert
    own = [Inhibitor(k, identity(fired)) for k in policy.inhibitor_keys(fired)]
    out = decide(
        fired, AlertEvent("a", "x", Action.DEADLINE_REACHED), T0 + timedelta(minutes=10), policy, (), own
    )
    assert [n.kind for n in out.notifications] == [NotificationKind.ESCALATED]


def test_source_resolving_escalates_a_target_that_still_fires() -> None:
    node = decide(None, alert("NodeDown", "web-1", "critical"), T0, POLICY).alert
    target, _, _ = escalate(alert("DiskSlow", "web-1"), inhibitors_of(node))
    ended = decide(
        target,
        AlertEvent("alertmanager", target.fingerprint, Action.INHIBITION_ENDED),
        T0 + timedelta(minutes=20),
        POLICY,
    )
    assert [n.kind for n in ended.notifications] == [NotificationKind.ESCALATED]
    assert ended.alert.inhibited_by is None
    assert "resolved while this alert still fires" in ended.timeline.summary


def test_target_resolving_while_inhibited_pages_nobody() -> None:
    node = decide(None, alert("NodeDown", "web-1", "critical"), T0, POLICY).alert
    target, _, _ = escalate(alert("DiskSlow", "web-1"), inhibitors_of(node))
    resolved = decide(
        target,
        AlertEvent("alertmanager", target.fingerprint, Action.RESOLVED),
        T0 + timedelta(minutes=15),
        POLICY,
    )
    assert resolved.notifications == ()
    assert "muted by inhibition" in resolved.timeline.summary
