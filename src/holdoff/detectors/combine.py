"""One anomaly score per point from the scores of an entry's detectors, and the series' learning state.

The rule (docs/metrics-detectors.md):

- **score**: the highest score among the detectors that are not warming up. A detector still warming
  up never contributes (its bands are not learned yet); if every detector is warming up the score is 0.
  The maximum is used because the detectors answer different questions (a threshold: "is it above 90
  for 5 minutes", the streaming detector: "is it outside what this hour usually looks like"): any one
  of them being sure is enough, and averaging would let a quiet detector hide a loud one.
- **learning**: warming up while *every* detector is (the missing history is the shortest any of them
  still needs); low confidence when every detector that is not warming up is low confidence; ready
  otherwise.
- **reasons**: what each contributing detector said, the highest score first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from holdoff.detectors.model import Learning, Phase, Scored


@dataclass(frozen=True, slots=True)
class Combined:
    t: float
    value: float
    score: float
    learning: Learning
    reasons: tuple[str, ...] = ()
    """``name: reason`` of each contributing detector that gave one, highest score first."""


def combine(t: float, value: float, scored: Sequence[tuple[str, Scored]]) -> Combined:
    """The combined score and learning state of one point (``scored``: each detector's name and answer)."""
    counted = [(name, s) for name, s in scored if s.learning.phase is not Phase.WARMING_UP]
    if not counted:
        missing = min((s.learning.missing_seconds for _, s in scored), default=0.0)
        notes = "; ".join(f"{name}: {s.learning.note}" for name, s in scored if s.learning.note)
        return Combined(t, value, 0.0, Learning(Phase.WARMING_UP, missing, notes))
    counted.sort(key=lambda item: item[1].score, reverse=True)
    score = min(max(counted[0][1].score, 0.0), 1.0)
    if all(s.learning.phase is Phase.LOW_CONFIDENCE for _, s in counted):
        notes = "; ".join(f"{name}: {s.learning.note}" for name, s in counted if s.learning.note)
        learning = Learning(Phase.LOW_CONFIDENCE, 0.0, notes)
    else:
        learning = Learning(Phase.READY)
    reasons = tuple(f"{name}: {s.reason}" for name, s in counted if s.reason and s.score > 0)
    return Combined(t, value, score, learning, reasons)
