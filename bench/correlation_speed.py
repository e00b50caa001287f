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
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench import BenchmarkFailed, streamgen, streamgen_cascade
from bench.replay import DAY_SERVICES, HOURS, day_settings
from holdoff.correlate.config import CorrelationConfig
from holdoff.mediate.policy import Policy
from holdoff.policy.section import build_policy
from holdoff.replay import stream as stream_file
from holdoff.replay.report import replay
from holdoff.replay.stream import StreamEvent
from holdoff.settings import Settings

GOAL_EVENTS_PER_S: Final = 40_000
SEED: Final = 1
CASCADE_SERVICES: Final = 600


@dataclass(frozen=True)
class Speed:
    stream: dict[str, Any]
    events: int
    off: list[float]
    """Events per CPU second of each run with correlation off (CPU time of this process, not wall time:
    the machine is shared, and a replay is one single-threaded process)."""
    on: list[float]
    joins: int
    """Incident groups correlation joined (the same every run)."""
    decisions: int
    """Correlation decisions taken (group pages that went through ``decide``)."""

    @property
    def ratio(self) -> float:
        return statistics.median(self.on) / statistics.median(self.off)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "events": self.events,
            "unit": "events per CPU second of the replaying process",
            "events_per_s_off": [round(rate) for rate in self.off],
            "events_per_s_on": [round(rate) for rate in self.on],
            "median_off": round(statistics.median(self.off)),
            "median_on": round(statistics.median(self.on)),
            "on_over_off": round(self.ratio, 3),
            "joins": self.joins,
            "decisions": self.decisions,
            "goal_events_per_s": GOAL_EVENTS_PER_S,
            "goal_met": statistics.median(self.on) >= GOAL_EVENTS_PER_S,
        }


def _alternate(
    stream: dict[str, Any],
    items: list[StreamEvent],
    policy: Policy,
    correlation: CorrelationConfig,
    runs: int,
) -> Speed:
    off: list[float] = []
    on: list[float] = []
    joins = -1
    for _ in range(runs):
        for rates, config in ((off, None), (on, correlation)):
            gc.collect()
            began = time.process_time()
            report = replay(policy, items, correlation=config)
            rates.append(len(items) / (time.process_time() - began))
            if config is not None:
                if joins not in (-1, report.correlated):
                    raise BenchmarkFailed("two runs of the same stream joined different incidents")
                joins = report.correlated
    # One more run, not timed, to count the decisions (the sink costs time of its own).
    kinds: Counter[str] = Counter()
    replay(policy, items, correlation=correlation, decisions=lambda entry: kinds.update((entry["type"],)))
    decisions = kinds["correlation"]
    return Speed(stream, len(items), off, on, joins, decisions)


def measure(work_dir: Path, cascade_settings: Settings, runs: int = 3) -> list[Speed]:
    """Replay each stream ``runs`` times each way, alternating: the replay benchmark's day, and a
    cascade day with ten times the services (many correlation decisions) under ``cascade_settings``."""
    settings = day_settings(work_dir)
    path = work_dir / "correlation-speed.jsonl"
    streamgen.write(streamgen.generate(seed=SEED, hours=HOURS, services=DAY_SERVICES), path)
    try:
        items = list(stream_file.read(path, settings))
    except stream_file.StreamError as exc:
        raise BenchmarkFailed(f"the replay day does not parse: {exc}") from exc
    day = {
        "name": "replay day",
        "seed": SEED,
        "hours": HOURS,
        "services": DAY_SERVICES,
        "policy": "bench/policies/day.yaml",
    }
    speeds = [_alternate(day, items, build_policy(settings.policy), settings.correlation, runs)]
    generated = streamgen_cascade.generate(seed=SEED, services=CASCADE_SERVICES, service_field=False)
    try:
        cascade = list(
            stream_file.parse_lines(
                [json.dumps(line) for line in generated.lines], cascade_settings, name="cascade"
            )
        )
    except stream_file.StreamError as exc:
        raise BenchmarkFailed(f"the cascade day does not parse: {exc}") from exc
    topology = {name: tuple(targets) for name, targets in generated.topology.items()}
    correlation = cascade_settings.correlation.model_copy(update={"topology": topology})
    stream = {
        "name": "cascade day",
        "seed": SEED,
        "hours": 24,
        "services": CASCADE_SERVICES,
        "policy": "grace_seconds: 600, group_by: [service] (transients notify)",
    }
    speeds.append(_alternate(stream, cascade, build_policy(cascade_settings.policy), correlation, runs))
    return speeds
