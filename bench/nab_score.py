"""The Numenta Anomaly Benchmark scorer, re-implemented from NAB's method (Lavin & Ahmad 2015, NAB v1.1).

Every file of the corpus has labelled anomaly **windows** (first and last row, inclusive). A detector
gives each row an anomaly score; a row whose score reaches the threshold is a detection. Per file:

- The **probationary period**, the first ``min(floor(0.15 * rows), 0.15 * 5000)`` rows, is not scored:
  the detector is learning.
- A window counts once, by its **earliest** detection: ``tpWeight * S(p) / S(-1)`` where ``p`` is the
  detection's position relative to the window's right end, ``-(right - i + 1) / width`` (``-1`` at the
  first row of the window, near ``0`` at its last) and ``S(p) = 2 * sigmoid(-5p) - 1`` is the **scaled
  sigmoid**: an early detection earns about 1, one at the end of the window about 0. A window without
  any detection costs ``fnWeight``.
- Every detection outside the windows is a **false positive** and costs ``fpWeight * S(p)`` where ``p``
  is its distance past the end of the preceding window over that window's width minus one (``S(p)``
  tends to -1 after about one window width; a detection right after a window costs almost nothing); a
  false positive before any window costs ``fpWeight`` in full.

The **threshold** is chosen per detector and profile over the whole corpus: every distinct anomaly
score is a candidate (a sweep from the highest down, starting at 1.1: nothing detected), and the best
total wins (the highest threshold among equal totals). The total is then **normalised**:
``100 * (raw - null) / (perfect - null)`` with ``null = -fnWeight * windows`` (nothing detected) and
``perfect = tpWeight * windows`` (every window detected at its first row, no false positive).

Pure functions over plain lists: no files, no clock (loading is :mod:`bench.nab_data`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

PROBATION_PERCENT: Final = 0.15
START_THRESHOLD: Final = 1.1
"""The sweep's first threshold, above every score: nothing detected."""


@dataclass(frozen=True, slots=True)
class CostMatrix:
    """A NAB application profile's weights."""

    tp: float
    fp: float
    fn: float


