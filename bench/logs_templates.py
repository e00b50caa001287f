"""Template mining benchmark (issue 13, point 2): Holdoff's miner against drain3 on the Loghub 2k sets.

For each of the 16 Loghub 2k systems, the lines are the ``Content`` column of the corrected structured
file (``2k_corrected/<S>/<S>_2k.log_structured_corrected.csv``: the message after each system's header;
header parsing is not what is measured) and the truth is its ``EventTemplate`` column. Both miners see
the same lines in the same order, with ONE configuration for every system:

- Holdoff: ``TemplateMiner(MinerConfig())``, the defaults.
- drain3: ``drain3.TemplateMiner`` with its default ``TemplateMinerConfig`` (sim_th 0.4, depth 4,
  max_children 100) plus the masking of drain3's example ``drain3.ini`` (IDs, IPv4, hex sequences, ``0x``
  numbers, integers), the masking drain3 users start from.

**Grouping accuracy** (GA, the standard Loghub metric, computed here): a line is right when the set of
lines in its mined group is exactly the set of lines of its ground-truth group; GA is the share of
lines that are right. A group is what each miner says at the end of the stream: drain3's cluster ids,
Holdoff's template ids resolved through merges (templates merged into a more general one count as
it). Holdoff's GA "as returned" (each line's id at the moment it was mined, no merge resolved) is
reported too. Published GA on these sets: Drain 0.85, LILAC 0.93. Goal: an average of at least 0.90.

**Speed**: lines/s of each miner over all systems, cold (a new miner per system; Holdoff's token
memory cleared), the median of ``--templates-runs`` runs per system, the two miners timed back to back
in alternating order so a busy machine slows both alike. Goal: Holdoff at least 2x drain3. Holdoff is
also timed with its line cache off (``line_cache=0``: every line masked, even one seen before).

One JSON result: ``bench/results/logs-templates-<UTC timestamp>.json``. The Loghub data is read from
``../shared/bench-data/loghub`` beside the repository; when it is absent the benchmark says so and
measures nothing (exit 0). Nothing of it is copied or stored.
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench import Benchmark
from bench.common import machine_info, positive_int, verdict, write_result
from holdoff.logs.miner import MinerConfig, TemplateMiner
from holdoff.logs.miner_key import clear_cache

LOGHUB: Final = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data" / "loghub"
CORRECTED: Final = LOGHUB / "2k_corrected"
SYSTEMS: Final = (
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Windows",
    "Zookeeper",
)
GOAL_GA: Final = 0.90
GOAL_SPEED: Final = 2.0
PUBLISHED: Final = {"Drain (Loghub-2.0, 2k)": 0.85, "LILAC": 0.93}

# drain3's example drain3.ini masking (its CMD rule, for one demo log, left out).
_B, _E = r"((?<=[^A-Za-z0-9])|^)", r"((?=[^A-Za-z0-9])|$)"
DRAIN3_MASKING: Final = (
    (_B + r"(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))" + _E, "ID"),
    (_B + r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})" + _E, "IP"),
    (_B + r"([0-9a-f]{6,} ?){3,}" + _E, "SEQ"),
    (_B + r"([0-9A-F]{4} ?){4,}" + _E, "SEQ"),
    (_B + r"(0x[a-f0-9A-F]+)" + _E, "HEX"),
    (_B + r"([\-\+]?\d+)" + _E, "NUM"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logs-templates")
    group.add_argument(
        "--templates-runs", type=positive_int, default=5, help="timed runs per system; the median counts (5)"
    )
    group.add_argument(
        "--templates-system",
        action="append",
        choices=SYSTEMS,
        metavar="NAME",
        help="measure only this Loghub system (repeatable; all 16 by default)",
    )


@dataclass(frozen=True)
class System:
    name: str
    lines: list[str]
    truth: list[str]


@dataclass(frozen=True)
class Measured:
    ga: float
    groups: int
    seconds: float


def load(name: str) -> System:
    path = CORRECTED / name / f"{name}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return System(name, [row["Content"] for row in rows], [row["EventTemplate"] for row in rows])


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[str]) -> float:
    """The share of lines whose mined group holds exactly the lines of their true group."""
    if len(predicted) != len(truth):
        raise ValueError("one prediction per line")
    if not truth:
        return 0.0
    mined: dict[Hashable, set[int]] = defaultdict(set)
    true: dict[str, set[int]] = defaultdict(set)
    for line, (group, event) in enumerate(zip(predicted, truth, strict=True)):
        mined[group].add(line)
        true[event].add(line)
    right = sum(len(lines) for lines in true.values() if mined[predicted[min(lines)]] == lines)
    return right / len(truth)


def holdoff_mine(lines: list[str], config: MinerConfig) -> tuple[TemplateMiner, list[str]]:
    """A new miner (token memory cleared: a cold start) that mined ``lines``, and each line's id."""
    clear_cache()
    miner = TemplateMiner(config)
    return miner, [miner.match(line).template_id for line in lines]


