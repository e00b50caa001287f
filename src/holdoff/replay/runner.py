"""``holdoff replay``: read the stream with a progress bar, replay it, print the report."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from holdoff.policy.section import build_policy
from holdoff.replay import stream as stream_file
from holdoff.replay.render import show
from holdoff.replay.report import replay
from holdoff.settings import Settings


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(b"#"))


def run_file(path: Path, settings: Settings, *, decisions: Path | None, as_json: bool) -> int:
    """Exit status: 0, 1 if a real incident of the stream's ground truth was missed, 2 for a bad stream."""
    console = Console(stderr=as_json)
    if not path.is_file():
        print(f"holdoff replay: no such file: {path}", file=sys.stderr)
        return 2
    policy = build_policy(settings.policy, settings.delivery.fallback_channel)
    total = _count_lines(path)
    with ExitStack() as stack:
        sink = None
        if decisions is not None:
            out = stack.enter_context(decisions.open("w", encoding="utf-8"))

            def sink(entry: dict[str, Any]) -> None:
                out.write(json.dumps(entry, separators=(",", ":")) + "\n")

        progress = stack.enter_context(
            Progress(
                TextColumn("replaying"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
                disable=total < 10_000,
            )
        )
        task = progress.add_task("replay", total=total)
        try:
            report = replay(
                policy,
                stream_file.read(path, settings),
                decisions=sink,
                correlation=settings.correlation,
                progress=lambda done: progress.update(task, completed=done),
            )
        except stream_file.StreamError as exc:
            progress.stop()
            print(f"holdoff replay: {exc}", file=sys.stderr)
            return 2
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        show(report, console)
    return 1 if report.truth is not None and report.truth["missed"] else 0
