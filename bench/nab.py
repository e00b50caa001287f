"""NAB benchmark (issue 14): the Numenta Anomaly Benchmark scored here, and Holdoff's streaming detector on it.

1. **The scorer is checked** (:mod:`bench.nab_score`): the per-row results NAB ships for reference
   detectors (``results/<detector>/``: Twitter ADVec, Windowed Gaussian) are scored with every profile
   and set beside the published ``final_results.json``. Acceptance: standard scores within 0.5.
2. **Holdoff's detector** (``StreamingConfig()``, the defaults: one configuration for all 58 files)
   scores every file from its first row, in one pass, as it would live; the three profiles are scored
   like any NAB detector (probation, windows, sweep for the best corpus threshold, normalisation), beside
   the published scoreboard. Goal: standard > 60, then > 70.
3. **Speed**: points/s of ``score_many`` over the whole corpus on one core (best of ``--nab-runs``),
   and the ratio to a reference measured in the same run: a bare rolling mean/deviation z-score loop
   (what NAB's Windowed Gaussian does, without its window). Goal: >= 200,000 points/s.

The corpus is read from ``../shared/bench-data/nab`` beside the repository; when it is absent the
benchmark says so and measures nothing (exit 0). One JSON result: ``bench/results/nab-<stamp>.json``.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark
from bench.common import machine_info, positive_int, verdict, write_result
from bench.nab_data import (
    NAB_DIR,
    DataFile,
    load_corpus,
    missing,
    profiles,
    published,
    reference_detectors,
    reference_scores,
)
from bench.nab_score import CostMatrix, ProfileResult, evaluate
from holdoff.detectors.streaming import StreamingConfig

GOAL_STANDARD: Final = 60.0
NEXT_GOAL_STANDARD: Final = 70.0
GOAL_POINTS_PER_S: Final = 200_000.0
REPRODUCED: Final = ("twitterADVec", "windowedGaussian")
TOLERANCE: Final = 0.5
SCOREBOARD: Final = {
    "randomCutForest": "Random Cut Forest",
    "earthgeckoSkyline": "Skyline",
    "knncad": "KNN-CAD",
    "contextOSE": "CAD OSE",
    "numenta": "HTM",
    "ARTime": "ARTime",
}
"""The published detectors shown beside Holdoff's (their names in ``final_results.json``)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("nab")
    group.add_argument(
        "--nab-runs", type=positive_int, default=3, help="timed passes over the corpus; the best counts (3)"
    )


def holdoff_scores(files: Sequence[DataFile], config: StreamingConfig) -> tuple[list[list[float]], float]:
    """The detector's scores per file (a new series state per file) and the seconds it took."""
    detector = config.build()
    started = time.perf_counter()
    scores = [detector.score_many(detector.new_state(), file.times, file.values) for file in files]
    return scores, time.perf_counter() - started


def reference_loop(files: Sequence[DataFile]) -> float:
    """Seconds for a bare exponentially weighted mean/deviation z-score over the corpus (the speed yardstick)."""
    started = time.perf_counter()
    for file in files:
        mean, var = 0.0, 0.0
        out: list[float] = []
        append = out.append
        for n, (t, x) in enumerate(zip(file.times, file.values, strict=True), start=1):
            delta = x - mean
            rate = 0.01 if n > 100 else 1.0 / n
            mean += rate * delta
            var = (1 - rate) * (var + rate * delta * delta)
            append(abs(x - mean) / math.sqrt(var) if var > 0 and t > 0 else 0.0)
    return time.perf_counter() - started


def _best(runs: int, work: Callable[[], float]) -> float:
    return min(work() for _ in range(runs))


def _evaluate_all(
    files: Sequence[DataFile], scores: Sequence[Sequence[float]], costs: dict[str, CostMatrix]
) -> dict[str, ProfileResult]:
    scored = [file.scored for file in files]
    return {name: evaluate(scored, scores, name, cost) for name, cost in costs.items()}


def _cell(result: ProfileResult, reference: float | None) -> str:
    text = f"{result.score:.2f}"
    return f"{text} ({reference:.2f})" if reference is not None else text


