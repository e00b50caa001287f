"""The paging-path step: pages become updates on a join, never delayed, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.correlate.config import CorrelationConfig
from holdoff.correlate.model import CorrelatedIncident, Feedback, Join, NewIncident, RootHint, Split
from holdoff.correlate.step import NEVER_SEEN, Standing, absorb, correlate_messages, member_of
from holdoff.mediate.grouping import PAGING_KINDS, IncidentNotify, Pending
from holdoff.mediate.model import AlertRecord, AlertState, NotificationKind

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONFIG = CorrelationConfig(topology={"checkout": ("payments-db",)})


def _alert(source: str, name: str, started: datetime, **labels: str) -> AlertRecord:
    return AlertRecord(
        source=source,
        fingerprint=name,
        name=name,
        state=AlertState.ESCALATED,
        occurrence=1,
        labels=dict(labels),
        opened_at=started + timedelta(seconds=5),
        source_started_at=started,
    )


def _notify(
    kind: NotificationKind, sequence: int = 0, channels: tuple[str, ...] = ("teams",)
) -> IncidentNotify:
    item = Pending(f"am\x1f{kind.value}", "Alert", kind, channels, T0)
    return IncidentNotify(kind, channels, sequence, (item,))


def _lead(now: datetime = T0) -> CorrelatedIncident:
    root = member_of(
        "g-db", _alert("alertmanager", "PostgresDown", now, service="payments-db", node="n1"), CONFIG
    )
    return CorrelatedIncident("1", (root,), now)


def test_a_flush_without_a_page_is_left_alone_and_decides_nothing() -> None:
    messages = (_notify(NotificationKind.TRANSIENT_RESOLVED),)
    member = member_of("g1", _alert("alertmanager", "Blip", T0, service="checkout"), CONFIG)
    step = correlate_messages(messages, member, NEVER_SEEN, [_lead()], T0, CONFIG, new_id="2")
    assert step.messages == messages
    assert step.decision is None
    assert step.incident is None


def test_a_first_page_with_no_evidence_pages_and_leads_a_new_incident() -> None:
    messages = (_notify(NotificationKind.ESCALATED),)
    member = member_of("g1", _alert("alertmanager", "HighErrors", T0, service="search", node="n9"), CONFIG)
    step = correlate_messages(
        messages, member, NEVER_SEEN, [_lead()], T0 + timedelta(minutes=10), CONFIG, new_id="2"
    )
    assert step.messages == messages
    assert isinstance(step.decision, NewIncident)
    assert step.incident is not None and step.incident.id == "2" and step.incident.members == (member,)
    assert not step.joined


def test_a_symptom_from_another_source_joins_the_paged_root_as_an_update_not_a_page() -> None:
    now = T0 + timedelta(minutes=10)
    symptom = _alert("coralogix", "Checkout errors", T0 + timedelta(minutes=2), service="checkout")
    member = member_of("g-checkout", symptom, CONFIG)
    messages = (_notify(NotificationKind.ESCALATED, 3, ("teams", "pagerduty")),)
    step = correlate_messages(messages, member, NEVER_SEEN, [_lead()], now, CONFIG, new_id="2")
    assert isinstance(step.decision, Join) and step.decision.incident == "1"
    assert "checkout depends on payments-db (topology)" in [r.text for r in step.decision.reasons]
    assert [m.kind for m in step.messages] == [NotificationKind.CORRELATED]
    assert step.messages[0].channels == ("teams", "pagerduty")
    assert step.messages[0].sequence == 3
    assert step.incident is not None and [m.key for m in step.incident.members] == ["g-db", "g-checkout"]
    assert step.joined


def test_a_late_symptom_updates_the_incident_and_a_reminder_stays_an_update_while_others_are_open() -> None:
    symptom = member_of("g-checkout", _alert("coralogix", "Errors", T0, service="checkout"), CONFIG)
    joined = _lead().with_member(symptom)
    reminder = (_notify(NotificationKind.REMINDER, 7),)
    held = correlate_messages(reminder, symptom, Standing(joined, True), [], T0, CONFIG, new_id="x")
    assert [m.kind for m in held.messages] == [NotificationKind.CORRELATED]
    alone = correlate_messages(reminder, symptom, Standing(joined, False), [], T0, CONFIG, new_id="x")
    assert alone.messages == reminder  # the last one open pages again: nothing is left silent
    assert alone.decision is None


def test_the_lead_keeps_paging_its_own_reminders() -> None:
    lead = _lead()
    reminder = (_notify(NotificationKind.REMINDER),)
    step = correlate_messages(reminder, lead.members[0], Standing(lead, True), [], T0, CONFIG, new_id="x")
    assert step.messages == reminder


def test_an_operator_split_holds_the_group_pages_on_its_own() -> None:
    symptom = member_of("g-checkout", _alert("coralogix", "Errors", T0, service="checkout"), CONFIG)
    feedback = Feedback(splits=frozenset({Split("g-db", "g-checkout")}))
    messages = (_notify(NotificationKind.ESCALATED),)
    step = correlate_messages(
        messages, symptom, NEVER_SEEN, [_lead()], T0, CONFIG, new_id="2", feedback=feedback
    )
    assert isinstance(step.decision, NewIncident)
    assert step.messages == messages
    assert "split" in [reason.kind.value for reason in step.decision.reasons]


def test_correlation_off_pages_as_before() -> None:
    off = CorrelationConfig(enabled=False, topology=CONFIG.topology)
    symptom = member_of("g-checkout", _alert("coralogix", "Errors", T0, service="checkout"), off)
    messages = (_notify(NotificationKind.ESCALATED),)
    step = correlate_messages(messages, symptom, NEVER_SEEN, [_lead()], T0, off, new_id="2")
    assert step.messages == messages and isinstance(step.decision, NewIncident)


def test_absorb_merges_pages_into_one_update_and_keeps_the_rest() -> None:
    messages = (
        _notify(NotificationKind.ESCALATED, 4, ("teams",)),
        _notify(NotificationKind.REMINDER, 5, ("email", "teams")),
        _notify(NotificationKind.RESOLVED, 6, ("teams",)),
    )
    out = absorb(messages)
    assert [m.kind for m in out] == [NotificationKind.CORRELATED, NotificationKind.RESOLVED]
    assert out[0].channels == ("teams", "email")
    assert len(out[0].alerts) == 2
    assert not any(m.kind in PAGING_KINDS for m in out)


def test_member_of_reads_service_topology_labels_layer_and_template() -> None:
    alert = _alert(
        "alertmanager",
        "NodeDown",
        T0,
        service="node-exporter",
        node="n1",
        cluster="eu",
        pod="p-1",
        layer="infra",
        template_id="t-9",
    )
    member = member_of("k", alert, CONFIG)
    assert member.service == "node-exporter"
    assert dict(member.labels) == {"node": "n1", "cluster": "eu"}
    assert member.root_hints == frozenset({RootHint.INFRA})
    assert member.evidence == frozenset({"template:t-9"})
    assert member.started == T0
    assert member.source == "alertmanager"
