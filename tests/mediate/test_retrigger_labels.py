"""A re-trigger that brings new labels: the alert takes them, and with them the routing, silences and
inhibition those labels call for (the core, with the time passed in).

Two ways in: the alert fires again after it resolved (a new occurrence, with a new grace timer), or
the source sends different labels while it is still open (same occurrence, same timer). In both
cases everything decided afterwards (the route's grace and channels, which silence or inhibition
applies) must follow the labels the source sent last, not the ones the alert was first seen with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.engine import decide
from holdoff.mediate.inhibit import Inhibitor, InhibitRule, identity
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, AlertRecord, AlertState, NotificationKind, Outcome
from holdoff.mediate.policy import Policy
from holdoff.mediate.routing import Route
from holdoff.mediate.silence import Silence

T0 = datetime(2026, 1, 14, 3, 0, tzinfo=UTC)
ESCALATED = NotificationKind.ESCALATED
WEB = {"team": "web", "severity": "warning", "instance": "host-1"}
DB = {"team": "db", "severity": "warning", "instance": "host-1"}

POLICY = Policy(
    grace=timedelta(minutes=10),
    routes=(
        Route(
            "web",
            parse_matchers('{team="web"}'),
            grace=timedelta(minutes=5),
            channels={ESCALATED: ("slack-web",)},
        ),
        Route(
            "db",
            parse_matchers('{team="db"}'),
            grace=timedelta(minutes=30),
            channels={ESCALATED: ("pager-db",)},
        ),
    ),
    inhibit_rules=(
        InhibitRule(
            "db-maintenance-mode",
            parse_matchers('{alertname="DbMaintenance"}'),
            parse_matchers('{team="db"}'),
            ("instance",),
        ),
    ),
)


def event(action: Action, labels: dict[str, str] | None = None) -> AlertEvent:
    return AlertEvent("alertmanager", "disk-host-1", action, name="DiskFull", labels=labels or {})


def fire(labels: dict[str, str], now: datetime = T0, record: AlertRecord | None = None) -> Outcome:
    return decide(record, event(Action.TRIGGERED, labels), now, POLICY)


def deadline(
    record: AlertRecord,
    now: datetime,
    silences: tuple[Silence, ...] = (),
    inhibitors: tuple[Inhibitor, ...] = (),
) -> Outcome:
    return decide(record, event(Action.DEADLINE_REACHED), now, POLICY, silences, inhibitors)


def fired_again_after_resolving(first: dict[str, str], again: dict[str, str]) -> tuple[AlertRecord, datetime]:
    """The alert seen with ``first``, resolved, then firing with ``again``: the record and when."""
    opened = fire(first).alert
    resolved = decide(opened, event(Action.RESOLVED), T0 + timedelta(minutes=1), POLICY).alert
    assert resolved.state is AlertState.RESOLVED
    at = T0 + timedelta(hours=1)
    return fire(again, at, resolved).alert, at


def channels(outcome: Outcome) -> list[tuple[NotificationKind, tuple[str, ...]]]:
    return [(n.kind, n.channels) for n in outcome.notifications]


def silence(matchers: str, silence_id: int = 1) -> Silence:
    return Silence(silence_id, parse_matchers(matchers), T0, T0 + timedelta(days=1), "alice", "")


def db_maintenance_inhibitor() -> Inhibitor:
    source = decide(
        None,
        AlertEvent(
            "alertmanager",
            "dbm-host-1",
            Action.TRIGGERED,
            name="DbMaintenance",
            labels={"alertname": "DbMaintenance", "instance": "host-1"},
        ),
        T0,
        POLICY,
    ).alert
    [key] = POLICY.inhibitor_keys(source)
    return Inhibitor(key, identity(source))


# --------------------------------------------------------------------------- a new occurrence


def test_firing_again_after_resolving_takes_the_new_labels_and_the_new_routes_grace() -> None:
    again, at = fired_again_after_resolving(WEB, DB)
    assert again.labels == DB
    assert again.occurrence == 2 and again.state is AlertState.PENDING
    assert again.deadline_at == at + timedelta(minutes=30)  # db's grace, not web's five minutes


def test_firing_again_after_resolving_escalates_on_the_new_routes_channels() -> None:
    again, at = fired_again_after_resolving(WEB, DB)
    assert deadline(again, at + timedelta(minutes=5)).notifications == ()  # web's grace means nothing now
    escalated = deadline(again, at + timedelta(minutes=30))
    assert channels(escalated) == [(ESCALATED, ("pager-db",))]


def test_firing_again_with_the_same_labels_keeps_the_route() -> None:
    again, at = fired_again_after_resolving(WEB, dict(WEB))
    assert again.labels == WEB
    assert again.deadline_at == at + timedelta(minutes=5)
    assert channels(deadline(again, at + timedelta(minutes=5))) == [(ESCALATED, ("slack-web",))]


def test_a_silence_of_the_new_labels_mutes_the_new_occurrence_and_one_of_the_old_labels_does_not() -> None:
    again, at = fired_again_after_resolving(WEB, DB)
    due = at + timedelta(minutes=30)
    muted = deadline(again, due, silences=(silence('{team="db"}', 7),))
    assert muted.notifications == () and muted.alert.muted_by == 7
    old = deadline(again, due, silences=(silence('{team="web"}', 8),))
    assert channels(old) == [(ESCALATED, ("pager-db",))] and old.alert.muted_by is None


def test_inhibition_follows_the_new_labels_of_a_new_occurrence() -> None:
    inhibitor = db_maintenance_inhibitor()
    # First seen as web: the db inhibit rule does not reach it.
    web = fire(WEB).alert
    sent = deadline(web, T0 + timedelta(minutes=5), inhibitors=(inhibitor,))
    assert channels(sent) == [(ESCALATED, ("slack-web",))]
    # Back as db: now it does.
    again, at = fired_again_after_resolving(WEB, DB)
    held = deadline(again, at + timedelta(minutes=30), inhibitors=(inhibitor,))
    assert held.notifications == ()
    assert held.alert.inhibited_by == inhibitor.source


# --------------------------------------------------------------------------- while still open


def test_new_labels_while_pending_replace_the_old_ones_and_keep_the_timer() -> None:
    first = fire(WEB).alert
    again = fire(DB, T0 + timedelta(minutes=1), first)
    assert again.changed
    assert again.alert.labels == DB
    assert again.alert.occurrence == 1 and again.alert.repeat_count == 1
    assert again.alert.deadline_at == first.deadline_at  # "no new timer"


def test_new_labels_while_pending_send_the_escalation_to_the_new_routes_channels() -> None:
    again = fire(DB, T0 + timedelta(minutes=1), fire(WEB).alert).alert
    assert channels(deadline(again, T0 + timedelta(minutes=5))) == [(ESCALATED, ("pager-db",))]


@pytest.mark.parametrize(
    ("matchers", "muted"),
    [('{team="db"}', True), ('{team="web"}', False)],
    ids=["silence-of-the-new-labels", "silence-of-the-old-labels"],
)
def test_new_labels_while_pending_decide_which_silence_mutes(matchers: str, muted: bool) -> None:
    again = fire(DB, T0 + timedelta(minutes=1), fire(WEB).alert).alert
    out = deadline(again, T0 + timedelta(minutes=5), silences=(silence(matchers, 3),))
    assert (out.notifications == ()) is muted
    assert out.alert.muted_by == (3 if muted else None)


def test_new_labels_while_pending_bring_the_alert_under_inhibition() -> None:
    inhibitor = db_maintenance_inhibitor()
    again = fire(DB, T0 + timedelta(minutes=1), fire(WEB).alert).alert
    out = deadline(again, T0 + timedelta(minutes=5), inhibitors=(inhibitor,))
    assert out.notifications == () and out.alert.inhibited_by == inhibitor.source


def test_labels_taken_off_while_pending_release_the_alert_from_inhibition() -> None:
    inhibitor = db_maintenance_inhibitor()
    again = fire(WEB, T0 + timedelta(minutes=1), fire(DB).alert).alert
    out = deadline(again, T0 + timedelta(minutes=30), inhibitors=(inhibitor,))
    assert channels(out) == [(ESCALATED, ("slack-web",))] and out.alert.inhibited_by is None


def test_the_inhibitor_keys_an_alert_holds_follow_its_new_labels() -> None:
    source_labels = {"alertname": "DbMaintenance", "instance": "host-1"}
    plain = fire({"alertname": "Other", "instance": "host-1"}).alert
    assert POLICY.inhibitor_keys(plain) == frozenset()
    now_source = fire(source_labels, T0 + timedelta(minutes=1), plain).alert
    assert now_source.labels == source_labels
    assert POLICY.inhibitor_keys(now_source) != frozenset()
