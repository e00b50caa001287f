"""Escalation chains: who is told when an escalated alert stays unacknowledged.

A chain is ordered steps, each naming channels and how long to wait before the next step; after
the last step it starts over, ``repeat`` rounds in all. The first step goes out with the escalation
itself; each later step is a reminder. An acknowledgement (or suppression, or resolution) ends the
chain. Without a chain, an escalation goes to the route's ``escalated`` channels once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from holdoff.mediate.evolve import evolve
from holdoff.mediate.model import AlertRecord, NotificationKind, Notify


@dataclass(frozen=True)
class ChainStep:
    channels: tuple[str, ...]
    wait: timedelta
    """How long after this step the next one goes out if nobody acknowledged."""


@dataclass(frozen=True)
class EscalationChain:
    steps: tuple[ChainStep, ...]
    repeat: int = 1
    """Rounds through all steps (1: each step once)."""

    def _next(self, step: int, round_: int) -> tuple[int, int] | None:
        step += 1
        if step == len(self.steps):
            step, round_ = 0, round_ + 1
        return (step, round_) if round_ < self.repeat else None


def start(
    chain: EscalationChain, alert: AlertRecord, now: datetime
) -> tuple[AlertRecord, tuple[Notify, ...]]:
    """The escalation itself: the first step's channels, and the timer for the second."""
    first = chain.steps[0]
    following = chain._next(0, 0)
    due = now + first.wait if following is not None else None
    alert = evolve(alert, chain_step=0, chain_round=0, chain_next_at=due)
    return alert, ((Notify(NotificationKind.ESCALATED, first.channels),) if first.channels else ())


def advance(
    chain: EscalationChain, alert: AlertRecord, now: datetime
) -> tuple[AlertRecord, tuple[Notify, ...]]:
    """The step that is due: its channels as a reminder, and the timer for the one after."""
    position = chain._next(alert.chain_step, alert.chain_round)
    if position is None:
        return evolve(alert, chain_next_at=None), ()
    step, round_ = position
    following = chain._next(step, round_)
    due = now + chain.steps[step].wait if following is not None else None
    alert = evolve(alert, chain_step=step, chain_round=round_, chain_next_at=due)
    sequence = round_ * len(chain.steps) + step
    channels = chain.steps[step].channels
    return alert, ((Notify(NotificationKind.REMINDER, channels, sequence),) if channels else ())
