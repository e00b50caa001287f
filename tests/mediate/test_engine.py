"""The pure grace-window state machine, driven with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.engine import InvalidTransition, decide
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import (
    Action,
    AlertEvent,
    AlertRecord,
    AlertState,
    NotificationKind,
    Resolution,
    Severity,
)
from holdoff.mediate.noise import NoiseAction, NoiseRule
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route
from holdoff.mediate.silence import Silence

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)
POLICY = Policy(grace=GRACE)


def ev(action: Action, **kw: object) -> AlertEvent:
    return AlertEvent(source="coralogix", fingerprint="cpu-1", action=action, name="CPU Spike", **kw)  # type: ignore[arg-type]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(*steps: tuple[Action, float], policy: Policy = POLICY, record: AlertRecord | None = None):  # type: ignore[no-untyped-def]
    outcomes = []
    for action, when in steps:
        outcome = decide(record, ev(action), at(when), policy)
        record = outcome.alert
        outcomes.append(outcome)
    return outcomes


def kinds(outcome) -> list[tuple[NotificationKind, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    return [(n.kind, n.channels) for n in outcome.notifications]


def test_trigger_holds_alert_pending_until_grace_deadline() -> None:
    (outcome,) = run((Action.TRIGGERED, 0))
    assert outcome.alert.state is AlertState.PENDING
    assert outcome.alert.deadline_at == T0 + GRACE
    assert outcome.alert.occurrence == 1
    assert outcome.notifications == ()


def test_resolve_inside_grace_window_is_transient_and_notifies_teams_only() -> None:
    _, resolved = run((Action.TRIGGERED, 0), (Action.RESOLVED, 192))
    assert resolved.alert.state is AlertState.RESOLVED
    assert resolved.alert.resolution is Resolution.TRANSIENT
    assert resolved.alert.deadline_at is None
    assert kinds(resolved) == [(NotificationKind.TRANSIENT_RESOLVED, ("teams",))]
    assert "3m 12s" in resolved.timeline.summary


def test_deadline_escalates_to_email_and_teams() -> None:
    _, escalated = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600))
    assert escalated.alert.state is AlertState.ESCALATED
    assert escalated.alert.escalated_at == at(600)
    assert escalated.alert.deadline_at is None
    assert kinds(escalated) == [(NotificationKind.ESCALATED, ("email", "teams"))]


def test_deadline_checked_early_changes_nothing() -> None:
    _, early = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 599.9))
    assert not early.changed
    assert early.alert.state is AlertState.PENDING
    assert early.notifications == ()


def test_resolve_after_escalation_notifies_both_channels() -> None:
    *_, resolved = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), (Action.RESOLVED, 1500))
    assert resolved.alert.resolution is Resolution.AFTER_ESCALATION
    assert kinds(resolved) == [(NotificationKind.RESOLVED, ("email", "teams"))]
    assert resolved.alert.open_for(at(9999)) == timedelta(seconds=1500)


def test_repeated_trigger_while_open_counts_and_starts_no_new_timer() -> None:
    first, again, third = run((Action.TRIGGERED, 0), (Action.TRIGGERED, 120), (Action.TRIGGERED, 300))
    assert third.alert.repeat_count == 2
    assert third.alert.deadline_at == first.alert.deadline_at == T0 + GRACE
    assert third.alert.occurrence == 1
    assert again.notifications == () and third.notifications == ()


def test_repeated_trigger_after_escalation_does_not_escalate_again() -> None:
    *_, again = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), (Action.TRIGGERED, 700))
    assert again.alert.state is AlertState.ESCALATED
    assert again.alert.deadline_at is None
    assert again.notifications == ()


def test_resolve_for_unknown_alert_is_recorded_as_unmatched_without_notifying() -> None:
    outcome = decide(None, ev(Action.RESOLVED), T0, POLICY)
    assert outcome.alert.state is AlertState.RESOLVED
    assert outcome.alert.resolution is Resolution.UNMATCHED
    assert outcome.alert.occurrence == 0
    assert outcome.notifications == ()


def test_trigger_after_unmatched_resolve_is_first_occurrence_not_a_flap() -> None:
    _, trig = run((Action.RESOLVED, 0), (Action.TRIGGERED, 10))
    assert trig.alert.occurrence == 1
    assert trig.alert.flap_count == 0
    assert trig.alert.state is AlertState.PENDING


def test_trigger_after_resolution_opens_new_occurrence_and_counts_a_flap() -> None:
    *_, reopened = run((Action.TRIGGERED, 0), (Action.RESOLVED, 60), (Action.TRIGGERED, 90))
    alert = reopened.alert
    assert alert.state is AlertState.PENDING
    assert alert.occurrence == 2
    assert alert.flap_count == 1
    assert alert.opened_at == at(90)
    assert alert.deadline_at == at(90) + GRACE
    assert alert.resolution is None and alert.resolved_at is None and alert.repeat_count == 0


def test_second_occurrence_escalates_on_its_own_deadline() -> None:
    *_, early, late = run(
        (Action.TRIGGERED, 0),
        (Action.RESOLVED, 60),
        (Action.TRIGGERED, 90),
        (Action.DEADLINE_REACHED, 600),
        (Action.DEADLINE_REACHED, 690),
    )
    assert not early.changed
    assert late.alert.state is AlertState.ESCALATED


def test_duplicate_resolve_changes_nothing_and_sends_nothing() -> None:
    *_, dup = run((Action.TRIGGERED, 0), (Action.RESOLVED, 60), (Action.RESOLVED, 61))
    assert not dup.changed
    assert dup.notifications == ()
    assert dup.alert.resolved_at == at(60)


def test_acknowledge_while_pending_cancels_escalation() -> None:
    _, acked = run((Action.TRIGGERED, 0), (Action.ACKNOWLEDGED, 30))
    assert acked.alert.state is AlertState.ACKNOWLEDGED
    assert acked.alert.deadline_at is None
    late = decide(acked.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY)
    assert not late.changed and late.notifications == ()


def test_acknowledged_then_resolved_before_escalation_sends_nothing() -> None:
    *_, resolved = run((Action.TRIGGERED, 0), (Action.ACKNOWLEDGED, 30), (Action.RESOLVED, 900))
    assert resolved.alert.resolution is Resolution.BEFORE_ESCALATION
    assert resolved.notifications == ()


def test_acknowledged_after_escalation_then_resolved_tells_the_paged_people() -> None:
    *_, resolved = run(
        (Action.TRIGGERED, 0),
        (Action.DEADLINE_REACHED, 600),
        (Action.ACKNOWLEDGED, 700),
        (Action.RESOLVED, 900),
    )
    assert resolved.alert.resolution is Resolution.AFTER_ESCALATION
    assert kinds(resolved) == [(NotificationKind.RESOLVED, ("email", "teams"))]


def test_acknowledge_records_who() -> None:
    trig = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    acked = decide(trig.alert, ev(Action.ACKNOWLEDGED, actor="alice"), at(5), POLICY)
    assert acked.alert.acknowledged_by == "alice"
    assert "alice" in acked.timeline.summary


def test_suppressed_alert_never_escalates_or_notifies() -> None:
    _, suppressed, deadline, resolved = run(
        (Action.TRIGGERED, 0), (Action.SUPPRESSED, 10), (Action.DEADLINE_REACHED, 600), (Action.RESOLVED, 700)
    )
    assert suppressed.alert.state is AlertState.SUPPRESSED
    assert suppressed.alert.deadline_at is None
    assert not deadline.changed
    assert resolved.alert.state is AlertState.RESOLVED
    assert resolved.notifications == ()


def test_acknowledge_of_resolved_alert_is_refused() -> None:
    *_, resolved = run((Action.TRIGGERED, 0), (Action.RESOLVED, 5))
    with pytest.raises(InvalidTransition, match="resolved"):
        decide(resolved.alert, ev(Action.ACKNOWLEDGED), at(10), POLICY)


def test_suppress_of_unknown_alert_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        decide(None, ev(Action.SUPPRESSED), T0, POLICY)


def test_zero_grace_escalates_at_the_first_deadline_check() -> None:
    policy = Policy(grace=timedelta(0))
    _, escalated = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 0), policy=policy)
    assert escalated.alert.state is AlertState.ESCALATED


def test_channels_come_from_the_policy() -> None:
    policy = Policy(grace=GRACE, channels={NotificationKind.ESCALATED: ("pager",)})
    _, escalated = run((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), policy=policy)
    assert kinds(escalated) == [(NotificationKind.ESCALATED, ("pager",))]
    *_, transient = run((Action.TRIGGERED, 0), (Action.RESOLVED, 5), policy=policy)
    assert transient.notifications == ()


def test_later_events_refresh_description_but_keep_what_they_omit() -> None:
    first = decide(None, ev(Action.TRIGGERED, severity=Severity.CRITICAL, labels={"team": "db"}), T0, POLICY)
    again = decide(first.alert, AlertEvent("coralogix", "cpu-1", Action.TRIGGERED), at(5), POLICY)
    assert again.alert.severity is Severity.CRITICAL
    assert again.alert.labels == {"team": "db"}
    assert again.alert.name == "CPU Spike"


def test_decide_is_deterministic() -> None:
    steps = ((Action.TRIGGERED, 0), (Action.DEADLINE_REACHED, 600), (Action.RESOLVED, 700))
    assert run(*steps) == run(*steps)


# --- sources that send their own start time (Alertmanager, CloudWatch ...) -------------------------

STARTED = datetime(2026, 1, 14, 2, 55, tzinfo=UTC)


def sev(action: Action, starts_at: datetime | None) -> AlertEvent:
    return AlertEvent("alertmanager", "fp", action, name="HighCPU", starts_at=starts_at)


def test_redelivered_trigger_with_the_same_start_changes_nothing() -> None:
    first = decide(None, sev(Action.TRIGGERED, STARTED), T0, POLICY)
    again = decide(first.alert, sev(Action.TRIGGERED, STARTED), at(30), POLICY)
    assert not again.changed and not again.recorded
    assert again.alert == first.alert


def test_trigger_with_a_newer_start_while_open_counts_a_repeat() -> None:
    first = decide(None, sev(Action.TRIGGERED, STARTED), T0, POLICY)
    later = decide(first.alert, sev(Action.TRIGGERED, STARTED + timedelta(minutes=3)), at(30), POLICY)
    assert later.changed and later.alert.repeat_count == 1
    assert later.alert.source_started_at == STARTED + timedelta(minutes=3)
    assert later.alert.deadline_at == first.alert.deadline_at


def test_late_resolve_of_an_earlier_occurrence_is_ignored_and_recorded() -> None:
    first = decide(None, sev(Action.TRIGGERED, STARTED), T0, POLICY)
    resolved = decide(first.alert, sev(Action.RESOLVED, STARTED), at(60), POLICY)
    second_start = STARTED + timedelta(minutes=5)
    reopened = decide(resolved.alert, sev(Action.TRIGGERED, second_start), at(120), POLICY)
    late = decide(reopened.alert, sev(Action.RESOLVED, STARTED), at(130), POLICY)
    assert not late.changed and late.recorded
    assert late.alert.state is AlertState.PENDING
    assert late.notifications == ()
    assert "ignored" in late.timeline.summary


def test_late_trigger_of_a_resolved_occurrence_does_not_reopen_it() -> None:
    first = decide(None, sev(Action.TRIGGERED, STARTED), T0, POLICY)
    resolved = decide(first.alert, sev(Action.RESOLVED, STARTED), at(60), POLICY)
    late = decide(resolved.alert, sev(Action.TRIGGERED, STARTED), at(61), POLICY)
    assert late.alert.state is AlertState.RESOLVED
    assert not late.changed and late.recorded
    assert late.alert.flap_count == 0


def test_resolve_that_overtakes_its_trigger_keeps_the_alert_resolved() -> None:
    resolved = decide(None, sev(Action.RESOLVED, STARTED), T0, POLICY)
    trig = decide(resolved.alert, sev(Action.TRIGGERED, STARTED), at(1), POLICY)
    assert trig.alert.state is AlertState.RESOLVED
    assert trig.alert.resolution is Resolution.UNMATCHED


def test_resolve_with_the_current_start_resolves() -> None:
    first = decide(None, sev(Action.TRIGGERED, STARTED), T0, POLICY)
    resolved = decide(first.alert, sev(Action.RESOLVED, STARTED), at(60), POLICY)
    assert resolved.alert.resolution is Resolution.TRANSIENT


# --- silences ---------------------------------------------------------------------------------------


def silence(
    text: str = '{alertname="CPU Spike"}', start: float = -60, end: float = 3600, sid: int = 7
) -> Silence:
    return Silence(sid, parse_matchers(text), at(start), at(end), "alice", "planned work")


def test_silenced_escalation_changes_state_but_sends_nothing() -> None:
    first = decide(None, ev(Action.TRIGGERED), T0, POLICY, [silence()])
    escalated = decide(first.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [silence()])
    assert escalated.alert.state is AlertState.ESCALATED
    assert escalated.notifications == ()
    assert escalated.alert.muted_by == 7
    assert "muted by silence #7 (planned work)" in escalated.timeline.summary


def test_silence_matches_implicit_source_label_and_explicit_labels() -> None:
    by_source = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    resolved = decide(by_source.alert, ev(Action.RESOLVED), at(5), POLICY, [silence('{source="coralogix"}')])
    assert resolved.notifications == ()
    other = decide(by_source.alert, ev(Action.RESOLVED), at(5), POLICY, [silence('{source="grafana"}')])
    assert other.notifications != ()


def test_silence_not_yet_started_or_already_ended_does_not_mute() -> None:
    first = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    for later in (silence(start=900, end=2000), silence(start=-100, end=600)):
        escalated = decide(first.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [later])
        assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]
        assert escalated.alert.muted_by is None


def test_silence_expiring_while_pending_lets_the_escalation_through() -> None:
    short = silence(end=300)
    first = decide(None, ev(Action.TRIGGERED), T0, POLICY, [short])
    escalated = decide(first.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [short])
    assert [n.kind for n in escalated.notifications] == [NotificationKind.ESCALATED]


def test_silence_ending_while_still_firing_escalates_then() -> None:
    muted = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    muted = decide(muted.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [silence()])
    ended = decide(muted.alert, ev(Action.SILENCE_ENDED), at(3600), POLICY, [])
    assert [n.kind for n in ended.notifications] == [NotificationKind.ESCALATED]
    assert ended.alert.muted_by is None
    assert "ended while the alert still fires" in ended.timeline.summary


def test_silence_ending_under_another_silence_stays_muted() -> None:
    muted = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    muted = decide(muted.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [silence()])
    second = silence('{source="coralogix"}', end=9000, sid=8)
    ended = decide(muted.alert, ev(Action.SILENCE_ENDED), at(3600), POLICY, [second])
    assert ended.notifications == ()
    assert ended.alert.muted_by == 8


def test_resolution_of_a_muted_escalation_pages_nobody_even_after_the_silence() -> None:
    muted = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    muted = decide(muted.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [silence(end=700)])
    resolved = decide(muted.alert, ev(Action.RESOLVED), at(800), POLICY, [])
    assert resolved.notifications == ()
    assert resolved.alert.muted_by is None
    assert "muted by silence #7" in resolved.timeline.summary


def test_silence_ending_after_acknowledgement_sends_nothing() -> None:
    muted = decide(None, ev(Action.TRIGGERED), T0, POLICY)
    muted = decide(muted.alert, ev(Action.DEADLINE_REACHED), at(600), POLICY, [silence()])
    acked = decide(muted.alert, ev(Action.ACKNOWLEDGED, actor="bob"), at(700), POLICY, [silence()])
    ended = decide(acked.alert, ev(Action.SILENCE_ENDED), at(3600), POLICY, [])
    assert ended.notifications == ()
    assert ended.alert.muted_by is None


# --- routes --------------------------------------------------------------------------------------------


def test_route_sets_the_grace_window_and_channels_of_matching_alerts() -> None:
    fast = Route(
        "db",
        parse_matchers('{team="db"}'),
        grace=timedelta(minutes=2),
        channels={NotificationKind.ESCALATED: ("pager",)},
    )
    policy = Policy(grace=GRACE, routes=(fast,))
    db_alert = decide(None, ev(Action.TRIGGERED, labels={"team": "db"}), T0, policy)
    assert db_alert.alert.deadline_at == T0 + timedelta(minutes=2)
    assert "route db" in db_alert.timeline.summary
    escalated = decide(db_alert.alert, ev(Action.DEADLINE_REACHED), at(120), policy)
    assert kinds(escalated) == [(NotificationKind.ESCALATED, ("pager",))]
    other = decide(None, AlertEvent("coralogix", "x", Action.TRIGGERED, labels={"team": "web"}), T0, policy)
    assert other.alert.deadline_at == T0 + GRACE


# --- noise rules ---------------------------------------------------------------------------------------


def test_drop_rule_keeps_the_alert_but_never_notifies() -> None:
    drop = NoiseRule("ignore-batch", parse_matchers('{team="batch"}'), NoiseAction.DROP)
    policy = Policy(grace=GRACE, noise_rules=(drop,))
    first = decide(None, ev(Action.TRIGGERED, labels={"team": "batch"}), T0, policy)
    escalated = decide(first.alert, ev(Action.DEADLINE_REACHED), at(600), policy)
    assert escalated.alert.state is AlertState.ESCALATED
    assert escalated.notifications == ()
    assert "dropped by noise rule ignore-batch" in escalated.timeline.summary
    other = decide(None, AlertEvent("coralogix", "y", Action.TRIGGERED, labels={"team": "web"}), T0, policy)
    assert decide(other.alert, ev(Action.DEADLINE_REACHED), at(600), policy).notifications != ()


def test_severity_rule_overrides_what_the_source_sent() -> None:
    regrade = NoiseRule(
        "cpu-warning", parse_matchers('{alertname=~"CPU.*"}'), NoiseAction.SEVERITY, Severity.WARNING
    )
    policy = Policy(grace=GRACE, noise_rules=(regrade,))
    first = decide(None, ev(Action.TRIGGERED, severity=Severity.CRITICAL), T0, policy)
    assert first.alert.severity is Severity.WARNING
    assert "severity set to warning by noise rule cpu-warning" in first.timeline.summary
    again = decide(first.alert, ev(Action.TRIGGERED, severity=Severity.CRITICAL), at(5), policy)
    assert again.alert.severity is Severity.WARNING
