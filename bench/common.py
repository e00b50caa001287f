"""Helpers shared by the benchmarks: option types, table cells and the JSON result file."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Final

from bench import RESULTS_DIR
from bench.loadgen import RunStats

ROOT: Final = Path(__file__).resolve().parent.parent

# --- option types ---------------------------------------------------------------------------------


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


# --- table cells ----------------------------------------------------------------------------------


def verdict(met: bool | None) -> str:
    """A goal's verdict cell: met, MISSED, or n/a when the run could not tell."""
    if met is None:
        return "[dim]n/a[/]"
    return "[green]met[/]" if met else "[bold red]MISSED[/]"


def status_mix(*runs: RunStats) -> str:
    """The HTTP statuses answered over all ``runs``, e.g. ``1,980x 202, 20x 200``."""
    statuses: dict[int, int] = {}
    for stats in runs:
        for status, count in stats.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return ", ".join(f"{count:,}x {status}" for status, count in sorted(statuses.items()))


# --- the JSON result file -------------------------------------------------------------------------


def git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def machine_info() -> dict[str, Any]:
    """The ``machine`` entry of a result: CPU count, platform, Python version and git revision."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "git": git_revision(),
    }


def write_result(benchmark: str, run_tag: str, result: dict[str, Any]) -> Path:
    """Write ``result`` to ``bench/results/<benchmark>-<stamp>.json`` (``-2``, ``-3``... if that file exists)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp, serial = run_tag.split("-")[0], 1
    path = RESULTS_DIR / f"{benchmark}-{stamp}.json"
    while path.exists():
        serial += 1
        path = RESULTS_DIR / f"{benchmark}-{stamp}-{serial}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path
