"""Where each decided message goes (holdoff.mediate.dispatch): the one answer the service and replay share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from holdoff.mediate.dispatch import Destination, Dispatch, IncidentJoin, dispatch, taking
from holdoff.mediate.engine import decide
from holdoff.mediate.grouping import Grouping, group_key
from holdoff.mediate.model import Action, AlertEvent, NotificationKind, Notify, Outcome
from holdoff.mediate.policy import Policy
from holdoff.service.channel_set import ChannelSet

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GROUPING = Grouping(("cluster",), wait=timedelta(seconds=30), interval=timedelta(minutes=5))
FLAT = Policy(grace=timedelta(minutes=5))
GROUPED = Policy(grace=timedelta(minutes=5), grouping=GROUPING)
ESCALATED = Notify(NotificationKind.ESCALATED, ("email", "teams"))
RESOLVED = Notify(NotificationKind.RESOLVED, ("email", "teams"))
TRANSIENT_DIGEST = Notify(NotificationKind.TRANSIENT_RESOLVED, ("teams", "email"), digest=True)
NOWHERE = Notify(NotificationKind.ESCALATED, ())


def triggered(policy: Policy) -> Outcome:
    event = AlertEvent(
        "alertmanager", "api-1", Action.TRIGGERED, name="HighErrorRate", labels={"cluster": "eu-1"}
    )
    return decide(None, event, T0, policy)


def resolved(policy: Policy) -> Outcome:
    event = AlertEvent("alertmanager", "api-1", Action.RESOLVED)
    return decide(triggered(policy).alert, event, T0 + timedelta(seconds=5), policy)


def saying(outcome: Outcome, *notifications: Notify, changed: bool = True) -> Outcome:
    """``outcome`` with other notifications (a new tuple each time: the answer must not depend on it)."""
    return Outcome(outcome.alert, tuple(notifications), outcome.timeline, changed)


def routed(policy: Policy, outcome: Outcome, channels: ChannelSet | None = None) -> Dispatch:
    return dispatch(outcome, policy.facts(outcome.alert), channels)


def where(answer: Dispatch) -> list[tuple[NotificationKind, Destination, tuple[str, ...]]]:
    return [(item.notify.kind, item.destination, item.channels) for item in answer.messages]


def test_without_grouping_a_message_goes_out_now_on_every_channel_it_names() -> None:
    answer = routed(FLAT, saying(triggered(FLAT), ESCALATED))
    assert where(answer) == [(NotificationKind.ESCALATED, Destination.OUTBOX, ("email", "teams"))]
    assert not answer.joins


def test_a_digest_message_goes_to_the_digests_of_its_channels() -> None:
    answer = routed(FLAT, saying(resolved(FLAT), TRANSIENT_DIGEST))
    assert where(answer) == [(NotificationKind.TRANSIENT_RESOLVED, Destination.DIGEST, ("teams", "email"))]


def test_a_message_that_names_no_channel_is_held() -> None:
    assert where(routed(FLAT, saying(triggered(FLAT), NOWHERE))) == [
        (NotificationKind.ESCALATED, Destination.HELD, ())
    ]
    assert where(routed(GROUPED, saying(triggered(GROUPED), NOWHERE)))[0][1] is Destination.HELD


def test_on_a_grouped_route_messages_go_into_the_incident_and_digests_still_to_the_digest() -> None:
    answer = routed(GROUPED, saying(triggered(GROUPED), ESCALATED, TRANSIENT_DIGEST))
    assert where(answer) == [
        (NotificationKind.ESCALATED, Destination.INCIDENT, ("email", "teams")),
        (NotificationKind.TRANSIENT_RESOLVED, Destination.DIGEST, ("teams", "email")),
    ]
    assert (answer.joins, answer.opens) == (True, True)


def test_the_incident_joined_is_the_one_of_the_alerts_group() -> None:
    outcome = triggered(GROUPED)
    facts = GROUPED.facts(outcome.alert)
    assert IncidentJoin.of(facts, True) == IncidentJoin(
        GROUPING, "default", group_key("default", {"cluster": "eu-1"}), True
    )


@pytest.mark.parametrize(
    ("notifications", "opens"),
    [
        ((), False),  # resolved with nothing to say: joins an open incident, opens none
        ((TRANSIENT_DIGEST,), False),  # its only message goes to the digest
        ((NOWHERE,), False),
        ((RESOLVED,), True),  # something to tell the incident's channels
    ],
)
def test_a_closed_alert_opens_an_incident_only_with_something_to_say_in_it(
    notifications: tuple[Notify, ...], opens: bool
) -> None:
    answer = routed(GROUPED, saying(resolved(GROUPED), *notifications))
    assert (answer.joins, answer.opens) == (True, opens)


def test_an_open_alert_always_may_open_its_incident() -> None:
    answer = routed(GROUPED, saying(triggered(GROUPED)))
    assert answer == Dispatch((), joins=True, opens=True)


def test_an_outcome_that_changed_nothing_joins_no_incident() -> None:
    assert routed(GROUPED, saying(triggered(GROUPED), changed=False)) == Dispatch(())
    assert not routed(GROUPED, saying(triggered(GROUPED), ESCALATED, changed=False)).joins


def test_channels_this_process_lacks_are_named_and_those_not_taking_the_kind_skipped() -> None:
    channels = ChannelSet({"email": frozenset({NotificationKind.RESOLVED}), "slack": None})
    notify = Notify(NotificationKind.ESCALATED, ("email", "teams", "slack"))
    [item] = routed(FLAT, saying(triggered(FLAT), notify), channels).messages
    assert (item.destination, item.channels, item.unconfigured) == (
        Destination.OUTBOX,
        ("slack",),
        ("teams",),
    )


def test_a_message_no_configured_channel_takes_is_held_and_says_which_are_missing() -> None:
    channels = ChannelSet({"email": frozenset({NotificationKind.RESOLVED})})
    [item] = routed(FLAT, saying(triggered(FLAT), ESCALATED), channels).messages
    assert (item.destination, item.channels, item.unconfigured) == (Destination.HELD, (), ("teams",))


def test_digest_lines_go_only_to_channels_that_take_digests() -> None:
    channels = ChannelSet({"teams": None, "email": frozenset({NotificationKind.ESCALATED})})
    [item] = routed(FLAT, saying(resolved(FLAT), TRANSIENT_DIGEST), channels).messages
    assert (item.destination, item.channels) == (Destination.DIGEST, ("teams",))
    assert taking(("teams", "email"), NotificationKind.DIGEST, channels) == ("teams",)
    assert taking(("teams", "email"), NotificationKind.DIGEST, None) == ("teams", "email")


def test_the_answer_depends_on_the_channels_and_not_on_what_was_asked_before() -> None:
    outcome = saying(triggered(FLAT), ESCALATED)
    everything = where(routed(FLAT, outcome))
    only_email = ChannelSet({"email": None})
    assert where(routed(FLAT, outcome, only_email)) == [
        (NotificationKind.ESCALATED, Destination.OUTBOX, ("email",))
    ]
    assert where(routed(FLAT, outcome)) == everything
    assert where(routed(FLAT, outcome, ChannelSet({"teams": None}))) == [
        (NotificationKind.ESCALATED, Destination.OUTBOX, ("teams",))
    ]
    # The same notifications tuple on a grouped route: into the incident, not out now.
    assert (
        where(
            routed(GROUPED, Outcome(triggered(GROUPED).alert, outcome.notifications, outcome.timeline, True))
        )[0][1]
        is Destination.INCIDENT
    )


def test_the_policys_own_decisions_dispatch_as_the_plan_says() -> None:
    """An escalation decided by the core, through the same policy's facts: out now, or into the incident."""
    for policy, destination in ((FLAT, Destination.OUTBOX), (GROUPED, Destination.INCIDENT)):
        pending = triggered(policy).alert
        assert pending.deadline_at is not None
        escalated = decide(
            pending, AlertEvent("alertmanager", "api-1", Action.DEADLINE_REACHED), pending.deadline_at, policy
        )
        answer = routed(policy, escalated)
        assert [(item.notify.kind, item.destination) for item in answer.messages] == [
            (NotificationKind.ESCALATED, destination)
        ]
        assert answer.joins is (policy is GROUPED)