def holdoff_groups(lines: list[str], config: MinerConfig) -> tuple[list[str], list[str]]:
    """(ids as returned, ids resolved at the end) of a new miner mining ``lines``."""
    miner, returned = holdoff_mine(lines, config)
    return returned, [miner.resolve(template_id) for template_id in returned]


def drain3_factory() -> Callable[[], Any] | None:
    try:
        from drain3 import TemplateMiner as Drain3Miner  # type: ignore[import-untyped]
        from drain3.masking import MaskingInstruction  # type: ignore[import-untyped]
        from drain3.template_miner_config import TemplateMinerConfig  # type: ignore[import-untyped]
    except ImportError:
        return None
    logging.getLogger("drain3").setLevel(logging.WARNING)

    def new() -> Any:
        config = TemplateMinerConfig()
        config.masking_instructions = [MaskingInstruction(pattern, name) for pattern, name in DRAIN3_MASKING]
        return Drain3Miner(config=config)

    return new


def drain3_groups(lines: list[str], new: Callable[[], Any]) -> list[int]:
    miner = new()
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(
    system: System, runs: int, drain3: Callable[[], Any] | None
) -> tuple[Measured, float, Measured | None, float]:
    """(Holdoff, Holdoff as-returned GA, drain3, Holdoff seconds without its line cache)."""
    config, uncached = MinerConfig(), MinerConfig(line_cache=0)
    returned, resolved = holdoff_groups(system.lines, config)
    drained = drain3_groups(system.lines, drain3) if drain3 else None
    ours: list[float] = []
    theirs: list[float] = []
    bare: list[float] = []
    steps: list[tuple[list[float], Callable[[], object]]] = [
        (ours, partial(holdoff_mine, system.lines, config)),
        (bare, partial(holdoff_mine, system.lines, uncached)),
    ]
    if drain3 is not None:
        steps.append((theirs, partial(drain3_groups, system.lines, drain3)))
    for run in range(runs):
        for times, work in steps if run % 2 == 0 else reversed(steps):
            times.append(_timed(work))
    holdoff = Measured(grouping_accuracy(resolved, system.truth), len(set(resolved)), statistics.median(ours))
    reference = (
        Measured(grouping_accuracy(drained, system.truth), len(set(drained)), statistics.median(theirs))
        if drained is not None
        else None
    )
    return holdoff, grouping_accuracy(returned, system.truth), reference, statistics.median(bare)


def _rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds:,.0f}" if seconds > 0 else "-"


