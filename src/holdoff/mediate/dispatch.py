"""Where each decided message goes: out now, into the alert's incident, into a digest, or nowhere.

:func:`~holdoff.mediate.engine.decide` says *what* to tell people (an outcome's :class:`Notify` tuple);
:func:`dispatch` says *where* each of those goes, from the policy's facts about the alert and the
channels this process has. The service (:mod:`holdoff.service.mediation`) writes the answer as outbox,
incident and digest rows; replay (:mod:`holdoff.replay.simulator`) keeps it in memory. Both call this one
function, so what replay reports is what the service does. Pure: no database, no clock, no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from holdoff.mediate.grouping import Grouping
from holdoff.mediate.model import OPEN_STATES, NotificationKind, Notify, Outcome
from holdoff.mediate.policy import Facts


class Channels(Protocol):
    """The channels a process has (:class:`holdoff.service.channel_set.ChannelSet`)."""

    def __contains__(self, name: object) -> bool: ...

    def takes(self, name: str, kind: NotificationKind) -> bool: ...


class Destination(enum.StrEnum):
    OUTBOX = "outbox"
    """Sent now: one outbox row per channel."""
    INCIDENT = "incident"
    """Collected by the alert's incident and sent with its next message."""
    DIGEST = "digest"
    """A line in each channel's next digest."""
    HELD = "held"
    """Goes nowhere: no channel named, or none of them takes it."""


class Routed(NamedTuple):
    """One :class:`Notify` and where it goes."""

    notify: Notify
    destination: Destination
    channels: tuple[str, ...]
    """The channels it goes to (for an incident: those its next message will name)."""
    unconfigured: tuple[str, ...] = ()
    """Channels the policy names for a message sent now that this process does not have: said in the
    alert's timeline, so that a page that went nowhere is not a silent one."""


class IncidentJoin(NamedTuple):
    """The incident an outcome folds into (:func:`holdoff.mediate.grouping.join`): its group's."""

    grouping: Grouping
    route: str
    key: str
    """The group key (:attr:`holdoff.mediate.policy.Facts.group_key`)."""
    opens: bool
    """Whether it may open an incident when its group has none open (see :attr:`Dispatch.opens`)."""

    @classmethod
    def of(cls, facts: Facts, opens: bool) -> IncidentJoin:
        """The incident of the group ``facts`` name (their route groups)."""
        assert facts.plan.grouping is not None and facts.group_key is not None
        return cls(facts.plan.grouping, facts.plan.group_route, facts.group_key, opens)


class Dispatch(NamedTuple):
    messages: tuple[Routed, ...]
    """One per notification of the outcome, in their order."""
    joins: bool = False
    """The outcome folds into the incident of its group (:meth:`IncidentJoin.of` the facts): the alert's
    route groups and the outcome changed the alert."""
    opens: bool = False
    """It may open that incident when its group has none open: not an alert that closed with nothing to
    say (it resolved outside any open incident, e.g. grouping was just turned on)."""


NOTHING = Dispatch(())
_JOINS_CLOSED = Dispatch((), joins=True, opens=False)
_JOINS_OPEN = Dispatch((), joins=True, opens=True)
_MEMO_SIZE = 4096
_memo: dict[
    tuple[int, int, bool], tuple[tuple[Notify, ...], Channels | None, tuple[Dispatch, Dispatch, Dispatch]]
] = {}
"""By the ids of a notifications tuple and a channel set, and whether the alert's route groups: the
answers for an outcome that does not join an incident, one of a closed alert that joins, and one of an
open alert that joins. The entry holds the tuple and the channels, so their ids are not reused while it
lives; the policy's plans keep one notifications tuple per kind, so nearly every outcome finds its answer
here (replay dispatches every event: answers are made once, not per event)."""


def dispatch(outcome: Outcome, facts: Facts, channels: Channels | None = None) -> Dispatch:
    """Where each of ``outcome``'s notifications goes, and whether the outcome joins its incident.

    ``facts``: the policy's facts about the outcome's alert; ``channels``: what this process has (None:
    every channel the policy names, taking every kind, as replay assumes). The answer depends on these
    alone.
    """
    grouped = facts.group_key is not None  # set exactly when the alert's route groups
    notifications = outcome.notifications
    if not notifications:  # most events: at most who fires changes
        if not grouped or not outcome.changed:
            return NOTHING
        return _JOINS_OPEN if outcome.alert.state in OPEN_STATES else _JOINS_CLOSED
    key = (id(notifications), id(channels), grouped)
    hit = _memo.get(key)
    if hit is None or hit[0] is not notifications or hit[1] is not channels:
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        hit = _memo[key] = (notifications, channels, _answers(notifications, grouped, channels))
    # Not changed: nothing new for an incident (and no message either: only a change notifies).
    if not grouped or not outcome.changed:
        return hit[2][0]
    return hit[2][2] if outcome.alert.state in OPEN_STATES else hit[2][1]


def _answers(
    notifications: tuple[Notify, ...], grouped: bool, channels: Channels | None
) -> tuple[Dispatch, Dispatch, Dispatch]:
    messages = tuple([_route(notify, grouped, channels) for notify in notifications])
    collected = any(item.destination is Destination.INCIDENT for item in messages)
    return (
        Dispatch(messages),
        Dispatch(messages, joins=True, opens=collected),
        Dispatch(messages, joins=True, opens=True),
    )


def _route(notify: Notify, grouped: bool, channels: Channels | None) -> Routed:
    if notify.digest:
        lines = taking(notify.channels, NotificationKind.DIGEST, channels)
        return Routed(notify, Destination.DIGEST if lines else Destination.HELD, lines)
    if grouped:
        # The incident's flush picks, for its message, the channels that take it (see ``taking``).
        return Routed(notify, Destination.INCIDENT if notify.channels else Destination.HELD, notify.channels)
    if channels is None:
        return Routed(notify, Destination.OUTBOX if notify.channels else Destination.HELD, notify.channels)
    to: list[str] = []
    unconfigured: list[str] = []
    for name in notify.channels:
        if name not in channels:
            unconfigured.append(name)
        elif channels.takes(name, notify.kind):
            to.append(name)
        # else: a channel that does not take this kind (e.g. acknowledgements to a post-only channel)
    return Routed(notify, Destination.OUTBOX if to else Destination.HELD, tuple(to), tuple(unconfigured))


def taking(names: Iterable[str], kind: NotificationKind, channels: Channels | None) -> tuple[str, ...]:
    """The channels of ``names`` that take messages of ``kind`` (all of them when ``channels`` is None)."""
    if channels is None:
        return tuple(names)
    return tuple(name for name in names if channels.takes(name, kind))
