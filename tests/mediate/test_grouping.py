"""Grouping into incidents: alert messages collected per group and sent per incident, with counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.engine import decide
from holdoff.mediate.evolve import evolve
from holdoff.mediate.grouping import (
    Grouping,
    IncidentRecord,
    IncidentState,
    flush,
    group_key,
    join,
    open_incident,
)
from holdoff.mediate.inhibit import identity
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, NotificationKind, Outcome
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route
from holdoff.mediate.silence import match_labels

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GROUPING = Grouping(("cluster",), wait=timedelta(seconds=30), interval=timedelta(minutes=5))
POLICY = Policy(grace=timedelta(minutes=5), grouping=GROUPING)


def event(fingerprint: str, action: Action, cluster: str = "eu-1", name: str = "HighErrorRate") -> AlertEvent:
    labels = {"cluster": cluster, "service": fingerprint}
    return AlertEvent("alertmanager", fingerprint, action, name=name, labels=labels)


class Group:
    """One incident driven through the core as the shell drives it."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.alerts: dict[str, AlertRecord] = {}
        self.incident: IncidentRecord | None = None
        self.sent: list[tuple[datetime, NotificationKind, tuple[str, ...]]] = []

    def apply(self, fingerprint: str, action: Action, at: datetime, cluster: str = "eu-1") -> Outcome:
        outcome = decide(self.alerts.get(fingerprint), event(fingerprint, action, cluster), at, self.policy)
        self.alerts[fingerprint] = outcome.alert
        if self.incident is None or not self.incident.is_open:
            self.incident = open_incident(GROUPING, "default", outcome.alert, match_labels(outcome.alert), at)
        self.incident = join(self.incident, GROUPING, identity(outcome.alert), outcome, at)
        return outcome

    def tick(self, at: datetime) -> None:
        assert self.incident is not None
        self.incident, messages = flush(self.incident, at)
        for message in messages:
            self.sent.append((at, message.kind, tuple(sorted(item.name for item in message.alerts))))


def test_group_key_depends_on_route_and_group_labels_only() -> None:
    a = GROUPING.labels({"cluster": "eu-1", "service": "a"})
    b = GROUPING.labels({"cluster": "eu-1", "service": "b"})
    assert a == b == {"cluster": "eu-1"}
    assert group_key("default", a) == group_key("default", b)
    assert group_key("default", a) != group_key("payments", a)
    assert group_key("default", a) != group_key("default", {"cluster": "us-1"})


def test_the_policy_gives_each_label_set_the_group_key_of_its_route() -> None:
    routed = Policy(
        grace=timedelta(minutes=5),
        grouping=GROUPING,
        routes=(
            Route("payments", parse_matchers('{team="payments"}')),
            Route("solo", parse_matchers('{team="solo"}'), grouping=Grouping(())),
        ),
    )

    def alert(fingerprint: str, **labels: str) -> AlertRecord:
        return decide(
            None, AlertEvent("alertmanager", fingerprint, Action.TRIGGERED, labels=labels), T0, routed
        ).alert

    web = routed.facts(alert("a", cluster="eu-1", team="web"))
    assert web.group_key == group_key("default", {"cluster": "eu-1"})
    assert routed.facts(alert("b", cluster="eu-1", team="web", service="x")).group_key == web.group_key
    assert routed.facts(alert("c", cluster="eu-1", team="payments")).group_key == group_key(
        "payments", {"cluster": "eu-1"}
    )
    assert routed.facts(alert("d", cluster="eu-1", team="solo")).group_key is None


def test_all_labels_groups_only_identical_label_sets() -> None:
    everything = Grouping(("...",))
    assert everything.labels({"b": "2", "a": "1"}) == {"a": "1", "b": "2"}