def run(args: argparse.Namespace) -> int:
    console = Console()
    absent = missing(NAB_DIR)
    if absent:
        console.print(f"[yellow]nab: the NAB corpus is absent ({absent} not found): nothing measured.[/]")
        return 0
    files = load_corpus(NAB_DIR)
    costs = profiles(NAB_DIR)
    board = published(NAB_DIR)
    runs = 1 if args.quick else args.nab_runs
    points = sum(len(file.times) for file in files)
    windows = sum(file.scored.windows for file in files)

    table = Table(
        title=f"nab: {len(files)} files, {points:,} points, {windows} windows; published scores in brackets; "
        "threshold, windows found and false positives: standard profile"
    )
    short = {"reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}
    for column in ("detector", *(short.get(name, name) for name in costs), "threshold", "windows", "FPs"):
        table.add_column(column, justify="left" if column == "detector" else "right")
    references: dict[str, dict[str, ProfileResult]] = {}
    for detector in reference_detectors(NAB_DIR):
        results = _evaluate_all(files, reference_scores(detector, files, NAB_DIR), costs)
        references[detector] = results
        standard = results["standard"]
        table.add_row(
            f"{detector} (reproduced)",
            *(_cell(results[name], board.get(detector, {}).get(name)) for name in costs),
            f"{standard.threshold:.4g}",
            f"{standard.detected_windows}/{standard.windows}",
            str(standard.false_positives),
        )
    config = StreamingConfig()
    scores, _ = holdoff_scores(files, config)
    ours = _evaluate_all(files, scores, costs)
    standard = ours["standard"]
    table.add_section()
    table.add_row(
        "[bold]Holdoff streaming[/]",
        *(f"[bold]{ours[name].score:.2f}[/]" for name in costs),
        f"{standard.threshold:.4g}",
        f"{standard.detected_windows}/{standard.windows}",
        str(standard.false_positives),
    )
    table.add_section()
    for key, label in SCOREBOARD.items():
        if key in board:
            table.add_row(
                f"{label} (published)", *(f"{board[key].get(name, math.nan):.1f}" for name in costs)
            )
    console.print(table)

    seconds = _best(runs, lambda: holdoff_scores(files, config)[1])
    reference_seconds = _best(runs, lambda: reference_loop(files))
    rate = points / seconds

    goals = Table(title="nab: goals")
    for column in ("figure", "measured", "goal", "verdict"):
        goals.add_column(column)
    reproduced: dict[str, float | None] = {}
    for detector in REPRODUCED:
        mine = references.get(detector, {}).get("standard")
        theirs = board.get(detector, {}).get("standard")
        gap = abs(mine.score - theirs) if mine and theirs is not None else None
        reproduced[detector] = gap
        goals.add_row(
            f"{detector} standard, reproduced",
            f"{mine.score:.2f} vs {theirs:.2f}"
            if mine and theirs is not None
            else "n/a (no per-row results)",
            f"within {TOLERANCE}",
            verdict(gap <= TOLERANCE if gap is not None else None),
        )
    goals.add_row(
        "Holdoff standard score",
        f"{standard.score:.2f}",
        f"> {GOAL_STANDARD:g}",
        verdict(standard.score > GOAL_STANDARD),
    )
    goals.add_row(
        "Holdoff standard score (next target)",
        f"{standard.score:.2f}",
        f"> {NEXT_GOAL_STANDARD:g}",
        verdict(standard.score > NEXT_GOAL_STANDARD),
    )
    goals.add_row(
        "points/s, one core",
        f"{rate:,.0f} ({reference_seconds / seconds:.2f}x the speed of a bare z-score loop)",
        f">= {GOAL_POINTS_PER_S:,.0f}",
        verdict(rate >= GOAL_POINTS_PER_S),
    )
    console.print(goals)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_result(
        "nab",
        stamp,
        {
            "benchmark": "nab",
            "at": stamp,
            "runs": runs,
            "files": len(files),
            "points": points,
            "windows": windows,
            "holdoff_config": config.model_dump(),
            "holdoff": {name: _as_json(result) for name, result in ours.items()},
            "reproduced": {
                detector: {name: _as_json(result) for name, result in results.items()}
                for detector, results in references.items()
            },
            "reproduced_standard_gap": reproduced,
            "published": board,
            "holdoff_points_per_s": rate,
            "reference_loop_points_per_s": points / reference_seconds,
            "speed_ratio_to_reference_loop": reference_seconds / seconds,
            "goal_standard": GOAL_STANDARD,
            "goal_standard_met": standard.score > GOAL_STANDARD,
            "goal_points_per_s": GOAL_POINTS_PER_S,
            "goal_points_per_s_met": rate >= GOAL_POINTS_PER_S,
            "machine": machine_info(),
        },
    )
    print(f"result: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


def _as_json(result: ProfileResult) -> dict[str, Any]:
    return {
        "score": result.score,
        "raw": result.raw,
        "threshold": result.threshold,
        "detected_windows": result.detected_windows,
        "windows": result.windows,
        "false_positives": result.false_positives,
    }


BENCHMARK = Benchmark(
    name="nab",
    summary="the NAB scorer checked against published results, and Holdoff's streaming detector on all 58 files",
    add_arguments=add_arguments,
    run=run,
)
