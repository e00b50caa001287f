"""Holdoff benchmarks: ``make bench`` (or ``python -m bench``) runs every registered benchmark in order.

A benchmark is a :class:`Benchmark`: a name, the command-line options it adds, and a ``run`` callable
that returns the process exit status: 0 when it measured (even if a goal was missed, which it prints
as MISSED), non-zero when the benchmark itself failed (the server did not start, requests failed).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
"""Where benchmarks write their JSON results (git-ignored)."""


class BenchmarkFailed(Exception):
    """The benchmark could not produce valid figures; the message says why."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    """Add this benchmark's options (in its own argument group) to the shared parser."""
    run: Callable[[argparse.Namespace], int]
    """Run with the parsed options; returns the exit status (0 measured, non-zero failed)."""