def run(args: argparse.Namespace) -> int:
    console = Console()
    names = args.templates_system or list(SYSTEMS)
    missing = [
        name for name in names if not (CORRECTED / name / f"{name}_2k.log_structured_corrected.csv").is_file()
    ]
    if missing:
        console.print(
            f"[yellow]logs-templates: the Loghub 2k data is absent ({CORRECTED} lacks "
            f"{', '.join(missing)}): nothing measured.[/]"
        )
        return 0
    drain3 = drain3_factory()
    if drain3 is None:
        console.print("[yellow]logs-templates: drain3 is not installed: Holdoff is measured alone.[/]")
    runs = 1 if args.quick else args.templates_runs
    systems = [load(name) for name in names]

    table = Table(
        title=f"logs-templates: grouping accuracy (templates found) and lines/s on Loghub 2k (runs: {runs})"
    )
    columns = ("system", "truth", "Holdoff GA", "(returned)", "drain3 GA", "Holdoff l/s", "drain3 l/s", "x")
    for column in columns:
        table.add_column(column, justify="left" if column == "system" else "right")
    rows: list[dict[str, Any]] = []
    for system in systems:
        holdoff, returned, reference, bare = measure(system, runs, drain3)
        rows.append(
            {
                "system": system.name,
                "lines": len(system.lines),
                "truth_templates": len(set(system.truth)),
                "holdoff_ga": holdoff.ga,
                "holdoff_ga_as_returned": returned,
                "holdoff_templates": holdoff.groups,
                "holdoff_seconds": holdoff.seconds,
                "holdoff_no_line_cache_seconds": bare,
                "drain3_ga": reference.ga if reference else None,
                "drain3_templates": reference.groups if reference else None,
                "drain3_seconds": reference.seconds if reference else None,
            }
        )
        table.add_row(
            system.name,
            str(len(set(system.truth))),
            f"{holdoff.ga:.3f} ({holdoff.groups})",
            f"{returned:.3f}",
            f"{reference.ga:.3f} ({reference.groups})" if reference else "-",
            _rate(len(system.lines), holdoff.seconds),
            _rate(len(system.lines), reference.seconds) if reference else "-",
            f"{reference.seconds / holdoff.seconds:.2f}x" if reference else "-",
        )

    lines = sum(row["lines"] for row in rows)
    ours = sum(row["holdoff_seconds"] for row in rows)
    bare = sum(row["holdoff_no_line_cache_seconds"] for row in rows)
    average = statistics.mean(row["holdoff_ga"] for row in rows)
    average_returned = statistics.mean(row["holdoff_ga_as_returned"] for row in rows)
    theirs = sum(row["drain3_seconds"] for row in rows) if drain3 else None
    drain3_average = statistics.mean(row["drain3_ga"] for row in rows) if drain3 else None
    ratio = theirs / ours if theirs else None
    table.add_section()
    table.add_row(
        "average" if len(rows) == len(SYSTEMS) else f"average of {len(rows)}",
        "",
        f"[bold]{average:.3f}[/]",
        f"{average_returned:.3f}",
        f"{drain3_average:.3f}" if drain3_average is not None else "-",
        _rate(lines, ours),
        _rate(lines, theirs) if theirs else "-",
        f"[bold]{ratio:.2f}x[/]" if ratio else "-",
    )
    console.print(table)

    goals = Table(title="logs-templates: goals")
    for column in ("figure", "measured", "goal", "verdict"):
        goals.add_column(column)
    every = len(rows) == len(SYSTEMS)
    goals.add_row(
        "average grouping accuracy"
        if every
        else f"average grouping accuracy ({len(rows)} of {len(SYSTEMS)} sets)",
        f"{average:.3f}",
        f">= {GOAL_GA:.2f} over the 16 sets",
        verdict(average >= GOAL_GA if every else None),
    )
    goals.add_row(
        "lines/s, Holdoff / drain3",
        f"{ratio:.2f}x" if ratio else "n/a",
        f">= {GOAL_SPEED:g}x",
        verdict(ratio >= GOAL_SPEED if ratio else None),
    )
    goals.add_row(
        "Holdoff without its line cache", f"{lines / bare:,.0f} lines/s", "", "[dim](every line masked)[/]"
    )
    console.print(goals)
    console.print(
        "Published grouping accuracy: " + ", ".join(f"{name} {ga:.2f}" for name, ga in PUBLISHED.items())
    )

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_result(
        "logs-templates",
        stamp,
        {
            "benchmark": "logs-templates",
            "at": stamp,
            "runs": runs,
            "holdoff_config": MinerConfig().model_dump(),
            "drain3_config": {"defaults": True, "masking": [name for _, name in DRAIN3_MASKING]}
            if drain3
            else None,
            "systems": rows,
            "lines": lines,
            "holdoff_ga_average": average,
            "holdoff_ga_as_returned_average": average_returned,
            "drain3_ga_average": drain3_average,
            "holdoff_lines_per_s": lines / ours,
            "holdoff_no_line_cache_lines_per_s": lines / bare,
            "drain3_lines_per_s": lines / theirs if theirs else None,
            "speed_ratio": ratio,
            "goal_ga": GOAL_GA,
            "goal_speed_ratio": GOAL_SPEED,
            "goal_ga_met": average >= GOAL_GA if every else None,
            "goal_speed_met": ratio >= GOAL_SPEED if ratio else None,
            "published": PUBLISHED,
            "machine": machine_info(),
        },
    )
    print(f"result: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


BENCHMARK = Benchmark(
    name="logs-templates",
    summary="template mining on the 16 Loghub 2k sets: grouping accuracy and lines/s, beside drain3",
    add_arguments=add_arguments,
    run=run,
)
