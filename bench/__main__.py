"""``python -m bench``: run the registered benchmarks in order (``--only NAME`` to pick some)."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from bench import (
    Benchmark,
    alertmanager,
    correlation,
    edge,
    evidence,
    ingest,
    logs_classify,
    logs_ingest,
    logs_templates,
    metrics_detect,
    metrics_ingest,
    nab,
    replay,
    scale,
    soak,
    websocket,
)

BENCHMARKS: list[Benchmark] = [
    edge.BENCHMARK,
    ingest.BENCHMARK,
    alertmanager.BENCHMARK,
    replay.BENCHMARK,
    websocket.BENCHMARK,
    logs_templates.BENCHMARK,
    logs_classify.BENCHMARK,
    logs_ingest.BENCHMARK,
    nab.BENCHMARK,
    metrics_ingest.BENCHMARK,
    metrics_detect.BENCHMARK,
    evidence.BENCHMARK,
    correlation.BENCHMARK,
    scale.BENCHMARK,
    soak.BENCHMARK,
]
"""Every benchmark, in the order ``make bench`` runs them. Add new ones here."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Holdoff benchmarks: "
        + "; ".join(f"{benchmark.name}: {benchmark.summary}" for benchmark in BENCHMARKS),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short smoke run: fewer requests, shorter phases (indicative only)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[benchmark.name for benchmark in BENCHMARKS],
        metavar="NAME",
        help="run only this benchmark (repeatable); one of: "
        + ", ".join(benchmark.name for benchmark in BENCHMARKS),
    )
    for benchmark in BENCHMARKS:
        benchmark.add_arguments(parser)
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so a benchmark stops the server it started before exiting.
    signal.signal(signal.SIGTERM, _interrupt)
    selected = [benchmark for benchmark in BENCHMARKS if not args.only or benchmark.name in args.only]
    status = 0
    try:
        for benchmark in selected:
            status = benchmark.run(args) or status
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    raise SystemExit(main())
