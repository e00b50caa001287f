"""Learn service dependencies from history: pairs whose alerts start together far more often than chance.

For services ``a`` (the rarer of the two, ``n_a`` starts) and ``b`` (``n_b`` starts) over a history of
length ``T``, **together** is how many of ``a``'s starts have a start of ``b`` within ``window``. If the two
were independent, a start of ``a`` would find one of ``b`` within ``window`` with probability
``p = 1 - exp(-n_b * 2 * window / T)`` (``b``'s starts as a Poisson process), so **expected** is
``n_a * p`` and **lift** is ``together / expected``. A pair is kept when it co-started at least
``min_count`` times with a lift of at least ``min_lift``: two noisy services that fire all day meet often
but by chance (a lift near 1); a database and the service that calls it meet rarely but every time.

Also kept, per pair, which one started first how often: :mod:`holdoff.correlate.root` reads it.
Pure over a list of ``(service, start)`` events; the shell reads them from the alert history.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from holdoff.correlate.model import Learned, LearnedDependency


def learn(
    events: Iterable[tuple[str, datetime]],
    window: timedelta,
    *,
    min_count: int = 5,
    min_lift: float = 5.0,
) -> Learned:
    """The dependencies the history shows (see the module docstring for the statistics)."""
    starts: dict[str, list[float]] = defaultdict(list)
    for service, started in events:
        if service:
            starts[service].append(started.timestamp())
    if len(starts) < 2:
        return Learned()
    for times in starts.values():
        times.sort()
    first = min(times[0] for times in starts.values())
    last = max(times[-1] for times in starts.values())
    span = max(last - first, 2 * window.total_seconds())
    width = window.total_seconds()
    candidates = _pairs_that_meet(starts, width)
    pairs: dict[tuple[str, str], LearnedDependency] = {}
    for a, b in candidates:
        rare, common = (a, b) if (len(starts[a]), a) <= (len(starts[b]), b) else (b, a)
        together, rare_first, common_first = _together(starts[rare], starts[common], width)
        if together < min_count:
            continue
        chance = 1.0 - math.exp(-len(starts[common]) * 2.0 * width / span)
        expected = len(starts[rare]) * chance
        lift = together / expected if expected > 0 else math.inf
        if lift < min_lift:
            continue
        a_first, b_first = (rare_first, common_first) if rare == a else (common_first, rare_first)
        pairs[(a, b)] = LearnedDependency(
            a, b, together, round(expected, 3), round(lift, 2), a_first, b_first
        )
    return Learned(pairs)


def _pairs_that_meet(starts: dict[str, list[float]], width: float) -> set[tuple[str, str]]:
    """The (sorted) pairs of services with at least one pair of starts within ``width``: a sweep over
    all starts in time order, so services that never meet cost nothing."""
    timeline = sorted((time, service) for service, times in starts.items() for time in times)
    found: set[tuple[str, str]] = set()
    begin = 0
    recent: Counter[str] = Counter()
    for time, service in timeline:
        while timeline[begin][0] < time - width:
            old = timeline[begin][1]
            recent[old] -= 1
            if not recent[old]:
                del recent[old]
            begin += 1
        for other in recent:
            if other != service:
                found.add((other, service) if other < service else (service, other))
        recent[service] += 1
    return found


def _together(rare: list[float], common: list[float], width: float) -> tuple[int, int, int]:
    """How many of ``rare``'s starts have one of ``common`` within ``width``; and, of those, how often
    ``rare`` started first (before the nearest) and how often ``common`` did."""
    together = rare_first = common_first = 0
    for time in rare:
        low, high = bisect_left(common, time - width), bisect_right(common, time + width)
        if low == high:
            continue
        together += 1
        nearest = min(common[low:high], key=lambda other: abs(other - time))
        if nearest > time:
            rare_first += 1
        elif nearest < time:
            common_first += 1
    return together, rare_first, common_first
