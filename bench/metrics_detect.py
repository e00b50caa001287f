"""Metric detection benchmark (issue 14): the streaming detector's speed, a fleet through the real shell,
and Isolation Forest training.

1. **Streaming detector**: points/s on one core over ``--detect-points`` points of synthetic daily
   series, through ``score_many`` (the fast path) and through ``score`` (the per-point
   ``SeriesDetector`` call the shell makes), beside a reference measured in the same run: an
   exponentially weighted mean and variance z-score in the same pure-Python loop (the least any online
   detector does). Goal: >= 200,000 points/s per core (``score_many``).
2. **Fleet**: ``--detect-series`` series (default 10,000) at one point every 10 s go through the real
   shell on SQLite: :class:`~holdoff.service.metric_ingest.MetricIngest` storing the samples and
   :class:`~holdoff.service.metric_detect.MetricDetect` scoring them in the same transaction (the
   default ``detectors:`` entry, the streaming detector), in batches of 2,000 samples (Prometheus'
   ``max_samples_per_send``), for ``--detect-ticks`` ticks. Real time needs series/10 points/s (1,000
   for 10,000 series); the achieved rate is reported with that ratio, beside storing alone (the same
   batches with no detection) as the reference. Memory: the process's peak RSS, the detector states'
   stored size per series and the database file.
3. **Isolation Forest**: training time for 14 days of 1-minute data (20,160 points, features and
   100 trees), and scoring per point from the saved arrays.

One JSON result: ``bench/results/metrics-detect-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Text, cast, func, select

from bench import Benchmark
from bench.common import machine_info, positive_int, verdict, write_result
from holdoff.detectors.config import default_entries
from holdoff.detectors.iforest import IsolationForestConfig, fit
from holdoff.detectors.streaming import StreamingConfig
from holdoff.metrics.model import Sample
from holdoff.service.metric_detect import MetricDetect
from holdoff.service.metric_ingest import MetricIngest
from holdoff.store import migrate
from holdoff.store.db import Database
from holdoff.store.metric_tables import metric_detector_state

GOAL_POINTS_PER_SECOND = 200_000
BATCH = 2_000
STEP = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("metrics-detect")
    group.add_argument(
        "--detect-points", type=positive_int, default=1_000_000, help="points for the speed test"
    )
    group.add_argument("--detect-series", type=positive_int, default=10_000, help="series in the fleet")
    group.add_argument("--detect-ticks", type=positive_int, default=6, help="10-second ticks of the fleet")


def _series(n: int, seed: int, step: float = 60.0) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    times = [1_700_000_000 + step * i for i in range(n)]
    values = [50 + 20 * math.sin(2 * math.pi * t / 86_400) + rng.gauss(0, 2) for t in times]
    return times, values


def _reference(times: list[float], values: list[float]) -> list[float]:
    mean, var, alpha, out = values[0], 1.0, 0.01, []
    for value in values:
        z = abs(value - mean) / math.sqrt(var + 1e-12)
        out.append(min(1.0, z / 6))
        delta = value - mean
        mean += alpha * delta
        var = (1 - alpha) * (var + alpha * delta * delta)
    return out


def speed(points: int) -> dict[str, float]:
    times, values = _series(points, 1)
    detector = StreamingConfig().build()
    best: dict[str, float] = {}
    for _ in range(3):
        state = detector.new_state()
        started = time.perf_counter()
        detector.score_many(state, times, values)
        best["score_many"] = max(best.get("score_many", 0.0), points / (time.perf_counter() - started))
        started = time.perf_counter()
        _reference(times, values)
        best["reference"] = max(best.get("reference", 0.0), points / (time.perf_counter() - started))
    state = detector.new_state()
    part = min(points, 200_000)
    started = time.perf_counter()
    for t, v in zip(times[:part], values[:part], strict=True):
        detector.score(state, t, v)
    best["score"] = part / (time.perf_counter() - started)
    return best


def _tick(series: int, tick: int, start: datetime) -> list[Sample]:
    at = start + timedelta(seconds=STEP * tick)
    rng = random.Random(tick)
    return [
        Sample(
            name="node_cpu_usage",
            labels={"instance": f"host-{n:05d}:9100", "job": "node"},
            timestamp=at,
            value=50 + 10 * math.sin(n + tick / 60) + rng.gauss(0, 1),
        )
        for n in range(series)
    ]


def fleet(series: int, ticks: int, *, detect: bool, folder: Path) -> dict[str, Any]:
    db = Database(f"sqlite:///{folder / ('fleet.db' if detect else 'store.db')}")
    migrate.upgrade(db)
    after = MetricDetect(default_entries()) if detect else None
    ingest = MetricIngest(db, clock=lambda: datetime.now(UTC), max_series=series * 2, after=after)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=STEP * ticks)
    batches = [_tick(series, tick, start) for tick in range(ticks)]
    busy = 0.0
    for samples in batches:
        for offset in range(0, len(samples), BATCH):
            chunk = samples[offset : offset + BATCH]
            started = time.perf_counter()
            ingest.ingest(chunk)
            busy += time.perf_counter() - started
    with db.read() as conn:
        states = conn.execute(select(func.count()).select_from(metric_detector_state)).scalar_one()
        sizes = conn.execute(
            select(func.sum(func.length(cast(metric_detector_state.c.state, Text))))
        ).scalar()
    db.dispose()
    points = series * ticks
    return {
        "points": points,
        "seconds": busy,
        "points_per_second": points / busy,
        "states": states,
        "state_bytes_per_series": (sizes or 0) / max(states, 1),
        "db_bytes": sum(p.stat().st_size for p in folder.glob(("fleet" if detect else "store") + ".db*")),
    }


def iforest() -> dict[str, float]:
    times, values = _series(14 * 1440, 2)
    points = list(zip(times, values, strict=True))
    config = IsolationForestConfig()
    started = time.perf_counter()
    forest, _ = fit(config, "bench", "s", points, datetime.now(UTC))
    trained = time.perf_counter() - started
    import numpy as np

    row = np.array([values[-1], 0.1, 0.2, 0.3, 1.0, 2.0, 0.0, 1.0, 0.0, 1.0])
    started = time.perf_counter()
    for _ in range(2_000):
        forest.raw_score(row)
    per_point = (time.perf_counter() - started) / 2_000
    return {"points": len(points), "train_seconds": trained, "score_microseconds": per_point * 1e6}


def run(args: argparse.Namespace) -> int:
    console = Console()
    quick = bool(getattr(args, "quick", False))
    points = min(args.detect_points, 200_000) if quick else args.detect_points
    series = min(args.detect_series, 2_000) if quick else args.detect_series
    ticks = min(args.detect_ticks, 3) if quick else args.detect_ticks
    console.rule("[bold]metrics-detect[/]")
    fast = speed(points)
    with tempfile.TemporaryDirectory(prefix="holdoff-bench-") as folder:
        stored = fleet(series, ticks, detect=False, folder=Path(folder))
        detected = fleet(series, ticks, detect=True, folder=Path(folder))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    forest = iforest()
    needed = series / STEP
    table = Table("measure", "value", "reference (same run)", "ratio", "goal", "verdict")
    table.add_row(
        "streaming score_many, points/s (1 core)",
        f"{fast['score_many']:,.0f}",
        f"EWMA z-score {fast['reference']:,.0f}",
        f"{fast['score_many'] / fast['reference']:.2f}x",
        f">= {GOAL_POINTS_PER_SECOND:,}",
        verdict(fast["score_many"] >= GOAL_POINTS_PER_SECOND),
    )
    table.add_row("streaming score (per point), points/s", f"{fast['score']:,.0f}", "", "", "", "")
    table.add_row(
        f"fleet {series:,} series / 10 s, points/s through the shell (SQLite)",
        f"{detected['points_per_second']:,.0f}",
        f"storing alone {stored['points_per_second']:,.0f}",
        f"{detected['points_per_second'] / needed:.1f}x real time",
        f">= {needed:,.0f}",
        verdict(detected["points_per_second"] >= needed),
    )
    table.add_row(
        "fleet memory",
        f"peak RSS {rss / 2**20:,.0f} MiB",
        f"state {detected['state_bytes_per_series']:,.0f} B/series",
        f"db {detected['db_bytes'] / 2**20:,.1f} MiB",
        "",
        "",
    )
    table.add_row(
        "isolation forest: 14 days of 1-minute data",
        f"train {forest['train_seconds']:.2f} s",
        f"score {forest['score_microseconds']:.0f} µs/point",
        "",
        "",
        "",
    )
    console.print(table)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_result(
        "metrics-detect",
        stamp,
        {
            "benchmark": "metrics-detect",
            "quick": quick,
            "machine": machine_info(),
            "streaming": fast,
            "fleet": {
                "series": series,
                "ticks": ticks,
                "needed_points_per_second": needed,
                "store_only": stored,
                "with_detection": detected,
            },
            "peak_rss_bytes": rss,
            "isolation_forest": forest,
        },
    )
    print(f"result: {path}")
    return 0


BENCHMARK = Benchmark(
    name="metrics-detect",
    summary="streaming detector points/s, a 10,000-series fleet through the real shell, Isolation Forest training",
    add_arguments=add_arguments,
    run=run,
)
