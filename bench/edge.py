"""Edge benchmark (issue 11): what the rule for input text, numbers and times costs on the ingest path.

Every webhook body is now read by :func:`holdoff.edge.parse_json` instead of ``json.loads``: refused
constants and huge numbers, a depth check, and U+FFFD for lone surrogates and NUL. The reference is
``json.loads`` of the same bodies, measured in the same run, so the figure is a ratio that holds on any
machine. The bodies are the repository's sample payloads of every source (``tests/fixtures/payloads``),
clean as real senders send them, and the same bodies with a lone surrogate and a NUL in one value
(the slow path: the body is walked and cleaned). Goal: the clean path costs at most 2x ``json.loads``,
which is a few microseconds against the ~500 us a webhook costs the server.

One JSON result: ``bench/results/edge-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark, BenchmarkFailed
from bench.common import ROOT, machine_info, positive_int, verdict, write_result
from holdoff.edge import parse_json

PAYLOADS: Final = ROOT / "tests" / "fixtures" / "payloads"
SOURCES: Final = (
    "alertmanager-webhook-firing.json",
    "grafana-webhook-firing.json",
    "coralogix-webhook-default-template.json",
    "cloudwatch-alarm-sns.json",
    "aws-health-eventbridge-issue.json",
    "securityhub-finding-asff.json",
)
GOAL_RATIO: Final = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("edge")
    group.add_argument(
        "--edge-rounds", type=positive_int, default=500, help="parses of each body per timed run (500)"
    )
    group.add_argument(
        "--edge-runs", type=positive_int, default=31, help="timed runs; the median counts (31)"
    )


def _bodies() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in SOURCES:
        path = PAYLOADS / name
        if not path.is_file():
            raise BenchmarkFailed(f"{path} is missing")
        found[name] = json.dumps(json.loads(path.read_text()))  # one line, ASCII, as senders send it
    return found


def _dirty(body: str) -> str:
    """The body with one more value holding a lone surrogate and a NUL (as JSON escapes)."""
    return body[:-1] + ', "holdoff_bench": "disk\\ud800full\\u0000"}'


def _timed_us(parse: Callable[[str], Any], bodies: list[str], rounds: int) -> float:
    """Mean microseconds one body takes to parse, over ``rounds`` passes."""
    started = time.perf_counter()
    for _ in range(rounds):
        for body in bodies:
            parse(body)
    return (time.perf_counter() - started) / (rounds * len(bodies)) * 1e6


def _paired(bodies: list[str], rounds: int, runs: int) -> tuple[float, float, float]:
    """(json.loads us, edge us, ratio): each run times both back to back, so a busy machine slows
    both alike; the medians over the runs are reported, the ratio as the median of the runs' ratios."""
    reference, edge = [], []
    for _ in range(runs):
        reference.append(_timed_us(json.loads, bodies, rounds))
        edge.append(_timed_us(parse_json, bodies, rounds))
    ratios = [mine / theirs for mine, theirs in zip(edge, reference, strict=True)]
    return statistics.median(reference), statistics.median(edge), statistics.median(ratios)


def run(args: argparse.Namespace) -> int:
    rounds = 200 if args.quick else args.edge_rounds
    runs = 3 if args.quick else args.edge_runs
    clean = list(_bodies().values())
    dirty = [_dirty(body) for body in clean]
    for body in dirty:  # the slow path must really clean
        if "\ud800" in json.dumps(parse_json(body), ensure_ascii=False):
            raise BenchmarkFailed("parse_json left a lone surrogate in a body")
    loads_clean, edge_clean, clean_ratio = _paired(clean, rounds, runs)
    loads_dirty, edge_dirty, dirty_ratio = _paired(dirty, rounds, runs)
    figures = {
        "json_loads_clean_us": loads_clean,
        "edge_clean_us": edge_clean,
        "json_loads_dirty_us": loads_dirty,
        "edge_dirty_us": edge_dirty,
    }

    table = Table(title=f"edge: parse of {len(clean)} sample bodies (median of {runs} runs x {rounds})")
    for column in ("bodies", "json.loads (us)", "holdoff.edge (us)", "ratio", f"goal <= {GOAL_RATIO:g}x"):
        table.add_column(column)
    table.add_row(
        "clean",
        f"{figures['json_loads_clean_us']:.1f}",
        f"{figures['edge_clean_us']:.1f}",
        f"{clean_ratio:.2f}x",
        verdict(clean_ratio <= GOAL_RATIO),
    )
    table.add_row(
        "surrogate + NUL",
        f"{figures['json_loads_dirty_us']:.1f}",
        f"{figures['edge_dirty_us']:.1f}",
        f"{dirty_ratio:.2f}x",
        "[dim](kept, cleaned)[/]",
    )
    Console().print(table)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_result(
        "edge",
        stamp,
        {
            "benchmark": "edge",
            "at": stamp,
            "bodies": SOURCES,
            "rounds": rounds,
            "runs": runs,
            **figures,
            "clean_ratio": clean_ratio,
            "dirty_ratio": dirty_ratio,
            "goal_ratio": GOAL_RATIO,
            "goal_met": clean_ratio <= GOAL_RATIO,
            "machine": machine_info(),
        },
    )
    print(f"result: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


BENCHMARK = Benchmark(
    name="edge",
    summary="cost of the input rule (holdoff.edge) per webhook body, as a ratio to json.loads",
    add_arguments=add_arguments,
    run=run,
)
