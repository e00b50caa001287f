"""Replay through the real core with a simulated clock: timers fire in order, messages are counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from holdoff.mediate.grouping import Grouping
from holdoff.mediate.inhibit import InhibitRule
from holdoff.mediate.matchers import parse_matchers
from holdoff.mediate.model import Action, AlertEvent, NotificationKind
from holdoff.mediate.policy import Policy
from holdoff.replay.report import replay
from holdoff.replay.simulator import run
from holdoff.replay.stream import StreamEvent, Truth

T0 = datetime(2026, 11, 16, tzinfo=UTC)
POLICY = Policy(grace=timedelta(minutes=5))


def ev(fingerprint: str, action: Action, **labels: str) -> AlertEvent:
    return AlertEvent(
        "alertmanager", fingerprint, action, name=labels.pop("alertname", "Down"), labels=labels
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_transient_is_held_and_a_long_alert_pages_at_the_end_of_its_grace() -> None:
    sim = run(
        POLICY,
        [
            (at(0), ev("blip", Action.TRIGGERED)),
            (at(60), ev("blip", Action.RESOLVED)),
            (at(100), ev("real", Action.TRIGGERED)),
            (at(2000), ev("real", Action.RESOLVED)),
        ],
    )
    kinds = [(m.at, m.kind) for m in sim.messages]
    assert (at(60), NotificationKind.TRANSIENT_RESOLVED) in kinds
    assert (at(400), NotificationKind.ESCALATED) in kinds
    assert (at(2000), NotificationKind.RESOLVED) in kinds
    assert sim.stats.transients == 1 and sim.stats.escalations == 1 and sim.stats.late == []


def test_timers_that_were_superseded_do_nothing() -> None:
    sim = run(
        POLICY,
        [
            (at(0), ev("a", Action.TRIGGERED)),
            (at(10), ev("a", Action.RESOLVED)),
            (at(200), ev("a", Action.TRIGGERED)),  # a new occurrence: its own deadline at 500 s
            (at(450), ev("a", Action.RESOLVED)),
        ],
    )
    assert [m.kind for m in sim.messages] == [NotificationKind.TRANSIENT_RESOLVED] * 2
    assert sim.stats.escalations == 0


def test_inhibition_then_release_escalates_the_target_when_the_source_resolves() -> None:
    policy = Policy(
        grace=timedelta(minutes=5),
        inhibit_rules=(
            InhibitRule(
                "node",
                parse_matchers('{alertname="NodeDown"}'),
                parse_matchers('{alertname="Err"}'),
                ("node",),
            ),
        ),
    )
    sim = run(
        policy,
        [
            (at(0), ev("node", Action.TRIGGERED, alertname="NodeDown", node="n1")),
            (at(5), ev("svc", Action.TRIGGERED, alertname="Err", node="n1")),
            (at(1000), ev("node", Action.RESOLVED, alertname="NodeDown", node="n1")),
            (at(3000), ev("svc", Action.RESOLVED, alertname="Err", node="n1")),
        ],
    )
    pages = [(m.at, m.alerts) for m in sim.messages if m.page]
    assert pages == [(at(300), ("alertmanager\x1fnode",)), (at(1000), ("alertmanager\x1fsvc",))]
    assert sim.stats.held["inhibited"] == 1
    assert sim.stats.late == []  # held on purpose: not late


def test_grouped_stream_pages_per_incident_and_scores_the_truth() -> None:
    policy = Policy(grace=timedelta(minutes=5), grouping=Grouping(("cluster",)))
    root = Truth(kind="incident", incident="INC-1", role="root")
    symptom = Truth(kind="incident", incident="INC-1", role="symptom")
    blip = Truth(kind="transient")
    stream = [
        StreamEvent(at(0), ev("db", Action.TRIGGERED, cluster="eu"), root),
        StreamEvent(at(20), ev("api", Action.TRIGGERED, cluster="eu"), symptom),
        StreamEvent(at(30), ev("b", Action.TRIGGERED, cluster="us"), blip),
        StreamEvent(at(50), ev("b", Action.RESOLVED, cluster="us"), blip),
        StreamEvent(at(1800), ev("db", Action.RESOLVED, cluster="eu"), root),
        StreamEvent(at(1850), ev("api", Action.RESOLVED, cluster="eu"), symptom),
    ]
    report = replay(policy, stream)
    assert report.pages == 1  # root and symptom in one message
    assert report.baseline_pages == 3
    assert round(report.reduction, 3) == round(1 - 1 / 3, 3)
    assert report.incidents == 2
    assert report.truth is not None
    assert report.truth["real_incidents"] == 1 and report.truth["missed"] == []
    assert report.truth["pages_per_real_incident"] == 1.0
    assert report.truth["max_first_page_delay_s"] == 330.0  # 5 min grace + 30 s group wait
    # db's resolution goes out at once (the interval since the page has passed), api's an interval later.
    assert report.messages["teams"] == {"escalated": 1, "resolved": 2, "transient_resolved": 1}


def test_an_incident_that_never_pages_is_reported_missed() -> None:
    silent = Policy(grace=timedelta(minutes=5), channels={})
    truth = Truth(kind="incident", incident="INC-9", role="root")
    report = replay(
        silent,
        [
            StreamEvent(at(0), ev("x", Action.TRIGGERED), truth),
            StreamEvent(at(3600), ev("x", Action.RESOLVED), truth),
        ],
    )
    assert report.truth is not None
    assert report.truth["missed"] == [{"incident": "INC-9", "why": "never paged"}]


def test_decisions_are_written_for_events_and_messages() -> None:
    written: list[dict[str, object]] = []
    run(
        POLICY,
        [(at(0), ev("a", Action.TRIGGERED)), (at(600), ev("a", Action.RESOLVED))],
        decisions=written.append,
    )
    types = [(d["type"], d.get("kind") or d.get("action")) for d in written]
    assert types == [
        ("event", "triggered"),
        ("event", "deadline_reached"),
        ("message", "escalated"),
        ("event", "resolved"),
        ("message", "resolved"),
    ]
    assert written[2]["alerts"] == ["alertmanager/a"] and written[2]["page"] is True