def test_a_cascade_pages_once_with_counts_after_group_wait() -> None:
    group = Group()
    for n, fingerprint in enumerate(["root", "sym-1", "sym-2"]):
        group.apply(fingerprint, Action.TRIGGERED, T0 + timedelta(seconds=10 * n))
    assert group.incident is not None and len(group.incident.firing) == 3
    # The grace windows end at 5:00, 5:10, 5:20; the incident's first message waits 30 s after the first.
    for n, fingerprint in enumerate(["root", "sym-1", "sym-2"]):
        escalated = group.apply(
            fingerprint, Action.DEADLINE_REACHED, T0 + timedelta(minutes=5, seconds=10 * n)
        )
        assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]
    assert group.incident.flush_at == T0 + timedelta(minutes=5, seconds=30)
    group.tick(T0 + timedelta(minutes=5, seconds=29))
    assert group.sent == []
    group.tick(T0 + timedelta(minutes=5, seconds=30))
    assert len(group.sent) == 1
    at, kind, names = group.sent[0]
    assert kind is NotificationKind.ESCALATED and len(names) == 3
    assert group.incident.paged_at == at


def test_later_escalations_wait_for_the_group_interval() -> None:
    group = Group()
    group.apply("a", Action.TRIGGERED, T0)
    group.apply("a", Action.DEADLINE_REACHED, T0 + timedelta(minutes=5))
    group.tick(T0 + timedelta(minutes=5, seconds=30))
    group.apply("b", Action.TRIGGERED, T0 + timedelta(minutes=6))
    group.apply("b", Action.DEADLINE_REACHED, T0 + timedelta(minutes=11))
    assert group.incident is not None
    assert group.incident.flush_at == T0 + timedelta(minutes=11)  # 5:30 + 5 min interval < 11:00: at once
    group.apply("c", Action.TRIGGERED, T0 + timedelta(minutes=7))
    group.tick(T0 + timedelta(minutes=11))
    group.apply("c", Action.DEADLINE_REACHED, T0 + timedelta(minutes=12))
    assert group.incident.flush_at == T0 + timedelta(minutes=16)
    group.tick(T0 + timedelta(minutes=16))
    assert [kind for _, kind, _ in group.sent] == [NotificationKind.ESCALATED] * 3
    assert [names for _, _, names in group.sent][1:] == [("HighErrorRate",), ("HighErrorRate",)]


def test_incident_resolves_when_its_last_alert_resolves_and_says_so_once() -> None:
    group = Group()
    for fingerprint in ("a", "b"):
        group.apply(fingerprint, Action.TRIGGERED, T0)
        group.apply(fingerprint, Action.DEADLINE_REACHED, T0 + timedelta(minutes=5))
    group.tick(T0 + timedelta(minutes=5, seconds=30))
    group.apply("a", Action.RESOLVED, T0 + timedelta(minutes=20))
    assert group.incident is not None and group.incident.is_open
    group.apply("b", Action.RESOLVED, T0 + timedelta(minutes=21))
    assert group.incident.is_open  # its resolution message is still to go out
    group.tick(T0 + timedelta(minutes=21))
    assert group.incident.state is IncidentState.RESOLVED
    assert group.incident.resolved_at == T0 + timedelta(minutes=21)
    resolved = [names for _, kind, names in group.sent if kind is NotificationKind.RESOLVED]
    assert resolved == [("HighErrorRate", "HighErrorRate")]  # one message for both alerts


def test_transients_of_one_group_make_one_message() -> None:
    group = Group()
    for n in range(5):
        group.apply(f"t{n}", Action.TRIGGERED, T0 + timedelta(seconds=n))
        group.apply(f"t{n}", Action.RESOLVED, T0 + timedelta(seconds=n + 20))
    group.tick(T0 + timedelta(minutes=1))
    assert [(kind, len(names)) for _, kind, names in group.sent] == [(NotificationKind.TRANSIENT_RESOLVED, 5)]
    assert group.incident is not None and group.incident.state is IncidentState.RESOLVED


def test_a_resolved_incident_is_not_reused() -> None:
    group = Group()
    group.apply("a", Action.TRIGGERED, T0)
    group.apply("a", Action.RESOLVED, T0 + timedelta(seconds=5))
    group.tick(T0 + timedelta(minutes=1))
    first = group.incident
    assert first is not None and not first.is_open
    group.apply("a", Action.TRIGGERED, T0 + timedelta(minutes=10))
    assert group.incident is not first and group.incident.is_open
    assert group.incident.opened_at == T0 + timedelta(minutes=10)