PROFILES: Final[Mapping[str, CostMatrix]] = {
    "standard": CostMatrix(tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": CostMatrix(tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": CostMatrix(tp=1.0, fp=0.11, fn=2.0),
}
"""NAB's ``config/profiles.json`` (the benchmark reads the file when it is there)."""


def scaled_sigmoid(position: float) -> float:
    """``2 * sigmoid(-5 * position) - 1``, and -1 from 3 window widths past a window on."""
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


MAX_TP: Final = scaled_sigmoid(-1.0)
"""The weight of a detection at a window's first row (0.98661); true positives are divided by it."""


def probation_length(rows: int) -> float:
    """How many leading rows are not scored: 15 % of the file, at most 750 (15 % of 5000)."""
    return min(math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000)


@dataclass(frozen=True, slots=True)
class ScoredFile:
    """One file ready for scoring: per row, its window (or none) and its unweighted sweep value.

    ``window[i]`` is the index of the row's window in the file (``-1`` outside every window,
    ``-2`` in the probationary period). ``value[i]`` is ``S(p) / S(-1)`` inside a window (to be
    multiplied by ``tpWeight``) and ``S(p)`` outside (to be multiplied by ``fpWeight``).
    """

    name: str
    window: tuple[int, ...]
    value: tuple[float, ...]
    windows: int
    """Windows with at least one scored row."""


PROBATION: Final = -2
OUTSIDE: Final = -1


def prepare(name: str, rows: int, windows: Sequence[tuple[int, int]]) -> ScoredFile:
    """Window membership and sweep values of a file's ``rows`` rows; ``windows`` are (first, last) row indices."""
    ordered = sorted(windows)
    for (first, last), following in zip(ordered, [*ordered[1:], (rows, rows)], strict=False):
        if not 0 <= first <= last < following[0]:
            raise ValueError(f"{name}: windows must lie in the file, in order, without overlap: {ordered}")
    probation = probation_length(rows)
    window: list[int] = []
    value: list[float] = []
    current = 0
    previous_right: int | None = None
    previous_width = 0.0
    for i in range(rows):
        if current < len(ordered) and ordered[current][0] <= i <= ordered[current][1]:
            first, last = ordered[current]
            width = float(last - first + 1)
            window.append(current)
            value.append(scaled_sigmoid(-(last - i + 1) / width) / MAX_TP)
            if i == last:
                previous_right, previous_width = last, width
                current += 1
        else:
            window.append(OUTSIDE)
            if previous_right is None:
                value.append(scaled_sigmoid(3.0))
            else:
                # A one-row window leaves no width to measure by: NAB's formula divides by zero there.
                past = abs(previous_right - i) / (previous_width - 1) if previous_width > 1 else 3.0
                value.append(scaled_sigmoid(past))
        if i < probation:
            window[-1] = PROBATION
    counted = len({index for index in window if index >= 0})
    return ScoredFile(name, tuple(window), tuple(value), counted)


@dataclass(frozen=True, slots=True)
class Total:
    """A detector's raw score over the corpus at one threshold, with its counts."""

    threshold: float
    score: float
    detected_windows: int
    windows: int
    false_positives: int


def sweep(
    files: Sequence[ScoredFile], scores: Sequence[Sequence[float]], cost: CostMatrix
) -> list[tuple[float, float]]:
    """``(threshold, raw score)`` for every distinct anomaly score, from the highest threshold down.

    The entry for threshold ``t`` counts every scored row whose anomaly score is at least ``t``.
    """
    points: list[tuple[float, int, float]] = []
    window_count = 0
    for file, file_scores in zip(files, scores, strict=True):
        if len(file_scores) != len(file.window):
            raise ValueError(f"{file.name}: {len(file_scores)} scores for {len(file.window)} rows")
        for anomaly, window, value in zip(file_scores, file.window, file.value, strict=True):
            if window == PROBATION:
                continue
            if window == OUTSIDE:
                points.append((anomaly, -1, value * cost.fp))
            else:
                points.append((anomaly, window_count + window, value * cost.tp))
        window_count += file.windows
    points.sort(key=lambda point: point[0], reverse=True)
    best = [-cost.fn] * window_count
    score = -cost.fn * window_count
    threshold = START_THRESHOLD
    result: list[tuple[float, float]] = []
    for anomaly, window, contribution in points:
        if anomaly != threshold:
            result.append((threshold, score))
            threshold = anomaly
        if window < 0:
            score += contribution
        elif contribution > best[window]:
            score += contribution - best[window]
            best[window] = contribution
    result.append((threshold, score))
    return result


def best_threshold(sweep_result: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The threshold with the highest score (the highest such threshold on a tie) and its score."""
    top = max(score for _, score in sweep_result)
    return next((threshold, score) for threshold, score in sweep_result if score == top)


def score_at(file: ScoredFile, scores: Sequence[float], threshold: float, cost: CostMatrix) -> Total:
    """A file's raw score when every row scoring at least ``threshold`` is a detection."""
    best = [-cost.fn] * file.windows
    false_positive = 0.0
    count = 0
    for anomaly, window, value in zip(scores, file.window, file.value, strict=True):
        if window == PROBATION or anomaly < threshold:
            continue
        if window == OUTSIDE:
            false_positive += value * cost.fp
            count += 1
        else:
            best[window] = max(best[window], value * cost.tp)
    detected = sum(1 for score in best if score > -cost.fn)
    return Total(threshold, sum(best) + false_positive, detected, file.windows, count)


def normalised(raw: float, windows: int, cost: CostMatrix) -> float:
    """``100 * (raw - null) / (perfect - null)``: 0 for the null detector, 100 for the perfect one."""
    null = -cost.fn * windows
    perfect = cost.tp * windows
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True, slots=True)
class ProfileResult:
    profile: str
    threshold: float
    raw: float
    score: float
    detected_windows: int
    windows: int
    false_positives: int


def evaluate(
    files: Sequence[ScoredFile], scores: Sequence[Sequence[float]], profile: str, cost: CostMatrix
) -> ProfileResult:
    """NAB's result for one detector and one profile: the best corpus threshold, then the normalised score."""
    threshold, _ = best_threshold(sweep(files, scores, cost))
    totals = [
        score_at(file, file_scores, threshold, cost) for file, file_scores in zip(files, scores, strict=True)
    ]
    raw = sum(total.score for total in totals)
    windows = sum(total.windows for total in totals)
    return ProfileResult(
        profile=profile,
        threshold=threshold,
        raw=raw,
        score=normalised(raw, windows, cost),
        detected_windows=sum(total.detected_windows for total in totals),
        windows=windows,
        false_positives=sum(total.false_positives for total in totals),
    )
