"""Replay speed with correlation on against off, in the same run (issue 15: ``holdoff replay`` with
correlation at >= 40,000 events/s).

The stream is the replay benchmark's day (:mod:`bench.streamgen`, seed 1, 24 h, 40 services) under its policy
(``bench/policies/day.yaml``: ``group_by: [cluster]``, so every message goes through an incident and every
page through correlation). Each run replays it once with correlation off and once with the default
``correlation:`` section, alternating, so both see the same machine; the median of each is reported with
their ratio.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench import BenchmarkFailed, streamgen
from bench.replay import DAY_SERVICES, HOURS, day_settings
from holdoff.policy.section import build_policy
from holdoff.replay import stream as stream_file
from holdoff.replay.report import replay

GOAL_EVENTS_PER_S: Final = 40_000
SEED: Final = 1


@dataclass(frozen=True)
class Speed:
    events: int
    off: list[float]
    """Events per second of each run with correlation off."""
    on: list[float]
    joins: int
    """Incident groups correlation joined (the same every run)."""

    @property
    def ratio(self) -> float:
        return statistics.median(self.on) / statistics.median(self.off)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": {
                "seed": SEED,
                "hours": HOURS,
                "services": DAY_SERVICES,
                "policy": "bench/policies/day.yaml",
            },
            "events": self.events,
            "events_per_s_off": [round(rate) for rate in self.off],
            "events_per_s_on": [round(rate) for rate in self.on],
            "median_off": round(statistics.median(self.off)),
            "median_on": round(statistics.median(self.on)),
            "on_over_off": round(self.ratio, 3),
            "joins": self.joins,
            "goal_events_per_s": GOAL_EVENTS_PER_S,
            "goal_met": statistics.median(self.on) >= GOAL_EVENTS_PER_S,
        }


def measure(work_dir: Path, runs: int = 3) -> Speed:
    """Replay the day ``runs`` times each way, alternating."""
    settings = day_settings(work_dir)
    path = work_dir / "correlation-speed.jsonl"
    streamgen.write(streamgen.generate(seed=SEED, hours=HOURS, services=DAY_SERVICES), path)
    try:
        items = list(stream_file.read(path, settings))
    except stream_file.StreamError as exc:
        raise BenchmarkFailed(f"the replay day does not parse: {exc}") from exc
    policy = build_policy(settings.policy)
    off: list[float] = []
    on: list[float] = []
    joins = -1
    for _ in range(runs):
        for rates, correlation in ((off, None), (on, settings.correlation)):
            gc.collect()
            began = time.perf_counter()
            report = replay(policy, items, correlation=correlation)
            rates.append(len(items) / (time.perf_counter() - began))
            if correlation is not None:
                if joins not in (-1, report.correlated):
                    raise BenchmarkFailed("two runs of the same stream joined different incidents")
                joins = report.correlated
    return Speed(len(items), off, on, joins)