def test_nothing_to_send_leaves_no_timer() -> None:
    group = Group()
    group.apply("a", Action.TRIGGERED, T0)
    assert group.incident is not None and group.incident.flush_at is None
    assert group.incident.alerts == 1
    group.apply("a", Action.TRIGGERED, T0 + timedelta(minutes=1))  # repeat: same occurrence
    assert group.incident.alerts == 1


def test_flush_before_its_time_sends_nothing() -> None:
    group = Group()
    group.apply("a", Action.TRIGGERED, T0)
    group.apply("a", Action.DEADLINE_REACHED, T0 + timedelta(minutes=5))
    assert group.incident is not None
    incident, messages = flush(group.incident, T0 + timedelta(minutes=5, seconds=10))
    assert messages == () and incident == group.incident


def test_messages_go_to_the_union_of_the_alerts_channels() -> None:
    routed = Policy(
        grace=timedelta(minutes=5),
        grouping=GROUPING,
        routes=(
            Route(
                "db",
                parse_matchers('{service="db"}'),
                channels={NotificationKind.ESCALATED: ("email",)},
            ),
        ),
    )
    group = Group(routed)
    group.apply("db", Action.TRIGGERED, T0)
    group.apply("web", Action.TRIGGERED, T0)
    group.apply("db", Action.DEADLINE_REACHED, T0 + timedelta(minutes=5))
    group.apply("web", Action.DEADLINE_REACHED, T0 + timedelta(minutes=5))
    assert group.incident is not None
    _, messages = flush(group.incident, T0 + timedelta(minutes=6))
    assert [(m.kind, m.channels) for m in messages] == [(NotificationKind.ESCALATED, ("email", "teams"))]


def test_digest_messages_are_not_grouped() -> None:
    group = Group()
    outcome = group.apply("a", Action.TRIGGERED, T0)
    assert group.incident is not None
    digest = evolve(
        outcome,
        notifications=(evolve(*POLICY.notify(NotificationKind.RESOLVED, outcome.alert), digest=True),),
    )
    after = join(group.incident, GROUPING, identity(outcome.alert), digest, T0)
    assert after.pending == () and after.flush_at is None


@pytest.mark.parametrize("wait", [timedelta(0), timedelta(seconds=30)])
def test_flush_time_is_group_wait_after_the_first_message(wait: timedelta) -> None:
    grouping = Grouping(("cluster",), wait=wait)
    group = Group(Policy(grace=timedelta(minutes=5), grouping=grouping))
    group.apply("a", Action.TRIGGERED, T0)
    outcome = decide(
        group.alerts["a"], event("a", Action.DEADLINE_REACHED), T0 + timedelta(minutes=5), group.policy
    )
    assert group.incident is not None
    after = join(group.incident, grouping, identity(outcome.alert), outcome, T0 + timedelta(minutes=5))
    assert after.flush_at == T0 + timedelta(minutes=5) + wait


def test_the_incident_is_named_after_what_first_paged() -> None:
    group = Group()
    group.apply("blip", Action.TRIGGERED, T0)  # opens the group: "HighErrorRate (cluster=eu-1)"
    outcome = decide(None, event("db", Action.TRIGGERED, name="DatabaseDown"), T0, POLICY)
    group.alerts["db"] = outcome.alert
    assert group.incident is not None
    group.incident = join(group.incident, GROUPING, identity(outcome.alert), outcome, T0)
    escalated = decide(
        outcome.alert,
        event("db", Action.DEADLINE_REACHED, name="DatabaseDown"),
        T0 + timedelta(minutes=5),
        POLICY,
    )
    group.incident = join(
        group.incident, GROUPING, identity(escalated.alert), escalated, T0 + timedelta(minutes=5)
    )
    assert group.incident.title == "HighErrorRate (cluster=eu-1)"
    group.tick(T0 + timedelta(minutes=6))
    assert group.incident.title == "DatabaseDown (cluster=eu-1)"
